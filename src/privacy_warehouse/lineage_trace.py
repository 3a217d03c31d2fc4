"""Column lineage through compiled SQL: every column of every model traced to the landing
columns it comes from, with what was done to it on the way (privacy_warehouse.lineage checks the
rules over what this finds).

Each model's compiled SQL (manifest.json, written by every dbt run) is parsed once with sqlglot,
qualified against the columns of its parents (in DAG order, so `select *` expands), and each
output column is followed through CTEs, subqueries, unions and parent models down to source
columns. A step records the function (or operator) that wrapped the value, innermost first:
`trim`, `lower`, `pseudonymise`, `md5`, ... A value used only to decide (a `case when` condition,
a filter) or only counted is marked so: it does not flow into the column. A generaliser's mark
in the SQL (`/* privacy:generalise <hierarchy>:<level> */`) becomes a step of its own.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from privacy_warehouse.dbt_artifacts import relation_alias

# Steps that keep no part of the value: the column influences the result but does not flow into it.
NON_FLOWING = {"condition", "count", "count_distinct", "exists"}
# The compiled shape of macros/privacy/pseudonymise.sql on each engine (the outermost function).
PSEUDONYMISE = "pseudonymise"
# DuckDB's HMAC over the purpose key's pads, innermost first: `<inner pad> || message`, sha256,
# unhex, `<outer pad> || ...`, sha256 (sqlglot names sha256 `sha2`).
# Spark's is the same over concat(<pad>, ...), the pads in private.pseudonym_hmac_pads.
PAD_TABLE = "pseudonym_hmac_pads"
HMAC_PAD = "hmac_pad"
DUCKDB_HMAC = [HMAC_PAD, "sha2", "unhex", HMAC_PAD, "sha2"]
# PostgreSQL's is pgcrypto's hmac() keyed by a subquery of the purpose keys; hmac() under any
# other key (a literal, a column) is no keyed pseudonym and stays `hmac_unkeyed`.
PURPOSE_KEY_TABLE = "pseudonym_purpose_keys"
# The mark a generalising macro leaves on its compiled SQL: `(<expression> /* privacy:generalise <name> */)`.
GENERALISE = "generalise"
DIALECT = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}


@dataclass(frozen=True)
class Origin:
    """One way a column's value comes from a landing column."""

    source: str  # system.table.column
    steps: tuple[str, ...]  # functions on the way, innermost (nearest the landing) first

    @property
    def flows(self) -> bool:
        return not NON_FLOWING.intersection(self.steps)

    def to_dict(self) -> dict:
        return {"source": self.source, "steps": list(self.steps)}


def _step_name(node: exp.Expression, child: exp.Expression) -> str | None:
    """The step `node` applies to `child` (one of its arguments), or None if it passes it on."""
    if isinstance(node, exp.Case):
        # The value flows from then/else; a `when` condition only decides.
        return "case"
    if isinstance(node, exp.If):
        return "condition" if child is node.this else None
    if isinstance(node, (exp.Where, exp.Having, exp.Join, exp.Qualify)):
        return "condition"
    if isinstance(node, (exp.Predicate, exp.Not, exp.And, exp.Or, exp.Exists)):
        return "condition"
    if isinstance(node, exp.Count):
        return "count_distinct" if isinstance(child, exp.Distinct) or node.find(exp.Distinct) else "count"
    if isinstance(node, exp.Window):
        return None if child is node.this else "condition"
    if isinstance(node, (exp.Alias, exp.Paren, exp.Distinct, exp.Column, exp.Tuple)):
        return None
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        if name == "hmac":
            keyed = any(_reads_table(arg, PURPOSE_KEY_TABLE) for arg in node.expressions
                        if arg is not child)
            return "hmac" if keyed else "hmac_unkeyed"
        return name
    if isinstance(node, exp.Concat) and any(_reads_hmac_pads(arg) for arg in node.expressions
                                            if arg is not child):
        return HMAC_PAD  # Spark: concat(<pad>, message)
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    if isinstance(node, exp.DPipe) and _reads_hmac_pads(
            node.expression if child is node.this else node.this):
        return HMAC_PAD
    if isinstance(node, exp.Binary):
        return type(node).__name__.lower()
    if isinstance(node, exp.Unary):
        return type(node).__name__.lower()
    return None


