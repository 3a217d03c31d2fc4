"""The gate across releases: the new release against the previous one (issue 18, item 3).

An attacker keeps yesterday's release. Between two releases a few people leave (an objection,
a window that ended), arrive or change (an order delivered), and every published number
re-derived from exact values moves by exactly what those few people contributed: a cell whose
order count moved by one and whose revenue moved by 431.50 SEK gives that order's exact price,
a mean over n0 and then n1 answers gives `n0·avg0 − n1·avg1`, one person's exact score. No rule
that looks at one release can see this; this module compares two.

**The fingerprint** of a release (kept privately beside its salt, privacy_warehouse.release_keys;
never in PUBLISH_DIR) holds every published number without a pseudonym:
* a row-level table (`meta.k_anonymity.people`): its rows per class (combination of
  quasi-identifiers), `published_rows`;
* any other table: the table itself (its cells: every non-numeric column is the cell's key,
  every numeric column a published number).

**The rule, per cell of a table that is not differentially private.** The cell's *people
moved* is the smallest change, between the two releases, of its declared counts
(`meta.k_anonymity.count_column`: people, `unit_count_column`: orders); a cell present in one
release only moved by its whole count. If fewer than k moved (including none: a value changed
in place, as when an order is delivered) and any other number of the cell changed, that change
is the exact contribution of fewer than k people, and the release is refused. At k = 1 a single
release may already describe one person, so the rule has nothing to add and refuses nothing.
* Tables that declare `meta.differential_privacy` are compared and reported, never refused:
  their noise, drawn afresh (or stored once for a closed period), is the protection.
* Row-level tables publish banded quasi-identifiers only, all assumed known to the attacker
  (docs/attacker-model.md); their class counts are compared and reported (classes that moved
  by 1 to k-1 rows), not refused. Their rows cannot be matched across releases: the keys are
  drawn per release.

**The consistent-suppression cascade**, reported with the comparison: the customers suppressed
in dim_customers, and the orders and sessions withheld only because their customer was
(counted from the private tier), and how each moved since the previous release.

Messages and figures hold table and column names and counts, never a value.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from privacy_warehouse import release_keys, risk
from privacy_warehouse.dbt_artifacts import node_meta, quoted_relation, table_name
from privacy_warehouse.release_keys import pseudonym_columns
from privacy_warehouse.sql import quote_identifier

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")
ROW_COUNT = "published_rows"

# The cascade, from the private tier: customers suppressed in dim_customers, and their rows
# that the facts leave out because of them (consistent suppression).
CASCADE_SQL = """
    with suppressed as (
        select customer_id from {wh}.private.int_bizdev_customers_classed where is_suppressed
    )
    select
        (select count(*) from suppressed),
        (select count(*) from {wh}.staging.stg_booking__orders as orders
            where orders.customer_id in (select customer_id from suppressed)),
        (select count(distinct views.session_id) from {wh}.staging.stg_web__page_views as views
            where views.customer_id in (select customer_id from suppressed))
"""


def table_key(node: dict) -> str:
    """The fingerprint's table for a published table (one schema-less name per table)."""
    return f"{node['schema']}__{node.get('alias') or node['name']}"


def is_differentially_private(node: dict) -> bool:
    return bool(node_meta(node).get("differential_privacy"))


def declared_counts(node: dict) -> list[str]:
    declaration = node_meta(node).get("k_anonymity") or {}
    return [c for c in (declaration.get("count_column"), declaration.get("unit_count_column"))
            if c]


