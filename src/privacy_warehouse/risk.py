"""Re-identification risk of a release, measured the way an attacker would try it.

The attacker model (docs/attacker-model.md): every non-pseudonym column of a published
row-level table is a quasi-identifier (QI) unless its YAML declares it sensitive-only
(`meta: {privacy: {quasi_identifier: false, sensitive_reason: ...}}`). A class is the rows that
share one combination of QI values; its size is counted in distinct PEOPLE (customers or
visitors), never rows. For each published table this module computes:

* the smallest class (people), prosecutor risk (largest and average 1 / class size over rows);
* from `compliance.k_anonymity_suppressions`: the rows and the share of rows that were in a
  class under k before suppression;
* k^m with m = 2 for a table whose rows carry a person's pseudonym (how many people share any
  two of a person's rows); a table without one cannot link two rows to one person.

`release_risk()` feeds publication.json and the gate: the publish refuses a release in which a
row-level table has a class of fewer than k people. `search_levels()` is the measured search
that chose each QI's generalisation level (`privacy-warehouse risk-search`, recorded in the
marts' YAML); the build then applies the recorded level and suppresses what is still under k.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from privacy_warehouse.dbt_artifacts import (
    MANIFEST,
    ArtifactError,
    node_by_name,
    node_meta,
    read_artifact,
)
from privacy_warehouse.personal_data import project_vars
from privacy_warehouse.sql import quote_identifier, quote_literal

PEOPLE_MODEL = "private.int_bizdev_row_owners"  # pseudonym -> the person a published row is about
SUPPRESSIONS_MODEL = "compliance.k_anonymity_suppressions"


# --------------------------------------------------------------------------------------------
# What the model's YAML declares
# --------------------------------------------------------------------------------------------


def privacy_of(column: dict) -> dict:
    return ((column.get("meta") or {}).get("privacy")) or {}


def quasi_identifiers(node: dict) -> list[str]:
    """The columns an attacker is assumed to know: every column that is not a pseudonym and
    not declared sensitive-only (with a reason), in the model's YAML order."""
    columns = []
    for name, column in (node.get("columns") or {}).items():
        category = (column.get("meta") or {}).get("category")
        privacy = privacy_of(column)
        if category == "pseudonym":
            continue
        if privacy.get("quasi_identifier") is False:
            if not (privacy.get("sensitive_reason") or privacy.get("not_sensitive_reason")):
                raise ValueError(f"{node['name']}.{name} is declared not a quasi-identifier "
                                 "without a sensitive_reason (or a not_sensitive_reason)")
            continue
        columns.append(name)
    return columns


def sensitive_columns(node: dict) -> list[str]:
    """The columns an attacker is assumed NOT to know and must not learn from a class
    (l-diversity): declared `quasi_identifier: false` with a `sensitive_reason`, unless
    `sensitive: false` (then a `not_sensitive_reason` says why it is neither)."""
    return [name for name, column in (node.get("columns") or {}).items()
            if privacy_of(column).get("quasi_identifier") is False
            and privacy_of(column).get("sensitive", True)
            and (column.get("meta") or {}).get("category") != "pseudonym"]


def row_level(node: dict) -> dict | None:
    """A row-level table's person declaration (`meta.k_anonymity.people`): which pseudonym
    column resolves each row to its person, or None for an aggregate (count_column)."""
    return (node_meta(node).get("k_anonymity") or {}).get("people")


def count_column(node: dict) -> str | None:
    return (node_meta(node).get("k_anonymity") or {}).get("count_column")


# --------------------------------------------------------------------------------------------
# Classes, in SQL (DuckDB)
# --------------------------------------------------------------------------------------------


def generalise_sql(expression: str, hierarchy: str, level: str, hierarchies: dict,
                   top: float | None = None) -> str:
    """DuckDB SQL of one hierarchy level: the same rules as macros/privacy/generalise.sql (used
    by the search only; the build uses the macro). `top`: a column's own top-coding bound."""
    spec = hierarchies[hierarchy]
    if level not in spec["levels"]:
        raise ValueError(f"hierarchy {hierarchy} has no level {level}")
    if level == "suppressed":
        return "null"
    if level == "exact":
        return expression
    if isinstance(spec.get(level), dict):
        cases = " ".join(f"when {quote_literal(value)} then {quote_literal(image)}"
                         for value, image in spec[level].items())
        return f"case {expression} {cases} else 'unknown' end"
    if hierarchy == "date":
        return f"cast(date_trunc('{level}', cast({expression} as date)) as date)"
    if hierarchy == "place":  # macros/privacy/place_level.sql: no other value passes through
        area = {"postal_area": expression, "postal_region": f"substr({expression}, 1, 4)",
                "country": "'SE'"}[level]
        return (f"case when {expression} is null then null "
                f"when regexp_full_match({expression}, 'SE-[0-9]{{1,2}}') then {area} "
                f"when regexp_full_match({expression}, '[A-Z]{{2}}') then {expression} "
                "else 'unknown' end")
    width = int(level.removeprefix("band_"))
    top = spec["top"] if top is None else top
    return (f"case when {expression} is null then null when {expression} >= {top} then {top} "
            f"else cast(floor({expression} / {width}) * {width} as integer) end")


