"""Column lineage of personal data: every column of every model traced to the landing columns it
comes from, with what was done to it on the way.

Each model's compiled SQL (manifest.json, written by every dbt run) is parsed once with sqlglot,
qualified against the columns of its parents (in DAG order, so `select *` expands), and each
output column is followed through CTEs, subqueries, unions and parent models down to source
columns. A step records the function (or operator) that wrapped the value, innermost first:
`trim`, `lower`, `pseudonymise`, `md5`, ... A value used only to decide (a `case when` condition,
a filter) or only counted is marked so: it does not flow into the column.

From the origins a column's category is derived (`derive()`), and `violations()` says where the
declared category differs or a direct identifier reaches a model whose purpose may not hold
identifiers without passing through pseudonymise() or a declared generaliser.

    privacy-warehouse lineage --target-path target --out target/lineage.json

The compliance report writes the same JSON (lineage.json) and a page (lineage.html) per run.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from privacy_warehouse.dbt_artifacts import MANIFEST, node_meta, read_artifact, relation_alias

# Steps that keep no part of the value: the column influences the result but does not flow into it.
NON_FLOWING = {"condition", "count", "count_distinct", "exists"}
# The compiled shape of macros/privacy/pseudonymise.sql on each engine (the outermost function).
PSEUDONYMISE = "pseudonymise"
# DuckDB's HMAC over the purpose key's pads, innermost first: `<inner pad> || message`, sha256,
# unhex, `<outer pad> || ...`, sha256 (sqlglot names sha256 `sha2`).
PAD_TABLE = "pseudonym_hmac_pads"
HMAC_PAD = "hmac_pad"
DUCKDB_HMAC = [HMAC_PAD, "sha2", "unhex", HMAC_PAD, "sha2"]
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
        return str(node.this).lower()
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
    return isinstance(operand, exp.Subquery) and any(
        table.name.lower() == PAD_TABLE for table in operand.find_all(exp.Table))


def _mark_pseudonymise(steps: list[str]) -> list[str]:
    """The compiled pseudonymise(): DuckDB `sha256(<outer pad> || unhex(sha256(<inner pad> ||
    encode(...))))` over the pad table, PostgreSQL `encode(hmac(...))`, Spark
    `sha2(concat(<pads>, unhex(sha2(...))))`; each becomes one step, `pseudonymise`. Two
    SHA-256 without the pads are an unkeyed hash and stay what they are."""
    joined = list(steps)
    for start in range(len(joined)):
        if joined[start:start + len(DUCKDB_HMAC)] == DUCKDB_HMAC:
            end = start + len(DUCKDB_HMAC)
            start -= 1 if start and joined[start - 1] == "encode" else 0
            joined[start:end] = [PSEUDONYMISE]
            break
    if "pseudonym" in joined:
        index = joined.index("pseudonym")
        joined[index] = PSEUDONYMISE
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
        for uid, source in self.sources.items():
            self._add_schema(uid, list(source["columns"]))
        for uid in self._topological():
            self._parse(uid)

    def _add_schema(self, uid: str, columns: list[str]) -> None:
        node = self.nodes.get(uid) or self.sources[uid]
        name = relation_alias(node)
        self.outputs[uid] = columns
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
            self.errors[uid] = f"{type(error).__name__}: {error}"[:300]
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
        if scope is None:
            return frozenset()
        return frozenset(self._trace(scope, column.lower()))

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


@dataclass(frozen=True)
class ColumnLineage:
    """One column of a purpose model: where it comes from, what was done, what it is."""

    model: str
    column: str
    purpose: str
    declared: str | None
    derived: tuple[str, ...] | None  # the categories its origins allow; None: no origin (constant, count)
    origins: tuple[Origin, ...]

    def to_dict(self) -> dict:
        return {"model": self.model, "column": self.column, "purpose": self.purpose,
                "declared_category": self.declared,
                "derived_categories": list(self.derived) if self.derived is not None else None,
                "origins": [o.to_dict() | {"flows": o.flows} for o in self.origins]}


class Policy:
    """What the rules need from the policy seeds and the sources: read from the project."""

    def __init__(self, lineage: Lineage, project_dir: Path):
        self.source_meta = {
            f"{s['source_name']}.{s['name']}.{name.lower()}": column.get("meta") or {}
            for s in lineage.sources.values() for name, column in s["columns"].items()
        }
        seeds = project_dir / "seeds" / "policy"
        allowed: dict[str, set[str]] = {}
        with (seeds / "policy_purpose_categories.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                allowed.setdefault(row["purpose"], set()).add(row["category"])
        self.allowed = allowed
        self.derived_from: dict[str, set[str]] = {}
        with (seeds / "policy_categories.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for origin in (row.get("derived_from") or "").split():
                    self.derived_from.setdefault(origin, set()).add(row["category"])

    def category(self, origin: Origin) -> str:
        return self.source_meta.get(origin.source, {}).get("category", "unclassified")

    def is_direct_identifier(self, origin: Origin) -> bool:
        return bool(self.source_meta.get(origin.source, {}).get("direct_identifier"))

    def holds_identifiers(self, purpose: str) -> bool:
        return "identifier" in self.allowed.get(purpose, set())

    def expand(self, categories: set[str]) -> set[str]:
        """The categories and those declared derivable from them (policy_categories.derived_from)."""
        found = set(categories)
        for category in categories:
            found |= self.derived_from.get(category, set())
        return found


def derive(origins: frozenset[Origin], policy: Policy, anonymous: bool) -> tuple[str, ...] | None:
    """The categories a column may be declared as, from its origins.

    - a model of anonymous groups (retention `anonymous`): non_personal;
    - a value that flows through pseudonymise(): pseudonym;
    - a value that flows from landing columns: their categories (and categories declared
      derivable from them, e.g. purchase_pattern from order);
    - a value only decided or counted by landing columns (a band, a flag): their categories, or
      non_personal;
    - no origin at all (a constant, count(*)) or only counted ones: None, the row's subject decides.
    """
    if anonymous:
        return ("non_personal",)
    flowing = [o for o in origins if o.flows]
    if any(PSEUDONYMISE in o.steps for o in flowing):
        return ("pseudonym",)
    if flowing:
        return tuple(sorted(policy.expand({policy.category(o) for o in flowing})))
    counted_only = all({"count", "count_distinct"} & set(o.steps) and "condition" not in o.steps
                       for o in origins)
    if origins and not counted_only:
        return tuple(sorted(policy.expand({policy.category(o) for o in origins}) | {"non_personal"}))
    return None


def purpose_columns(lineage: Lineage, policy: Policy) -> list[ColumnLineage]:
    """Every column of every purpose model (config.meta.purpose), with its lineage."""
    found = []
    for uid in lineage.scopes:
        node = lineage.nodes[uid]
        meta = node_meta(node)
        purpose = meta.get("purpose")
        if not purpose:
            continue
        anonymous = any(way.get("anonymous") for way in meta.get("retention") or [])
        declared = {name.lower(): (column.get("meta") or {}).get("category")
                    for name, column in node.get("columns", {}).items()}
        for column in lineage.columns(uid):
            origins = lineage.origins(uid, column)
            found.append(ColumnLineage(
                model=node["name"], column=column, purpose=purpose,
                declared=declared.get(column), derived=derive(origins, policy, anonymous),
                origins=tuple(sorted(origins, key=lambda o: (o.source, o.steps))),
            ))
    return sorted(found, key=lambda c: (c.purpose, c.model))


def violations(columns: list[ColumnLineage], policy: Policy) -> list[str]:
    """Each broken rule, one sentence: an identifier reaching a model that may not hold one
    without pseudonymise() or a declared generaliser, or a declared category that is not the
    derived one."""
    found = []
    for column in columns:
        label = f"{column.model}.{column.column}"
        if not policy.holds_identifiers(column.purpose):
            for origin in column.origins:
                if (origin.flows and policy.is_direct_identifier(origin)
                        and PSEUDONYMISE not in origin.steps
                        and not any(step.startswith(GENERALISE) for step in origin.steps)):
                    found.append(
                        f"{label}: direct identifier {origin.source} reaches purpose "
                        f"{column.purpose} (no identifiers) through "
                        f"{' -> '.join(origin.steps) or 'no function'}, not pseudonymise() or a generaliser")
        if column.declared is None:
            found.append(f"{label}: no category declared (column meta.category)")
        elif column.derived is not None and column.declared not in column.derived:
            found.append(f"{label}: declared {column.declared}, its origins make it "
                         f"{' or '.join(column.derived)}")
    return found


def load(target_path: Path | str, project_dir: Path | None = None) -> Lineage:
    return Lineage(read_artifact(target_path, MANIFEST), project_dir)


def write_lineage(target_path: Path | str, out: Path | str, project_dir: Path | None = None) -> dict:
    """Lineage of every purpose model column as JSON (no values: column names and functions)."""
    lineage = load(target_path, project_dir)
    root = project_dir or _project_root(lineage)
    policy = Policy(lineage, root)
    columns = purpose_columns(lineage, policy)
    document = {
        "columns": [c.to_dict() for c in columns],
        "violations": violations(columns, policy),
        "unparsed_models": sorted(lineage.errors),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def _project_root(lineage: Lineage) -> Path:
    for node in lineage.nodes.values():
        if node.get("root_path"):
            return Path(node["root_path"])
    return Path(".")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "lineage", help="trace every purpose model column to its landing columns; check the rules",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _arguments(parser)
    parser.set_defaults(func=run)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target-path", default="target", help="a dbt target with manifest.json")
    parser.add_argument("--project-dir", default=None, help="the dbt project (default: the manifest's)")
    parser.add_argument("--out", default=None, help="write the lineage as JSON here")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    _arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    project_dir = Path(args.project_dir) if args.project_dir else None
    lineage = load(args.target_path, project_dir)
    policy = Policy(lineage, project_dir or _project_root(lineage))
    columns = purpose_columns(lineage, policy)
    if args.out:
        write_lineage(args.target_path, args.out, project_dir)
    for column in columns:
        print(column.model, column.column, column.declared, column.derived,
              sorted({(o.source, "/".join(o.steps)) for o in column.origins}))
    problems = violations(columns, policy)
    for problem in problems:
        print("VIOLATION", problem, file=sys.stderr)
    for uid, error in lineage.errors.items():
        print("UNPARSED", uid, error, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
