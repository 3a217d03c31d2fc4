"""What a release carries besides its data (issue 19, items 4 and 5): a datasheet an analyst with
only PUBLISH_DIR can read (README.md, datasheet.html, DuckDB comments, Parquet key-value
metadata), integers that read the same in DuckDB and Parquet, and evidence with the release's
modes, pruned after the declared number of runs.

One publish of the session's hand-written warehouse serves every test that needs a release; the
rest run on planted files and cost no build.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from privacy_warehouse import datasheet, release_files
from privacy_warehouse.report import evidence

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def release(handwritten_warehouse, tmp_path_factory):
    """The session's published and reported hand-written warehouse (test_report's site: no
    second publish when both files run in one worker)."""
    from test_report import report_site_for

    site = report_site_for(handwritten_warehouse, tmp_path_factory)
    return site.root / "publish", site.evidence_dir, site.publication


def published_columns(publish_dir: Path) -> list[tuple[str, str, str, str | None]]:
    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    try:
        return con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'analytics' and not internal").fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# The datasheet
# --------------------------------------------------------------------------------------------


def test_every_published_table_and_column_has_a_duckdb_comment(release):
    publish_dir, _, publication = release
    columns = published_columns(publish_dir)
    assert {f"{s}.{t}" for s, t, *_ in columns} == set(publication["tables"])
    assert len(columns) == sum(len(t["columns"]) for t in publication["tables"].values())
    empty = [f"{s}.{t}.{c}" for s, t, c, comment in columns if not (comment or "").strip()]
    assert not empty, f"columns without a comment: {empty}"
    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    try:
        tables = con.execute("select schema_name || '.' || table_name, comment "
                             "from duckdb_tables() where database_name = 'analytics'").fetchall()
    finally:
        con.close()
    assert tables and all((comment or "").strip() for _, comment in tables), tables


def test_every_parquet_file_carries_the_datasheet_as_key_value_metadata(release):
    publish_dir, _, publication = release
    for name, table in publication["tables"].items():
        metadata = {k.decode(): v.decode() for k, v in
                    pq.read_schema(publish_dir / table["parquet_path"]).metadata.items()}
        assert metadata["table"] == name
        assert metadata["description"].strip() and metadata["population"].strip()
        assert metadata["as_of"] == publication["as_of"]
        for column in table["columns"]:
            assert metadata.get(f"column.{column}", "").strip(), f"{name}.{column}"
        assert set(json.loads(metadata["privacy_warehouse.datasheet"])["columns"]) == \
            set(table["columns"])


def test_the_readme_says_what_every_column_means_and_reads_bands_from_the_hierarchies(release):
    publish_dir, _, publication = release
    readme = (publish_dir / datasheet.README).read_text("utf-8")
    page = (publish_dir / datasheet.HTML).read_text("utf-8")
    hierarchies = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"][
        "generalisation_hierarchies"]
    manifest = json.loads((release[1] / publication["run_id"] / "manifest.json").read_text())
    banded = 0
    for name, table in publication["tables"].items():
        assert f"### {name}" in readme and f"<h3>{name}</h3>" in page
        # A differentially private table (issue 18) is no dbt model: its sheet is written
        # from its declaration (privacy_warehouse.dp_datasheet), with no banded column.
        node = next((n for n in manifest["nodes"].values() if n["resource_type"] == "model"
                     and f"{n['schema']}.{n['alias']}" == name), {"columns": {}})
        for column in table["columns"]:
            row = next((line for line in readme.splitlines()
                        if line.startswith(f"| `{column}` |")), None)
            assert row, f"{name}.{column} is not in README.md"
            assert f"<code>{column}</code>" in page
            meaning = row.rsplit("|", 2)[-2].strip()
            assert meaning, f"{name}.{column} has no meaning in README.md"
            privacy = ((node["columns"].get(column) or {}).get("meta") or {}).get("privacy") or {}
            if privacy.get("level", "").startswith("band_"):
                spec = hierarchies[privacy["hierarchy"]]
                width = privacy["level"].removeprefix("band_")
                assert f"lower bound of a {width}" in row, row
                top = privacy.get("top", spec["top"])  # a column's own top-coding wins
                assert f"{top} is the open top band" in row, row
                banded += 1
    assert banded, "no band column was checked"
    assert publication["as_of"] in readme and "Left out" in readme


def test_the_query_examples_in_the_readme_run(release):
    publish_dir, _, _ = release
    readme = (publish_dir / datasheet.README).read_text("utf-8")
    examples = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(examples) == 4, "DuckDB, Parquet, pandas and Polars: one example each"
    for code in examples:
        ran = subprocess.run([sys.executable, "-c", code], cwd=publish_dir,
                             capture_output=True, text=True, timeout=120, check=False)
        assert ran.returncode == 0, f"{code}\n{ran.stderr[-2000:]}"
        assert ran.stdout.strip(), code


def test_figures_and_declarations_it_does_not_know_are_rendered_too():
    """A DP table's budget in its YAML meta, utility figures another step adds to
    publication.json: the datasheet shows whatever is there, without naming it."""
    sheet = datasheet.TableSheet(
        name="bizdev.dp_orders", description="One row per month. Noisy.", kind="", purpose={},
        windows=[], left_out=[],
        declared=datasheet.flatten({"differential_privacy": {"privacy_unit": "customer",
                                                              "epsilon": 0.5}}),
        columns=[datasheet.ColumnSheet("order_count", "bigint", "Orders, with noise.",
                                       "a count", "", [], False,
                                       {"interval": "order_count_low, order_count_high"})])
    publication = {"run_id": "r", "as_of": "2026-06-30",
                   "tables": {sheet.name: {"row_count": 3}},
                   "utility": {"tables": {sheet.name: {"revenue_share_suppressed": 0.04}}},
                   "privacy_budget": {"epsilon_total": 1.5,
                                      "spent": [{"table": sheet.name, "epsilon": 0.5}]}}
    text = datasheet.to_markdown(datasheet.blocks([sheet], publication))
    for expected in ("differential_privacy.privacy_unit | customer", "epsilon | 0.5",
                     "revenue_share_suppressed | 0.04", "epsilon_total | 1.5",
                     "interval | order_count_low, order_count_high",
                     "| bizdev.dp_orders | 0.5 |"):
        assert expected in text, expected


# --------------------------------------------------------------------------------------------
# Integers: BIGINT / INT64 for counts, the same width in both formats
# --------------------------------------------------------------------------------------------


def test_published_counts_are_bigint_in_duckdb_and_int64_in_parquet(release):
    publish_dir, _, publication = release
    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    try:
        types = {(f"{s}.{t}", c): d for s, t, c, d in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where database_name = 'analytics'").fetchall()}
    finally:
        con.close()
    counts = [key for key in types if key[1].endswith("_count")]
    assert counts, "no count column was checked"
    assert ("bizdev.dp_deliveries_monthly", "delivered_count") in counts
    for name, column in counts:
        arrow = {f.name: str(f.type) for f in
                 pq.read_schema(publish_dir / publication["tables"][name]["parquet_path"])}
        assert (types[(name, column)], arrow[column]) == ("BIGINT", "int64"), (name, column)
    assert "HUGEINT" not in types.values()


def test_the_integer_check_fails_on_a_planted_hugeint(tmp_path):
    """A count made by sum() of integers (HUGEINT in DuckDB, DOUBLE once in Parquet) refuses."""
    database = tmp_path / "planted.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("create schema bizdev")
        con.execute("create table bizdev.cells as select sum(1) as delivered_count, "
                    "count(*) as order_count, 7::integer as month_of_year")
        (tmp_path / "parquet" / "bizdev").mkdir(parents=True)
        con.execute(f"copy bizdev.cells to '{tmp_path}/parquet/bizdev/cells.parquet' "
                    "(format parquet)")
        node = {"schema": "bizdev", "name": "cells", "alias": "cells"}
        problems = datasheet.integer_type_problems(con, [node], tmp_path / "parquet")
    finally:
        con.close()
    assert len(problems) == 1 and "delivered_count: HUGEINT" in problems[0], problems
    # The same check passes on the same table with the count cast where it is made.
    con = duckdb.connect(str(database))
    try:
        con.execute("create or replace table bizdev.cells as select "
                    "cast(sum(1) as bigint) as delivered_count, count(*) as order_count, "
                    "7::integer as month_of_year")
        con.execute(f"copy bizdev.cells to '{tmp_path}/parquet/bizdev/cells.parquet' "
                    "(format parquet)")
        assert datasheet.integer_type_problems(con, [node], tmp_path / "parquet") == []
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Evidence: the release's modes, and pruning
# --------------------------------------------------------------------------------------------


def others_can_read(root: Path) -> list[str]:
    return [str(p) for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o007]


def test_no_evidence_file_is_readable_by_other_users(release):
    _, evidence_dir, publication = release
    run_folder = evidence_dir / publication["run_id"]
    assert (run_folder / "data-docs").is_dir() and (run_folder / "index.html").is_file()
    assert others_can_read(evidence_dir) == []
    assert release_files.wider_than(evidence_dir, release_files.modes_from_environment()) == []


def test_a_world_readable_evidence_file_is_closed_by_the_next_write(tmp_path, monkeypatch):
    """The mode check fails on a planted world-readable file; the evidence writers close it."""
    monkeypatch.delenv(release_files.PUBLISH_GROUP_ENV, raising=False)
    folder = evidence.run_dir(tmp_path / "evidence", "run-1")
    planted = folder / "publication.json"
    planted.write_text("{}")
    planted.chmod(0o644)
    (tmp_path / "evidence").chmod(0o755)
    assert others_can_read(tmp_path / "evidence"), "the check must see the planted file"
    evidence.secure_evidence(tmp_path / "evidence")
    assert others_can_read(tmp_path / "evidence") == []
    assert stat.S_IMODE(planted.stat().st_mode) == 0o600


def test_evidence_is_group_readable_with_publish_group(tmp_path, monkeypatch):
    group = os.getgid()
    monkeypatch.setenv(release_files.PUBLISH_GROUP_ENV, str(group))
    folder = evidence.run_dir(tmp_path / "evidence", "run-1")
    (folder / "report.json").write_text("{}")
    evidence.secure_evidence(tmp_path / "evidence")
    for path, mode in ((tmp_path / "evidence", 0o750), (folder, 0o750),
                       (folder / "report.json", 0o640)):
        info = path.stat()
        assert (stat.S_IMODE(info.st_mode), info.st_gid) == (mode, group), path


def test_runs_beyond_the_declared_number_leave_only_a_history_line(tmp_path, monkeypatch):
    monkeypatch.delenv(release_files.PUBLISH_GROUP_ENV, raising=False)
    evidence_dir = tmp_path / "evidence"
    for day in range(1, 6):
        folder = evidence.run_dir(evidence_dir, f"run-{day}")
        (folder / "run_results.json").write_text(json.dumps(
            {"metadata": {"generated_at": f"2026-06-0{day}T00:00:00Z"}}))
        (folder / "publication.json").write_text(json.dumps({
            "as_of": f"2026-06-0{day}", "published_at": f"2026-06-0{day}T01:00:00Z",
            "tables": {"bizdev.fct_orders": {"row_count": 1234, "content_checksum": "ab",
                                             "parquet_sha256": "cd"}}}))
    pruned = evidence.prune_runs(evidence_dir, keep=2, protected={"run-1"})
    assert sorted(pruned) == ["run-2", "run-3"]
    assert sorted(p.name for p in evidence_dir.iterdir() if p.is_dir()) == \
        ["run-1", "run-4", "run-5"]
    history = json.loads((evidence_dir / evidence.HISTORY).read_text())
    assert history["runs_kept"] == 2
    assert [e["run_id"] for e in history["pruned_runs"]] == ["run-2", "run-3"]
    assert "1234" not in (evidence_dir / evidence.HISTORY).read_text(), "no counts kept"
    assert history["pruned_runs"][0]["tables"]["bizdev.fct_orders"]["parquet_sha256"] == "cd"
    assert evidence.runs_kept(PROJECT_ROOT) == yaml.safe_load(
        (PROJECT_ROOT / "dbt_project.yml").read_text())["vars"][evidence.RUNS_KEPT_VAR]