def _steps_up(column: exp.Column, top: exp.Expression) -> tuple[str, ...]:
    """Steps from `column` up to `top` (a projection), innermost first."""
    steps: list[str] = []
    child: exp.Expression = column
    node = column.parent
    while node is not None and child is not top:
        name = _step_name(node, child)
        if name:
            steps.append(name)
        for comment in node.comments or []:
            words = comment.split()
            if words and words[0] == f"privacy:{GENERALISE}":
                steps.append(":".join([GENERALISE, *words[1:2]]))
        if node is top:
            break
        child, node = node, node.parent
    return tuple(_mark_pseudonymise(steps))


def _reads_hmac_pads(operand: exp.Expression) -> bool:
    """`operand` is a pad of the purpose keys: a subquery of the pad table (macros/privacy/
    pseudonymise.sql on DuckDB), possibly inside coalesce(..., error(...))."""
    if isinstance(operand, exp.Coalesce):
        operand = operand.this
    return _reads_table(operand, PAD_TABLE)


def _reads_table(operand: exp.Expression, table_name: str) -> bool:
    """`operand` is a subquery of the table `table_name` (in any schema)."""
    return isinstance(operand, exp.Subquery) and any(
        table.name.lower() == table_name for table in operand.find_all(exp.Table))


def _mark_pseudonymise(steps: list[str]) -> list[str]:
    """The compiled pseudonymise(): DuckDB `sha256(<outer pad> || unhex(sha256(<inner pad> ||
    encode(...))))` over the pad table, PostgreSQL `encode(hmac(..., <purpose key>, ...))`, Spark
    `sha2(concat(<outer pad>, unhex(sha2(concat(<inner pad>, ...), 256))), 256)`; each becomes one
    step, `pseudonymise`. Two SHA-256 without the pads, or hmac() under another key, are an
    unkeyed hash and stay what they are."""
    joined = list(steps)
    for start in range(len(joined)):
        if joined[start:start + len(DUCKDB_HMAC)] == DUCKDB_HMAC:
            end = start + len(DUCKDB_HMAC)
            start -= 1 if start and joined[start - 1] == "encode" else 0
            joined[start:end] = [PSEUDONYMISE]
            break
    if "hmac" in joined:
        joined[joined.index("hmac")] = PSEUDONYMISE
    return joined


class Lineage:
    """Lineage of every model column in one manifest."""

    def __init__(self, manifest: dict, project_dir: Path | None = None):
        self.manifest = manifest
        self.dialect = DIALECT.get(manifest.get("metadata", {}).get("adapter_type"), "duckdb")
        self.nodes = {uid: node for uid, node in manifest["nodes"].items()
                      if node["resource_type"] in ("model", "seed")}
        self.sources = manifest["sources"]
        self.by_relation: dict[tuple[str, str], str] = {}
        for uid, node in [*self.nodes.items(), *self.sources.items()]:
            name = relation_alias(node)
            self.by_relation[(node["schema"].lower(), name.lower())] = uid
        self.schema: dict[str, dict[str, dict[str, str]]] = {}
        self.outputs: dict[str, list[str]] = {}
        self.scopes: dict[str, Scope] = {}
        self.errors: dict[str, str] = {}
        self.project_dir = project_dir
        self._in_progress: set[tuple[str, str]] = set()
        for uid, source in self.sources.items():
            self._add_schema(uid, list(source["columns"]))
        for uid in self._topological():
            self._parse(uid)

    def _add_schema(self, uid: str, columns: list[str]) -> None:
        node = self.nodes.get(uid) or self.sources[uid]
        name = relation_alias(node)
        self.outputs[uid] = columns
        if not columns:
            # Unknown columns (a model that could not be read and declares none): left out of the
            # schema, which refuses a table without columns for every model after it.
            return
        self.schema.setdefault(node["schema"].lower(), {})[name.lower()] = {
            c.lower(): "VARCHAR" for c in columns
        }

    def _topological(self) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(uid: str) -> None:
            if uid in seen or uid not in self.nodes:
                return
            seen.add(uid)
            for parent in self.nodes[uid].get("depends_on", {}).get("nodes", []):
                visit(parent)
            order.append(uid)

        for uid in sorted(self.nodes):
            visit(uid)
        return order

    def _parse(self, uid: str) -> None:
        node = self.nodes[uid]
        if node["resource_type"] == "seed":
            self._add_schema(uid, self._seed_columns(node))
            return
        sql = node.get("compiled_code")
        if not sql:
            self.errors[uid] = "not compiled"
            self._add_schema(uid, list(node.get("columns", {})))
            return
        try:
            tree = sqlglot.parse_one(sql, read=self.dialect)
            tree = qualify(tree, schema=self.schema, dialect=self.dialect, validate_qualify_columns=False,
                           quote_identifiers=False, identify=False)
            scope = build_scope(tree)
        except Exception as error:  # noqa: BLE001 - reported, the column stays untraced
            self.errors[uid] = _error_text(error)
            self._add_schema(uid, list(node.get("columns", {})))
            return
        self.scopes[uid] = scope
        self._add_schema(uid, [name.lower() for name in _named_selects(scope)])

    def _seed_columns(self, node: dict) -> list[str]:
        if node.get("columns"):
            return [c.lower() for c in node["columns"]]
        root = Path(node.get("root_path") or self.project_dir or ".")
        path = root / node["original_file_path"]
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                return [c.lower() for c in next(csv.reader(handle))]
        return []

    # -- tracing ---------------------------------------------------------------------------

    @functools.cache  # noqa: B019 - one Lineage per manifest, kept for its life
    def origins(self, uid: str, column: str) -> frozenset[Origin]:
        """The landing columns `column` of node `uid` comes from, with the steps on the way."""
        if uid in self.sources:
            source = self.sources[uid]
            return frozenset({Origin(f"{source['source_name']}.{source['name']}.{column.lower()}", ())})
        scope = self.scopes.get(uid)
        if scope is None or (uid, column.lower()) in self._in_progress:
            # An incremental model's compiled SQL reads the model itself (`{{ this }}`: its rows
            # of earlier builds, made by the same SQL); that branch adds no origin the others do
            # not give, and following it would never end.
            return frozenset()
        self._in_progress.add((uid, column.lower()))
        try:
            return frozenset(self._trace(scope, column.lower()))
        finally:
            self._in_progress.discard((uid, column.lower()))

    def _trace(self, scope: Scope, column: str) -> set[Origin]:
        found: set[Origin] = set()
        for projection, branch in _projections(scope, column):
            for ref in projection.find_all(exp.Column):
                local = _steps_up(ref, projection)
                for origin in self._resolve(branch, ref):
                    found.add(Origin(origin.source, origin.steps + local))
        return found

    def _resolve(self, scope: Scope, ref: exp.Column) -> set[Origin]:
        owner = _scope_of(scope, ref)
        source = owner.sources.get(ref.table) if owner is not None else None
        if source is None:
            return set()
        if isinstance(source, Scope):
            return self._trace(source, ref.name.lower())
        if isinstance(source, exp.Table):
            uid = self.by_relation.get((source.db.lower(), source.name.lower()))
            if uid is None:
                return set()
            return set(self.origins(uid, ref.name.lower()))
        return set()

    def columns(self, uid: str) -> list[str]:
        return self.outputs.get(uid, [])