def class_sizes_sql(relation: str, person: str, columns: list[str]) -> str:
    """One row per input row: its class's distinct people (`people`)."""
    partition = ", ".join(columns) if columns else "1"
    return (f"select *, count(distinct {person}) over (partition by {partition}) as people "
            f"from {relation}")


@dataclass
class ClassFigures:
    rows: int
    smallest_class: int | None
    rows_under_k: int
    prosecutor_risk_max: float | None
    prosecutor_risk_average: float | None

    @property
    def share_under_k(self) -> float:
        return self.rows_under_k / self.rows if self.rows else 0.0


def class_figures(con: duckdb.DuckDBPyConnection, relation: str, person: str,
                  columns: list[str], k: int) -> ClassFigures:
    rows, smallest, under, risk_max, risk_avg = con.execute(
        f"select count(*), min(people), count(*) filter (where people < {k}), "
        f"max(1.0 / people), avg(1.0 / people) "
        f"from ({class_sizes_sql(relation, person, columns)}) as classed").fetchall()[0]
    return ClassFigures(int(rows), smallest, int(under),
                        None if risk_max is None else round(float(risk_max), 6),
                        None if risk_avg is None else round(float(risk_avg), 6))


def k_m(con: duckdb.DuckDBPyConnection, relation: str, person: str, columns: list[str],
        m: int = 2) -> int | None:
    """k^m for m = 2: over every person and every two of their rows (distinct QI combinations),
    the fewest people whose rows include both combinations. None if no person has two."""
    if m != 2:
        raise ValueError("only m = 2 is implemented")
    combo = " || '|' || ".join(f"coalesce(cast({c} as varchar), '~')" for c in columns) or "''"
    row = con.execute(f"""
        with items as (
            select distinct {person} as person, {combo} as item from {relation}
        ),
        pairs as (
            select a.person, a.item as first_item, b.item as second_item
            from items as a inner join items as b on a.person = b.person and a.item < b.item
        ),
        support as (
            select first_item, second_item, count(distinct person) as people
            from pairs group by first_item, second_item
        )
        select min(people) from support
    """).fetchall()[0][0]
    return None if row is None else int(row)


# --------------------------------------------------------------------------------------------
# The measured search for the least lossy levels (ARX-like, greedy over the lattice)
# --------------------------------------------------------------------------------------------


@dataclass
class SearchStep:
    levels: dict[str, str]
    rows_under_k: int
    share_under_k: float
    loss: float


def information_loss(levels: dict[str, str], hierarchies: dict,
                     kinds: dict[str, str]) -> float:
    """Mean generalisation height of the QIs, 0 (all exact) to 1 (all suppressed)."""
    heights = [hierarchies[kinds[c]]["levels"].index(level) /
               (len(hierarchies[kinds[c]]["levels"]) - 1) for c, level in levels.items()]
    return round(sum(heights) / len(heights), 4) if heights else 0.0


