"""The landing tables as models/staging/_staging__sources.yml declares them: read in one place.

Every fact about a landing table lives once, in its source entry (see the header of the YAML):
its columns and types, its primary key, its record date, the subjects it is about, the invoice
that keeps it, the columns that change after landing. dbt reads them through `graph.sources`
(macros/landing/); Python reads them here.

Jinja cannot read the YAML while dbt parses the project (`graph` is empty then), yet a model
that reads every landing table needs those tables' `ref()`s at parse time. So one macro file,
macros/landing/landing_dependencies.sql, is written from the declarations by
`privacy-warehouse declarations --write`; the build stops if it is stale (landing_tables()).

    privacy-warehouse declarations            # check: every table declared, the macro fresh
    privacy-warehouse declarations --write    # rewrite the dependency macro
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCES_YML = Path("models") / "staging" / "_staging__sources.yml"
DEPENDENCIES_SQL = Path("macros") / "landing" / "landing_dependencies.sql"
RAW_SCHEMA = "raw"
SUBJECT_TYPES = ("customer", "lead", "visitor")
# Keys every landing table's `meta` must carry (the guard: problems()).
REQUIRED_KEYS = ("primary_key", "record_date", "subjects", "changes_after_landing")


@dataclass(frozen=True)
class Value:
    """A value of a landing row: its own column, or a column of another table found through it.

    `lookup` is `system.table.column` matched against `column`; `take` the column read there
    (the smallest, when several rows match)."""

    column: str
    lookup: str | None = None
    take: str | None = None

    @classmethod
    def parse(cls, declared) -> Value:
        if isinstance(declared, str):
            return cls(column=declared)
        return cls(column=declared["column"], lookup=declared.get("lookup"),
                   take=declared.get("take"))

    @property
    def lookup_table(self) -> str | None:
        return ".".join(self.lookup.split(".")[:2]) if self.lookup else None


@dataclass(frozen=True)
class Subject:
    """Who a row is about: a subject type (or the column holding it) and the id's value."""

    value: Value
    type: str | None = None
    type_column: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str
    meta: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class LandingTable:
    """One landing table of the contract, with its declarations."""

    system: str
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    record_date: Value
    subjects: tuple[Subject, ...]
    changes_after_landing: tuple[str, ...]
    invoice: Value | None = None
    identity_columns: tuple[str, ...] = ()
    optional: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.system}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def column_types(self) -> tuple[tuple[str, str], ...]:
        """(column, data type) in the contract's order."""
        return tuple((column.name, column.data_type) for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def record_id_sql(self) -> str:
        """The id the warehouse reports for a row: the key, or its parts joined by ':'."""
        if len(self.primary_key) == 1:
            return self.primary_key[0]
        return "concat_ws(':', " + ", ".join(self.primary_key) + ")"

    def references(self) -> dict[str, str]:
        """Column -> `system.table.column` it must point at; a subject-type column maps each
        type to its table (`{customer: booking.customers.customer_id, ...}`)."""
        found = {}
        for column in self.columns:
            target = column.meta.get("references")
            if target:
                found[column.name] = target
        return found

    def referenced_tables(self) -> list[str]:
        """Other landing tables whose accepted rows this table's rows must point at."""
        read = set()
        for target in self.references().values():
            targets = target.values() if isinstance(target, dict) else [target]
            read.update(".".join(t.split(".")[:2]) for t in targets)
        read.discard(self.full_name)
        return sorted(read)


def _table(system: str, declared: dict) -> LandingTable:
    meta = declared.get("meta") or {}
    invoice = meta.get("invoice")
    return LandingTable(
        system=system,
        name=declared["name"],
        description=declared.get("description", ""),
        columns=tuple(
            Column(c["name"], c["data_type"], c.get("description", ""), c.get("meta") or {})
            for c in declared.get("columns") or []
        ),
        primary_key=tuple(meta.get("primary_key") or ()),
        record_date=Value.parse(meta["record_date"]) if meta.get("record_date") else Value(""),
        subjects=tuple(
            Subject(Value.parse(s), type=s.get("type"), type_column=s.get("type_column"))
            for s in meta.get("subjects") or []
        ),
        changes_after_landing=tuple(meta.get("changes_after_landing") or ()),
        invoice=Value.parse(invoice) if invoice else None,
        identity_columns=tuple(meta.get("identity_columns") or ()),
        optional=bool(meta.get("optional")),
    )


def _read_yaml(project_dir: Path) -> dict:
    return yaml.safe_load((project_dir / SOURCES_YML).read_text(encoding="utf-8"))


@functools.cache
def _cached(project_dir: Path, mtime_ns: int) -> tuple[LandingTable, ...]:
    tables = []
    for source in _read_yaml(project_dir)["sources"]:
        if source.get("schema") != RAW_SCHEMA:
            continue
        tables.extend(_table(source["name"], table) for table in source["tables"])
    return tuple(tables)


def landing_tables(project_dir: Path | str | None = None) -> tuple[LandingTable, ...]:
    """Every landing table in the YAML's order (the generator's random streams follow it)."""
    root = Path(project_dir or PROJECT_ROOT).resolve()
    return _cached(root, (root / SOURCES_YML).stat().st_mtime_ns)


def by_name(project_dir: Path | str | None = None) -> dict[str, LandingTable]:
    return {table.full_name: table for table in landing_tables(project_dir)}


def problems(project_dir: Path | str | None = None) -> list[str]:
    """What is missing or wrong in the declarations, one sentence each; empty when complete."""
    root = Path(project_dir or PROJECT_ROOT).resolve()
    found = []
    for source in _read_yaml(root)["sources"]:
        for declared in source["tables"]:
            label = f"{source['name']}.{declared['name']}"
            meta = declared.get("meta") or {}
            for key in REQUIRED_KEYS:
                if key not in meta:
                    found.append(f"{label}: meta.{key} is not declared ({SOURCES_YML})")
    if found:
        return found
    tables = by_name(root)
    for table in tables.values():
        names = set(table.column_names)
        label = table.full_name

        def known(value: Value | None, what: str, label=label, names=names) -> None:
            if value is None:
                return
            if value.column not in names:
                found.append(f"{label}: {what} names column '{value.column}', not in the table")
            if value.lookup:
                target = ".".join(value.lookup.split(".")[:2])
                other = tables.get(target)
                if other is None:
                    found.append(f"{label}: {what} looks up unknown table {target}")
                elif not {value.lookup.split(".")[2], value.take} <= set(other.column_names):
                    found.append(f"{label}: {what} looks up {value.lookup} -> {value.take}: no such column")

        for key in table.primary_key:
            if key not in names:
                found.append(f"{label}: primary_key column '{key}' is not in the table")
        if not table.primary_key:
            found.append(f"{label}: primary_key is empty")
        known(table.record_date, "record_date")
        known(table.invoice, "invoice")
        if not table.subjects:
            found.append(f"{label}: declares no subject")
        for subject in table.subjects:
            known(subject.value, "a subject")
            if subject.type_column:
                if subject.type_column not in names:
                    found.append(f"{label}: subject type_column '{subject.type_column}' is not in the table")
                if not isinstance(table.column(subject.value.column).meta.get("references"), dict):
                    found.append(f"{label}: '{subject.value.column}' holds several subject types: its "
                                 "meta.references must map each type to its table")
            elif subject.type not in SUBJECT_TYPES:
                found.append(f"{label}: subject type '{subject.type}' is not one of {SUBJECT_TYPES}")
        for column in (*table.changes_after_landing, *table.identity_columns):
            if column not in names:
                found.append(f"{label}: column '{column}' is declared but not in the table")
    if not found and render_dependencies(root) != _current_dependencies(root):
        found.append(f"{DEPENDENCIES_SQL} is stale: run `privacy-warehouse declarations --write`")
    return found


def render_dependencies(project_dir: Path | str | None = None) -> str:
    """The text of macros/landing/landing_dependencies.sql for these declarations."""
    tables = landing_tables(project_dir)
    names = ",\n        ".join(f"('{t.system}', '{t.name}')" for t in tables)
    reads = ",\n        ".join(
        f"'{t.full_name}': [{', '.join(repr(r) for r in t.referenced_tables())}]" for t in tables
    )
    return f"""{{#
    WRITTEN by `privacy-warehouse declarations --write` from models/staging/_staging__sources.yml:
    do not edit. dbt cannot read the sources while it parses (graph is empty then), yet a model
    that reads every landing table needs their ref()s at parse time; these lists give them.
    landing_tables() stops the build if they differ from the declarations.
#}}
{{% macro declared_landing_table_names() -%}}
    {{{{ return([
        {names}
    ]) }}}}
{{%- endmacro %}}

{{# Landing table -> the landing tables its reference checks read. #}}
{{% macro declared_landing_references() -%}}
    {{{{ return({{
        {reads}
    }}) }}}}
{{%- endmacro %}}
"""


def _current_dependencies(project_dir: Path) -> str | None:
    path = project_dir / DEPENDENCIES_SQL
    return path.read_text(encoding="utf-8") if path.exists() else None


def write_dependencies(project_dir: Path | str | None = None) -> Path:
    root = Path(project_dir or PROJECT_ROOT).resolve()
    path = root / DEPENDENCIES_SQL
    path.write_text(render_dependencies(root), encoding="utf-8")
    return path


def run(args: argparse.Namespace) -> int:
    root = Path(args.project_dir).resolve()
    if args.write:
        print(f"Wrote {write_dependencies(root)}")
    found = problems(root)
    for problem in found:
        print(problem)
    if not found:
        print(f"{len(landing_tables(root))} landing tables, every one declared.")
    return 1 if found else 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "declarations", help="check the landing tables' declarations; --write the dependency macro",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", default=".", help="the dbt project")
    parser.add_argument("--write", action="store_true",
                        help="rewrite macros/landing/landing_dependencies.sql from the YAML")
    parser.set_defaults(func=run)
