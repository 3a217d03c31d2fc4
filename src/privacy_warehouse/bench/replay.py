"""The helper processes' work: the raw-scan floor, dbt's run SQL replayed in one DuckDB
connection, and the validation alone."""

from __future__ import annotations

import time
from pathlib import Path

from privacy_warehouse.bench.common import PROJECT_ROOT, BenchError
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact, relation_alias
from privacy_warehouse.sql import quote_identifier, quote_literal


def landing_tables(zone: Path) -> dict[str, list[str]]:
    """`system.table` -> its Parquet files, for every table folder of the zone."""
    tables = {}
    for folder in sorted(p for p in zone.glob("*/*") if p.is_dir()):
        files = sorted(str(f) for f in folder.glob("*.parquet"))
        if files:
            tables[f"{folder.parent.name}.{folder.name}"] = files
    return tables


def forcing_expression(column: str, column_type: str) -> str:
    """A cheap aggregate that needs every value of the column decoded (not its statistics)."""
    quoted = quote_identifier(column)
    kind = column_type.upper()
    if kind.startswith(("VARCHAR", "BLOB")):
        return f"sum(strlen(cast({quoted} as varchar)))" if kind == "BLOB" else \
            f"sum(strlen({quoted}))"
    if kind.startswith(("TIMESTAMP", "DATE", "TIME")):
        return f"sum(epoch({quoted}))"
    if kind == "BOOLEAN":
        return f"sum(cast({quoted} as integer))"
    if kind.startswith(("STRUCT", "LIST", "MAP")) or kind.endswith("]"):
        return f"sum(strlen(cast({quoted} as varchar)))"
    return f"sum({quoted})"


def floor_query(files: list[str], columns: list[tuple[str, str]]) -> str:
    file_list = ", ".join(quote_literal(f) for f in files)
    aggregates = ", ".join(forcing_expression(name, kind) for name, kind in columns)
    return (f"select count(*), {aggregates} "
            f"from read_parquet([{file_list}], union_by_name = true)")


def measure_floor(zone: Path, memory_limit: str) -> dict:
    import duckdb

    con = duckdb.connect()
    _run(con, f"set memory_limit = '{memory_limit}'")
    tables = {}
    started = time.perf_counter()
    for name, files in landing_tables(zone).items():
        file_list = ", ".join(quote_literal(f) for f in files)
        columns = [(row[0], row[1]) for row in con.execute(
            f"describe select * from read_parquet([{file_list}], union_by_name = true)").fetchall()]
        table_started = time.perf_counter()
        rows = con.execute(floor_query(files, columns)).fetchall()[0][0]
        tables[name] = {"rows": int(rows), "columns": len(columns), "files": len(files),
                        "seconds": round(time.perf_counter() - table_started, 3)}
    con.close()
    return {"seconds": round(time.perf_counter() - started, 3), "tables": tables}


def models_in_dependency_order(manifest: dict) -> list[dict]:
    """Enabled, non-ephemeral models, parents before children (ties by unique_id)."""
    models = {uid: node for uid, node in manifest["nodes"].items()
              if node["resource_type"] == "model"
              and (node.get("config") or {}).get("enabled", True)}
    order, done, visiting = [], set(), set()

    def visit(uid: str) -> None:
        if uid in done:
            return
        if uid in visiting:
            raise BenchError(f"dependency cycle at {uid}")
        visiting.add(uid)
        for parent in sorted((models[uid].get("depends_on") or {}).get("nodes") or []):
            if parent in models:
                visit(parent)
        visiting.discard(uid)
        done.add(uid)
        order.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return [n for n in order if (n.get("config") or {}).get("materialized") != "ephemeral"]


def run_sql_path(target_path: Path, node: dict) -> Path:
    return target_path / "run" / node["package_name"] / node["original_file_path"]


def _run(con, sql: str) -> None:
    """Execute and drain (DuckDB 2.0 refuses a new query while a result is unread)."""
    con.execute(sql).fetchall()


def register_pseudonym_pads(con) -> None:
    """The HMAC pads of every purpose key, exactly as the dbt-duckdb plugin loads them (the
    plugin itself is not imported: that would import dbt, seconds, into the process whose time
    is compared with dbt's)."""
    import csv

    from privacy_warehouse.pseudonyms import load_master_key, load_pad_table, purpose_pads

    master_key = load_master_key(key_env_var="PSEUDONYMISATION_KEY",
                                 key_file_env_var="PSEUDONYMISATION_KEY_FILE",
                                 allow_key_file=True)
    with (PROJECT_ROOT / "seeds" / "policy" / "policy_purposes.csv").open(encoding="utf-8") as handle:
        purposes = [row["purpose"] for row in csv.DictReader(handle)]
    load_pad_table(con, purpose_pads(master_key, purposes))


def run_direct(database: Path, target_path: Path, memory_limit: str) -> dict:
    """Execute dbt's run SQL of every model in dependency order, in one connection."""
    import duckdb

    manifest = read_artifact(target_path, MANIFEST)
    models = models_in_dependency_order(manifest)
    started = time.perf_counter()
    con = duckdb.connect(str(database))
    _run(con, f"set memory_limit = '{memory_limit}'")
    _run(con, "set preserve_insertion_order = false")  # as profiles.yml
    register_pseudonym_pads(con)
    # The on-run-start hook's views, re-created from the warehouse's own definitions.
    raw_views = con.execute("select sql from duckdb_views() where schema_name = 'raw' "
                            "and database_name = current_database()").fetchall()
    for (sql,) in raw_views:
        _run(con, sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
    setup = time.perf_counter() - started
    timings = {}
    for node in models:
        model_started = time.perf_counter()
        sql = run_sql_path(target_path, node).read_text(encoding="utf-8")
        relation = relation_alias(node)
        schema = node["schema"]
        _run(con, sql)
        temporary = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, f"{relation}__dbt_tmp"]).fetchall()
        if temporary:  # the materialisation's swap: drop the old relation, rename the new one
            existing = con.execute(
                "select table_type from information_schema.tables "
                "where table_catalog = current_database() and table_schema = ? "
                "and table_name = ?", [schema, relation]).fetchall()
            if existing:
                kind = "view" if existing[0][0] == "VIEW" else "table"
                _run(con, f"drop {kind} {quote_identifier(schema)}.{quote_identifier(relation)}")
            kind = "view" if temporary[0][1] == "VIEW" else "table"
            _run(con, f"alter {kind} {quote_identifier(schema)}.{quote_identifier(relation + '__dbt_tmp')} "
                      f"rename to {quote_identifier(relation)}")
        timings[node["unique_id"]] = round(time.perf_counter() - model_started, 3)
    _run(con, "checkpoint")
    con.close()
    return {"seconds": round(time.perf_counter() - started, 3), "setup_seconds": round(setup, 3),
            "models": len(models), "raw_views": len(raw_views), "timings": timings}


def run_validation(target_path: Path, published: Path, warehouse: Path, docs_dir: Path) -> dict:
    from privacy_warehouse.publish import load_build, published_nodes
    from privacy_warehouse.validate import ValidationSettings, validate_publication

    build = load_build(target_path)
    nodes = published_nodes(build.manifest)
    settings = ValidationSettings.from_project(build.project_dir, build.build_vars, build.as_of)
    started = time.perf_counter()
    report = validate_publication(published, warehouse, nodes, build.manifest, settings,
                                  build.run_id, docs_dir)
    return {"seconds": round(time.perf_counter() - started, 3), "success": report.success,
            "suites": len(report.suites),
            "expectations": sum(s.evaluated for s in report.suites)}