def search_levels(con: duckdb.DuckDBPyConnection, relation: str, person: str,
                  sources: dict[str, tuple[str, str, str]], hierarchies: dict, k: int,
                  target_share: float = 0.05) -> list[SearchStep]:
    """From the least general node of the lattice (`sources`: column -> (source expression,
    hierarchy, starting level[, most general level the analysts accept])), raise one QI one
    level at a time until at most `target_share` of the rows are in classes under k. Each step
    takes the move that removes the most rows under k per unit of information loss (a greedy
    walk up the lattice, not ARX's exhaustive Flash: enough for a handful of QIs, and measured,
    not guessed). Returns every step; the last one is the choice."""
    kinds = {c: source[1] for c, source in sources.items()}
    levels = {c: source[2] for c, source in sources.items()}
    ceilings = {c: source[3] for c, source in sources.items() if len(source) > 3}

    def evaluate(candidate: dict[str, str]) -> SearchStep:
        selects = ", ".join(
            f"{generalise_sql(sources[c][0], kinds[c], candidate[c], hierarchies)} as {quote_identifier(c)}"
            for c in candidate)
        view = f"(select {person} as person__, {selects} from {relation})"
        figures = class_figures(con, view, "person__", [quote_identifier(c) for c in candidate], k)
        return SearchStep(dict(candidate), figures.rows_under_k,
                          round(figures.share_under_k, 5),
                          information_loss(candidate, hierarchies, kinds))

    steps = [evaluate(levels)]
    while steps[-1].share_under_k > target_share:
        moves = []
        for column in levels:
            ladder = hierarchies[kinds[column]]["levels"]
            position = ladder.index(levels[column])
            ceiling = ladder.index(ceilings.get(column, ladder[-1]))
            if position + 1 <= ceiling:
                moves.append(evaluate({**levels, column: ladder[position + 1]}))
        if not moves:
            break
        # The move that buys the most protection per unit of information lost.
        current = steps[-1]
        best = max(moves, key=lambda s: ((current.rows_under_k - s.rows_under_k)
                                         / max(s.loss - current.loss, 1e-9), -s.loss))
        levels = best.levels
        steps.append(best)
    return steps


# --------------------------------------------------------------------------------------------
# The risk of a release, for publication.json and the gate
# --------------------------------------------------------------------------------------------


@dataclass
class TableRisk:
    table: str
    kind: str  # row_level | aggregate
    rows: int
    quasi_identifiers: list[str]
    smallest_class: int | None
    prosecutor_risk_max: float | None
    prosecutor_risk_average: float | None
    rows_under_k_before_suppression: int | None
    share_under_k_before_suppression: float | None
    rows_suppressed: int | None
    k_m2: int | None
    k_m2_note: str
    # l-diversity: the sensitive columns and, over them, the classes holding fewer than l
    # distinct values (a class that is null throughout has nothing to tell) and their rows.
    sensitive_columns: list[str] = field(default_factory=list)
    homogeneous_classes: int | None = None
    rows_in_homogeneous_classes: int | None = None


def _suppressions(con: duckdb.DuckDBPyConnection, warehouse: str) -> dict[str, tuple]:
    """model_name -> (candidate rows, suppressed rows) from compliance.k_anonymity_suppressions."""
    try:
        rows = con.execute(
            f"select model_name, candidate_rows, suppressed_rows "
            f"from {quote_identifier(warehouse)}.{SUPPRESSIONS_MODEL}").fetchall()
    except duckdb.Error:
        return {}
    return {name: (int(candidates), int(suppressed)) for name, candidates, suppressed in rows}


def _linking_pseudonyms(node: dict, key_column: str) -> list[str]:
    """Pseudonym columns other than the row's own key: what ties two rows to one person."""
    return [name for name, column in (node.get("columns") or {}).items()
            if (column.get("meta") or {}).get("category") == "pseudonym" and name != key_column]


def table_risk(con: duckdb.DuckDBPyConnection, node: dict, published_relation: str,
               warehouse: str, k: int, suppressions: dict[str, tuple],
               l_diverse: int = 1) -> TableRisk:
    """Figures of one published table. `published_relation` is read from the published file;
    the people behind a row-level table's pseudonyms come from the warehouse's private map
    (a row the map cannot resolve counts as a person of its own)."""
    name = f"{node['schema']}.{node.get('alias') or node['name']}"
    people = row_level(node)
    if people is None:
        column = count_column(node)
        if column:
            rows, smallest = con.execute(f"select count(*), min({quote_identifier(column)}) "
                                         f"from {published_relation}").fetchall()[0]
        else:
            rows, smallest = con.execute(f"select count(*) from {published_relation}"
                                         ).fetchall()[0][0], None
        return TableRisk(name, "aggregate", int(rows), [], smallest,
                         None if not smallest else round(1 / smallest, 6), None, None, None,
                         None, None, "aggregate: no row is about one person")
    qis = quasi_identifiers(node)
    key = quote_identifier(people["key_column"])
    object_type = str(people["object_type"]).replace("'", "''")
    relation = (f"(select published.*, coalesce(owners.person_type || ':' || owners.person_id, "
                f"'row:' || cast(published.{key} as varchar)) as person__ "
                f"from {published_relation} as published "
                f"left join {quote_identifier(warehouse)}.{PEOPLE_MODEL} as owners "
                f"on owners.object_type = '{object_type}' and owners.pseudonym = published.{key})")
    figures = class_figures(con, relation, "person__", [quote_identifier(c) for c in qis], k)
    candidates, suppressed = suppressions.get(name, (None, None))
    linking = _linking_pseudonyms(node, people["key_column"])
    if linking:
        k_m2 = k_m(con, relation, quote_identifier(linking[0]), [quote_identifier(c) for c in qis])
        note = f"two rows of one person are linked through {linking[0]}"
    else:
        k_m2 = None
        note = ("one row per person: nothing to link" if people.get("one_row_per_person")
                else "no person pseudonym: two rows of one person cannot be linked")
    sensitive = sensitive_columns(node)
    homogeneous, touched = l_diversity(con, published_relation, qis, sensitive, l_diverse)
    return TableRisk(
        name, "row_level", figures.rows, qis, figures.smallest_class,
        figures.prosecutor_risk_max, figures.prosecutor_risk_average,
        suppressed, None if not candidates else round(suppressed / candidates, 5),
        suppressed, k_m2, note, sensitive, homogeneous, touched)