def _error_text(error: Exception) -> str:
    """Why a model could not be read, without the SQL around the spot (a gate message is
    printed and recorded: it names where, not what the model holds)."""
    details = getattr(error, "errors", None)
    if isinstance(error, sqlglot.errors.ParseError) and details:
        first = details[0]
        return (f"ParseError: {first.get('description')} at line {first.get('line')}, "
                f"column {first.get('col')}")
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]


def _named_selects(scope: Scope) -> list[str]:
    expression = scope.expression
    while isinstance(expression, exp.SetOperation):
        expression = expression.this
    return list(expression.named_selects) if isinstance(expression, exp.Select) else []


def _projections(scope: Scope, column: str) -> list[tuple[exp.Expression, Scope]]:
    """The projection(s) producing `column` in `scope`: one per branch of a union (by position)."""
    if isinstance(scope.expression, exp.SetOperation):
        names = _named_selects(scope)
        if column not in [n.lower() for n in names]:
            return []
        position = [n.lower() for n in names].index(column)
        found = []
        for branch in scope.set_operation_scopes:
            found.extend(_projection_at(branch, position))
        return found
    if not isinstance(scope.expression, exp.Select):
        return []
    for projection in scope.expression.expressions:
        if projection.alias_or_name.lower() == column:
            return [(projection, scope)]
    return []


def _projection_at(scope: Scope, position: int) -> list[tuple[exp.Expression, Scope]]:
    if isinstance(scope.expression, exp.SetOperation):
        found = []
        for branch in scope.set_operation_scopes:
            found.extend(_projection_at(branch, position))
        return found
    projections = scope.expression.expressions
    return [(projections[position], scope)] if position < len(projections) else []


def _scope_of(scope: Scope, ref: exp.Column) -> Scope | None:
    """The scope whose FROM defines `ref`'s table: `scope` or one nested in its projection."""
    select = ref.find_ancestor(exp.Select)
    for candidate in scope.traverse():
        if candidate.expression is select and ref.table in candidate.sources:
            return candidate
    return scope if ref.table in scope.sources else None