def write_fingerprint(published_file: Path, nodes: list[dict], fingerprint: Path) -> None:
    """Every published number of the release, without pseudonyms, into `fingerprint` (0600)."""
    con = duckdb.connect(str(fingerprint))
    try:
        con.execute(f"attach '{published_file}' as release (read_only)")
        present = {f"{schema}.{table}" for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'release'").fetchall()}
        for node in nodes:
            if table_name(node) not in present:  # an older release without this table
                continue
            relation = f"release.{quoted_relation(node)}"
            keys = set(pseudonym_columns(node))
            if risk.row_level(node) is not None:
                qis = ", ".join(quote_identifier(c) for c in risk.quasi_identifiers(node))
                select = (f"select {qis}, count(*) as {ROW_COUNT} from {relation} group by all"
                          if qis else f"select count(*) as {ROW_COUNT} from {relation}")
            else:
                columns = [c for c, *_ in con.execute(f"describe {relation}").fetchall()
                           if c not in keys]
                select = f"select {', '.join(quote_identifier(c) for c in columns)} from {relation}"
            con.execute(f"create table {quote_identifier(table_key(node))} as {select}")
        con.execute("detach release")
    finally:
        con.close()
    Path(fingerprint).chmod(0o600)


@dataclass
class TableComparison:
    table: str
    kind: str  # row_level | aggregate | differentially_private | new
    cells_compared: int = 0
    cells_changed: int = 0
    cells_moved_by_fewer_than_k: int = 0  # fewer than k people moved and a number changed
    numbers_moved_by_fewer_than_k: list[str] = field(default_factory=list)
    refused: bool = False
    note: str = ""


@dataclass
class Comparison:
    previous_run_id: str | None
    previous_as_of: str | None
    k: int
    tables: list[TableComparison] = field(default_factory=list)
    suppression_cascade: dict = field(default_factory=dict)
    note: str = ""

    @property
    def problems(self) -> list[str]:
        return [f"{t.table}: {t.cells_moved_by_fewer_than_k} cells moved by fewer than "
                f"{self.k} people since release {self.previous_run_id} while "
                f"{', '.join(t.numbers_moved_by_fewer_than_k)} changed: the difference is "
                f"their exact values" for t in self.tables if t.refused]

    def as_json(self) -> dict:
        return {"previous_run_id": self.previous_run_id, "previous_as_of": self.previous_as_of,
                "k": self.k, "refused_tables": sum(t.refused for t in self.tables),
                "note": self.note,
                "tables": {t.table: asdict(t) for t in self.tables},
                "suppression_cascade": self.suppression_cascade}


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(c, t) for c, t, *_ in con.execute(f"describe {relation}").fetchall()]


def _is_number(column_type: str) -> bool:
    return column_type.upper().startswith(NUMERIC_TYPES)


def _compare_table(con: duckdb.DuckDBPyConnection, node: dict, k: int) -> TableComparison:
    name, key = table_name(node), quote_identifier(table_key(node))
    before, after = f"previous.{key}", f"new.{key}"
    row_level = risk.row_level(node) is not None
    kind = ("row_level" if row_level else
            "differentially_private" if is_differentially_private(node) else "aggregate")
    try:
        old_columns = _columns(con, before)
    except duckdb.CatalogException:
        return TableComparison(name, "new", note="not in the previous release")
    new_columns = _columns(con, after)
    if old_columns != new_columns:
        return TableComparison(name, kind, note="its columns changed: compared as new")
    # A cell is named by its declared dimensions (month_of_year is a number) and every
    # non-numeric column; every other number is a published figure.
    declared = (node_meta(node).get("k_anonymity") or {}).get("dimensions") or []
    dimensions = [c for c, t in new_columns if c in declared or not _is_number(t)]
    numbers = [c for c, _ in new_columns if c not in dimensions]
    if row_level:
        counts, dimensions = [ROW_COUNT], [c for c, _ in new_columns if c != ROW_COUNT]
        numbers = [ROW_COUNT]
    else:
        counts = [c for c in declared_counts(node) if c in numbers]
    return _compare_cells(con, name, kind, before, after, dimensions, numbers, counts, k)