def l_diversity(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str],
                sensitive: list[str], l_diverse: int) -> tuple[int, int]:
    """(classes, rows) holding fewer than l distinct non-null values of some sensitive column,
    over the classes of `columns` (each class counted once, however many columns it fails)."""
    if not sensitive:
        return 0, 0
    partition = ", ".join(quote_identifier(c) for c in columns) or "1"
    failing = " or ".join(f"count(distinct {quote_identifier(c)}) between 1 and {l_diverse - 1}"
                          for c in sensitive)
    classes, rows = con.execute(
        f"select count(*), coalesce(sum(size), 0) from (select count(*) as size from {relation} "
        f"group by {partition} having {failing}) as homogeneous").fetchall()[0]
    return int(classes), int(rows)


def release_risk(con: duckdb.DuckDBPyConnection, nodes: list[dict], warehouse: str,
                 k: int, relation_of, l_diverse: int = 1) -> list[TableRisk]:
    """The risk of every published table; `relation_of(node)` names it in the published file.
    `l_diverse`: the l of l-diversity (var l_diversity) the sensitive columns are checked at."""
    suppressions = _suppressions(con, warehouse)
    return [table_risk(con, node, relation_of(node), warehouse, k, suppressions, l_diverse)
            for node in nodes]


def assess_publication(published_file: Path, warehouse_path: Path, nodes: list[dict],
                       k: int, l_diverse: int = 1) -> tuple[list[TableRisk], list[Differencing]]:
    """The risk of a publication file (the warehouse attached read-only for the people) and
    its differencing pairs."""
    database = nodes[0]["database"]
    catalog = quote_identifier(Path(published_file).stem)

    def relation_of(node: dict) -> str:
        return (f"{catalog}.{quote_identifier(node['schema'])}."
                f"{quote_identifier(node.get('alias') or node['name'])}")

    con = duckdb.connect(str(published_file), read_only=True)
    try:
        con.execute(f"attach '{warehouse_path}' as {quote_identifier(database)} (read_only)")
        return (release_risk(con, nodes, database, k, relation_of, l_diverse),
                differencing(con, nodes, k, relation_of))
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Differencing: two published tables that count the same things must agree on every cell
# --------------------------------------------------------------------------------------------


def counted(node: dict) -> tuple[str, list[str], str] | None:
    """(unit, dimension columns, SQL of the count) of a table that counts things: a row-level
    table counts its rows (unit: its object type); an aggregate declares
    `meta.k_anonymity: {unit: order, unit_count_column: order_count, dimensions: [...]}`."""
    people = row_level(node)
    if people is not None:
        return people["object_type"], quasi_identifiers(node), "count(*)"
    declaration = node_meta(node).get("k_anonymity") or {}
    if declaration.get("unit") and declaration.get("unit_count_column"):
        return (declaration["unit"], list(declaration.get("dimensions") or []),
                f"sum({quote_identifier(declaration['unit_count_column'])})")
    return None


@dataclass
class Differencing:
    first: str
    second: str
    cells: list[str]
    cells_compared: int
    cells_differing_by_1_to_k_minus_1: int


