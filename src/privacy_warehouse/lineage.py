"""Column lineage of personal data: the rules over what privacy_warehouse.lineage_trace finds
(every purpose model column traced to its landing columns, with the functions on the way).

From the origins a column's category is derived (`derive()`), and `violations()` says where the
declared category differs, a direct identifier reaches a model whose purpose may not hold
identifiers other than through pseudonymise(), a count or a declared derivation, or a generaliser
wraps a column it does not fit (`generalisation_hierarchies` in dbt_project.yml: each hierarchy's
`kinds`, read from the sources' YAML, and `derives_from`).

**A gate** (`gate_problems()`): the publish runs it over the manifest of the build it publishes,
before it writes anything, and refuses on any violation and on any model sqlglot cannot read,
unless that model is declared with a reason in the seed `lineage_exceptions`
(seeds/project/lineage_exceptions.csv). What the check cannot read, it does not let through.

    privacy-warehouse lineage --target-path target --out target/lineage.json

exits 1 on the same problems. The compliance report writes the JSON (lineage.json) and a page
(lineage.html) per run.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from privacy_warehouse.dbt_artifacts import MANIFEST, Build, node_by_name, node_meta, read_artifact
from privacy_warehouse.lineage_trace import GENERALISE, PSEUDONYMISE, Lineage, Origin
from privacy_warehouse.personal_data import project_vars

# A count of an identifier tells how many, never which: the one way an identifier may reach a
# model of anonymous or pseudonymised data other than pseudonymise() or a declared derivation.
COUNTED = {"count", "count_distinct"}
# The seed that excuses a model lineage cannot parse: one row per model, with the reason.
EXCEPTIONS_SEED = "lineage_exceptions"
EXCEPTIONS_FILE = Path("seeds") / "project" / f"{EXCEPTIONS_SEED}.csv"

__all__ = ["Lineage", "Origin", "Policy", "check", "gate_problems", "publish_gate",
           "purpose_columns", "violations", "write_lineage"]


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
    """What the rules need from the policy seeds, the sources and dbt_project.yml: read from the
    project (the build's --vars win over dbt_project.yml's, as in dbt)."""

    def __init__(self, lineage: Lineage, project_dir: Path, build_vars: dict | None = None):
        self.source_columns = {
            f"{s['source_name']}.{s['name']}.{name.lower()}": column
            for s in lineage.sources.values() for name, column in s["columns"].items()
        }
        self.source_meta = {source: column.get("meta") or {}
                            for source, column in self.source_columns.items()}
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
        self.hierarchies: dict[str, dict] = dict(
            project_vars(project_dir, build_vars).get("generalisation_hierarchies") or {})

    def category(self, origin: Origin) -> str:
        return self.source_meta.get(origin.source, {}).get("category", "unclassified")

    def is_direct_identifier(self, origin: Origin) -> bool:
        return bool(self.source_meta.get(origin.source, {}).get("direct_identifier"))

    def kind(self, origin: Origin) -> str | None:
        """What a landing column holds, as the hierarchies' `kinds` name it: column meta `kind`
        (postal_code, country_code, amount, ...), else `date` or `timestamp` by its data_type,
        else its `format` (personnummer, email, ...). None: nothing a hierarchy may fit."""
        meta = self.source_meta.get(origin.source, {})
        if meta.get("kind"):
            return str(meta["kind"])
        data_type = str((self.source_columns.get(origin.source) or {}).get("data_type") or "")
        base = data_type.lower().split("(")[0].strip()
        if base == "date":
            return "date"
        if base.startswith("timestamp"):
            return "timestamp"
        return meta.get("format")

    def identifier_format(self, origin: Origin) -> str | None:
        return self.source_meta.get(origin.source, {}).get("format")

    def holds_identifiers(self, purpose: str) -> bool:
        return "identifier" in self.allowed.get(purpose, set())

    def expand(self, categories: set[str]) -> set[str]:
        """The categories and those declared derivable from them (policy_categories.derived_from)."""
        found = set(categories)
        for category in categories:
            found |= self.derived_from.get(category, set())
        return found

    def misfit(self, origin: Origin, mark: str) -> str | None:
        """Why the generaliser `mark` (a step `generalise:<hierarchy>:<level>`) does not fit the
        landing column `origin` comes from, or None when it fits.

        It fits a column whose kind the hierarchy lists in `kinds`, and a direct identifier
        whose format it lists in `derives_from` when the identifier only decides the result (a
        band chosen by the birth date in a personnummer), never when it flows into it."""
        hierarchy = mark.split(":")[1] if mark.count(":") else ""
        spec = self.hierarchies.get(hierarchy)
        if spec is None:
            return (f"the generaliser {mark.removeprefix(GENERALISE + ':') or '(unnamed)'} names no "
                    "hierarchy of dbt_project.yml's generalisation_hierarchies")
        if self.is_direct_identifier(origin):
            derives_from = spec.get("derives_from") or []
            if self.identifier_format(origin) not in derives_from:
                return (f"hierarchy {hierarchy} may derive from "
                        f"{', '.join(derives_from) or 'no direct identifier'} (derives_from)")
            if origin.flows:
                return f"hierarchy {hierarchy} may let {origin.source} decide a value, not carry it"
            return None
        kind = self.kind(origin)
        if kind not in (spec.get("kinds") or []):
            return (f"hierarchy {hierarchy} generalises {', '.join(spec.get('kinds') or []) or 'nothing'}"
                    f" (kinds), not {kind or 'a column of no declared kind'}")
        return None


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


def _generalisers(origin: Origin) -> list[str]:
    return [step for step in origin.steps if step.startswith(GENERALISE)]


def _identifier_passes(origin: Origin, policy: Policy) -> bool:
    """A direct identifier may reach a model of a purpose without identifiers only as a keyed
    pseudonym, counted, or decided on by a declared derivation that fits it."""
    if PSEUDONYMISE in origin.steps or COUNTED.intersection(origin.steps):
        return True
    marks = _generalisers(origin)
    return bool(marks) and not origin.flows and all(
        policy.misfit(origin, mark) is None for mark in marks)


def violations(columns: list[ColumnLineage], policy: Policy) -> list[str]:
    """Each broken rule, one sentence naming model and column: a direct identifier reaching a
    model that may not hold one other than through pseudonymise(), a count or a declared
    derivation; a generaliser around a column it does not fit (it counts as none: the column
    reaches the model as it is); a declared category that is not the derived one."""
    found = []
    for column in columns:
        label = f"{column.model}.{column.column}"
        misfits = set()
        for origin in column.origins:
            for mark in _generalisers(origin):
                why = policy.misfit(origin, mark)
                if why and (origin.flows or policy.is_direct_identifier(origin)):
                    misfits.add(f"{label}: {origin.source} passes through the generaliser "
                                f"{mark.removeprefix(GENERALISE + ':')}, which does not fit it: {why}")
        found.extend(sorted(misfits))
        if not policy.holds_identifiers(column.purpose):
            for origin in column.origins:
                if not policy.is_direct_identifier(origin) or _identifier_passes(origin, policy):
                    continue
                how = " -> ".join(origin.steps) or "no function"
                if origin.flows:
                    found.append(
                        f"{label}: direct identifier {origin.source} reaches purpose "
                        f"{column.purpose} (no identifiers) through {how}, not pseudonymise() "
                        "or a generaliser that fits it")
                else:
                    found.append(
                        f"{label}: direct identifier {origin.source} decides a value of purpose "
                        f"{column.purpose} (no identifiers) through {how}, not a count or a "
                        "declared derivation (generalisation_hierarchies.*.derives_from)")
        if column.declared is None:
            found.append(f"{label}: no category declared (column meta.category)")
        elif column.derived is not None and column.declared not in column.derived:
            found.append(f"{label}: declared {column.declared}, its origins make it "
                         f"{' or '.join(column.derived)}")
    return found


def load(target_path: Path | str, project_dir: Path | None = None) -> Lineage:
    return Lineage(read_artifact(target_path, MANIFEST), project_dir)


@dataclass
class Check:
    """The rules checked over one manifest: every purpose column, the violations, and the
    models lineage could not read, split into those the exceptions seed excuses and the rest."""

    columns: list[ColumnLineage]
    violations: list[str]
    unparsed: dict[str, str]  # model name -> why it could not be read, not excused
    excused: dict[str, str]  # model name -> the reason the exceptions seed gives
    exception_problems: list[str]

    def problems(self) -> list[str]:
        """Everything that stops the gate, each naming the model (and column)."""
        return [*self.violations, *self.exception_problems, *(
            f"{model}: lineage cannot read the model ({why}); fix it, or declare it with a "
            f"reason in {EXCEPTIONS_FILE}" for model, why in sorted(self.unparsed.items()))]


def check(manifest: dict, project_dir: Path | None = None, build_vars: dict | None = None) -> Check:
    """Trace every purpose column of `manifest` and check the rules (about 2 s for the project)."""
    lineage = Lineage(manifest, project_dir)
    root = project_dir or _project_root(lineage)
    policy = Policy(lineage, root, build_vars)
    columns = purpose_columns(lineage, policy)
    declared, exception_problems = lineage_exceptions(manifest, root)
    unparsed, excused = {}, {}
    for uid, why in lineage.errors.items():
        name = lineage.nodes[uid]["name"]
        if name in declared:
            excused[name] = declared[name]
        else:
            unparsed[name] = why
    return Check(columns, violations(columns, policy), unparsed, excused, exception_problems)


def gate_problems(manifest: dict, project_dir: Path | None = None,
                  build_vars: dict | None = None) -> list[str]:
    """The gate the publish runs before it writes anything: every violation and every model
    lineage cannot read that the exceptions seed does not excuse, each naming the model."""
    return check(manifest, project_dir, build_vars).problems()


def publish_gate(build: Build) -> list[str]:
    """gate_problems() of the build the publish is about to publish, each prefixed `lineage:`;
    fails closed when lineage cannot run at all."""
    try:
        problems = gate_problems(build.manifest, build.project_dir, build.build_vars)
    except (OSError, KeyError, ValueError) as error:
        problems = [f"column lineage could not run: {type(error).__name__}: {error}"]
    return [f"lineage: {problem}" for problem in problems]


def lineage_exceptions(manifest: dict, project_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The seed `lineage_exceptions` (model_name, reason): the models excused from being read,
    and what is wrong with the seed itself (a row without a reason excuses nothing)."""
    node = node_by_name(manifest, EXCEPTIONS_SEED, ("seed",))
    root = Path((node or {}).get("root_path") or project_dir)
    path = root / (node["original_file_path"] if node else EXCEPTIONS_FILE)
    if not path.exists():
        return {}, []
    declared, problems = {}, []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, reason = (row.get("model_name") or "").strip(), (row.get("reason") or "").strip()
            if model and reason:
                declared[model] = reason
            elif model:
                problems.append(f"{model}: declared in {EXCEPTIONS_FILE} without a reason")
    return declared, problems


def write_lineage(target_path: Path | str, out: Path | str, project_dir: Path | None = None,
                  checked: Check | None = None) -> dict:
    """Lineage of every purpose model column as JSON (no values: column names and functions)."""
    checked = checked or check(read_artifact(target_path, MANIFEST), project_dir)
    document = {
        "columns": [c.to_dict() for c in checked.columns],
        "violations": checked.violations,
        "unparsed_models": sorted(checked.unparsed),
        "excused_models": checked.excused,
        "gate_problems": checked.problems(),
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
    checked = check(read_artifact(args.target_path, MANIFEST), project_dir)
    if args.out:
        write_lineage(args.target_path, args.out, project_dir, checked)
    for column in checked.columns:
        print(column.model, column.column, column.declared, column.derived,
              sorted({(o.source, "/".join(o.steps)) for o in column.origins}))
    for model, reason in sorted(checked.excused.items()):
        print("EXCUSED", model, reason, file=sys.stderr)
    problems = checked.problems()
    for problem in problems:
        print("VIOLATION", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