def _compare_cells(con, name, kind, before, after, dimensions, numbers, counts, k):
    """Join the two releases' cells on their key columns and count what moved how."""
    def q(column):
        return quote_identifier(column)

    on = " and ".join(f"a.{q(c)} is not distinct from b.{q(c)}" for c in dimensions) or "true"
    if counts:
        people_moved = "least(" + ", ".join(
            f"abs(coalesce(b.{q(c)}, 0) - coalesce(a.{q(c)}, 0))" for c in counts) + ")"
    else:
        people_moved = "0"  # nothing says how many people the cell holds: assume few
    others = [c for c in numbers if c not in counts]
    moved = [f"(a.{q(c)} is distinct from b.{q(c)}) as moved_{i}" for i, c in enumerate(others)]
    changed = " or ".join(f"a.{q(c)} is distinct from b.{q(c)}" for c in numbers) or "false"
    rows = con.execute(f"""
        with cells as (
            select ({changed}) as is_changed, {people_moved} as people_moved
                {''.join(', ' + m for m in moved)}
            from {before} as a full outer join {after} as b on {on}
        )
        select count(*), count(*) filter (where is_changed)
            {''.join(f', count(*) filter (where people_moved < {k} and moved_{i})'
                     for i in range(len(others)))}
        from cells
    """).fetchall()[0]
    compared, changed_cells, *per_column = rows
    comparison = TableComparison(name, kind, int(compared), int(changed_cells))
    if kind == "row_level":
        comparison.cells_moved_by_fewer_than_k = con.execute(f"""
            select count(*) from {before} as a full outer join {after} as b on {on}
            where abs(coalesce(b.{q(ROW_COUNT)}, 0) - coalesce(a.{q(ROW_COUNT)}, 0))
                between 1 and {k - 1}
        """).fetchall()[0][0]
        comparison.note = ("banded quasi-identifiers only, assumed known; keys drawn per "
                           "release: reported, not refused")
        return comparison
    comparison.numbers_moved_by_fewer_than_k = [c for c, n in zip(others, per_column,
                                                                  strict=True) if n]
    if comparison.numbers_moved_by_fewer_than_k:
        comparison.cells_moved_by_fewer_than_k = con.execute(f"""
            select count(*) from {before} as a full outer join {after} as b on {on}
            where {people_moved} < {k} and ({' or '.join(
                f'a.{q(c)} is distinct from b.{q(c)}' for c in others)})
        """).fetchall()[0][0]
    if kind == "differentially_private":
        comparison.note = "differentially private: its noise is the protection; reported only"
    elif k > 1 and comparison.cells_moved_by_fewer_than_k:
        comparison.refused = True
    return comparison


def suppression_cascade(warehouse_path: Path, database: str) -> dict[str, int]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse_path}' as {quote_identifier(database)} (read_only)")
        customers, orders, sessions = con.execute(
            CASCADE_SQL.format(wh=quote_identifier(database))).fetchall()[0]
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {"customers_suppressed": int(customers),
            "orders_withheld_with_their_customer": int(orders),
            "sessions_withheld_with_their_customer": int(sessions)}


def compare_releases(previous_fingerprint: Path | None, new_fingerprint: Path,
                     nodes: list[dict], k: int, previous_run_id: str | None = None,
                     previous_as_of: str | None = None) -> Comparison:
    """Compare the new release's fingerprint with the previous one's (None: the first)."""
    comparison = Comparison(previous_run_id, previous_as_of, k)
    if previous_fingerprint is None or not Path(previous_fingerprint).is_file():
        comparison.tables = [TableComparison(table_name(n), "new", note="no previous release")
                             for n in nodes]
        return comparison
    con = duckdb.connect()
    try:
        con.execute(f"attach '{previous_fingerprint}' as previous (read_only)")
        con.execute(f"attach '{new_fingerprint}' as new (read_only)")
        comparison.tables = [_compare_table(con, node, k) for node in nodes]
    finally:
        con.close()
    return comparison


# --------------------------------------------------------------------------------------------
# The publish's one call: re-draw the keys, fingerprint, compare; commit after the swap
# --------------------------------------------------------------------------------------------