def differencing(con: duckdb.DuckDBPyConnection, nodes: list[dict], k: int,
                 relation_of) -> list[Differencing]:
    """For every two published tables counting the same unit (orders) and sharing dimension
    columns: total both over the shared columns and count the cells where they differ by 1 to
    k-1 (a difference of fewer than k orders is fewer than k people: it singles them out)."""
    counting = [(n, counted(n)) for n in nodes if counted(n)]
    results = []
    for (first, (unit_a, dims_a, count_a)), (second, (unit_b, dims_b, count_b)) in \
            itertools.combinations(counting, 2):
        shared = [c for c in dims_a if c in dims_b]
        if unit_a != unit_b or not shared:
            continue
        columns = ", ".join(quote_identifier(c) for c in shared)
        on = " and ".join(f"a.{quote_identifier(c)} is not distinct from b.{quote_identifier(c)}"
                          for c in shared)
        compared, differing = con.execute(f"""
            with a as (select {columns}, {count_a} as n from {relation_of(first)} group by all),
            b as (select {columns}, {count_b} as n from {relation_of(second)} group by all)
            select count(*), count(*) filter (
                where abs(coalesce(a.n, 0) - coalesce(b.n, 0)) between 1 and {k - 1})
            from a full outer join b on {on}
        """).fetchall()[0]
        results.append(Differencing(
            f"{first['schema']}.{first.get('alias') or first['name']}",
            f"{second['schema']}.{second.get('alias') or second['name']}",
            shared, int(compared), int(differing)))
    return results


def gate_problems(risks: list[TableRisk], k: int,
                  differences: list[Differencing] = ()) -> list[str]:
    """What forbids publishing: a row-level table with a class under k people, an aggregate
    cell counting fewer than k, or two tables whose cells differ by 1 to k-1."""
    problems = [f"{d.first} and {d.second} differ by 1 to {k - 1} on "
                f"{d.cells_differing_by_1_to_k_minus_1} cells of ({', '.join(d.cells)})"
                for d in differences if d.cells_differing_by_1_to_k_minus_1]
    for risk in risks:
        if risk.smallest_class is not None and risk.smallest_class < k:
            what = "a class" if risk.kind == "row_level" else "a cell"
            problems.append(f"{risk.table}: {what} of {risk.smallest_class} people (k = {k})")
        if risk.homogeneous_classes:
            problems.append(f"{risk.table}: {risk.homogeneous_classes} classes holding too few "
                            f"values of ({', '.join(risk.sensitive_columns)}), "
                            f"{risk.rows_in_homogeneous_classes} rows (l-diversity)")
    return problems


def as_json(risks: list[TableRisk], k: int, differences: list[Differencing] = (),
            l_diverse: int | None = None) -> dict:
    return {"k": k, "m": 2, "l": l_diverse, "tables": {r.table: asdict(r) for r in risks},
            "differencing": [asdict(d) for d in differences]}


# --------------------------------------------------------------------------------------------
# Command line: the measured search
# --------------------------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "risk-search",
        help="search the least lossy generalisation levels of a row-level mart (measured once, "
             "recorded in its YAML)")
    parser.add_argument("model", help="a row-level bizdev mart, e.g. fct_orders")
    parser.add_argument("--target-path", default="target", type=Path)
    parser.add_argument("--target-share", default=0.05, type=float)
    parser.set_defaults(func=run_search)


def run_search(args: argparse.Namespace) -> int:
    """Search the levels of one mart on the warehouse at DUCKDB_PATH and print every step as
    JSON; the last line is the choice to record in the mart's YAML (column meta privacy.level).
    Where the search starts: each QI's least general level; how far it may go: the level in
    column meta `privacy.most_general` (what the analysts still need), else `suppressed`."""
    try:
        manifest = read_artifact(args.target_path, MANIFEST)
    except ArtifactError as error:
        print(error, file=sys.stderr)
        return 2
    node = node_by_name(manifest, args.model, ("model",))
    if node is None:
        print(f"no model {args.model} in {args.target_path / MANIFEST}", file=sys.stderr)
        return 2
    search = (row_level(node) or {}).get("search")
    if not search:
        print(f"{args.model} declares no meta.k_anonymity.people.search (relation, person)",
              file=sys.stderr)
        return 2
    variables = project_vars(Path(manifest["metadata"].get("project_dir") or "."))
    hierarchies = variables["generalisation_hierarchies"]
    sources = {}
    for name, column in node["columns"].items():
        privacy = privacy_of(column)
        if privacy.get("hierarchy"):
            levels = hierarchies[privacy["hierarchy"]]["levels"]
            sources[name] = (privacy.get("source", name), privacy["hierarchy"], levels[0],
                             privacy.get("most_general", levels[-1]))
    con = duckdb.connect(os.environ.get("DUCKDB_PATH", "warehouse/warehouse.duckdb"),
                         read_only=True)
    try:
        steps = search_levels(con, search["relation"], search["person"], sources, hierarchies,
                              int(variables["k_anonymity"]), args.target_share)
    finally:
        con.close()
    for step in steps:
        print(json.dumps(asdict(step)))
    return 0 if steps[-1].share_under_k <= args.target_share else 1