@dataclass
class PreparedRelease:
    """A release whose keys are drawn and whose fingerprint is staged, not yet live."""

    target: Path
    folder: Path
    published_file: Path  # the publication with release keys: export and swap this one
    comparison: Comparison
    pseudonym_columns: dict[str, list]
    salt_reused: bool

    @property
    def problems(self) -> list[str]:
        return self.comparison.problems

    def publication_fields(self) -> dict:
        """What publication.json says of it (never the salt or a key)."""
        return {
            "release_pseudonyms": {
                "drawn_for": "this build" if not self.salt_reused else
                "this build (published again: the same keys)",
                "columns": self.pseudonym_columns,
            },
            "release_comparison": self.comparison.as_json(),
        }

    def commit(self) -> None:
        release_keys.commit_release(self.target, self.folder)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def prepare(published_file: Path, nodes: list[dict], warehouse_path: Path, publish_dir: Path,
            run_id: str, as_of: str | None, k: int) -> PreparedRelease:
    """Re-draw the published file's pseudonyms under the release's salt, write its
    fingerprint into a new private release folder and compare it with the live release's.

    The caller refuses when `problems` is not empty (and calls `discard`), else swaps and then
    calls `commit`. Call after the checks that resolve published keys through the warehouse's
    map (risk, validation) and before the Parquet export; from then on use `published_file`
    (a new file named like `published_file`, in a subfolder of its folder)."""
    target = release_keys.target_folder(warehouse_path, publish_dir)
    current = release_keys.current_release(target, publish_dir)
    salt = release_keys.salt_for(current, run_id)
    folder = release_keys.new_release_folder(target, run_id, as_of, salt)
    try:
        keyed = Path(published_file).parent / "release-keys" / Path(published_file).name
        redrawn = release_keys.redraw_pseudonyms(published_file, nodes, salt, keyed)
        fingerprint = folder / release_keys.FINGERPRINT_FILE
        write_fingerprint(keyed, nodes, fingerprint)
        previous, note = _previous_fingerprint(current, publish_dir, nodes, folder)
        comparison = compare_releases(
            previous, fingerprint, nodes, k,
            current.run_id if current else release_keys.published_run(publish_dir),
            current.as_of if current else None)
        comparison.note = note
        if previous is not None and previous.name == LIVE_FINGERPRINT_FILE:
            previous.unlink()  # the new release keeps its own fingerprint only
        comparison.suppression_cascade = suppression_cascade(warehouse_path, nodes[0]["database"])
        if current is not None:
            previous = _read_cascade(current.folder)
            comparison.suppression_cascade["moved_since_previous_release"] = {
                name: value - previous[name]
                for name, value in comparison.suppression_cascade.items() if name in previous}
        _write_cascade(folder, comparison.suppression_cascade)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return PreparedRelease(target, folder, keyed, comparison, redrawn,
                           current is not None and current.salt == salt)


CASCADE_FILE = "suppression_cascade.json"
LIVE_FINGERPRINT_FILE = "live-release-fingerprint.duckdb"


def _previous_fingerprint(current, publish_dir: Path, nodes: list[dict],
                          folder: Path) -> tuple[Path | None, str]:
    """The fingerprint to compare with: the live release's, kept privately; else, when
    PUBLISH_DIR holds a release this state has none of (published from another warehouse
    folder, or before release state existed), one computed from the live file analysts read
    (it holds published numbers only): never no comparison while a release is live."""
    if current is not None:
        return current.fingerprint, ""
    live = Path(publish_dir) / "analytics.duckdb"
    if release_keys.published_run(publish_dir) is None or not live.is_file():
        return None, "no previous release"
    fingerprint = folder / LIVE_FINGERPRINT_FILE
    write_fingerprint(live, nodes, fingerprint)
    return fingerprint, ("compared with the live release in PUBLISH_DIR: this warehouse kept "
                         "no fingerprint of it")


def _write_cascade(folder: Path, cascade: dict) -> None:
    path = folder / CASCADE_FILE
    path.write_text(json.dumps({n: v for n, v in cascade.items() if isinstance(v, int)}), "utf-8")
    path.chmod(0o600)


def _read_cascade(folder: Path) -> dict:
    try:
        return json.loads((folder / CASCADE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
