"""The landing tables' declarations (models/staging/_staging__sources.yml, table `meta`) are
complete, and what reads them agrees with them: the guard and what it guards.

Each guard is shown failing once on a copy of the declarations with a planted gap.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from privacy_warehouse import declarations
from privacy_warehouse.generate import contract

ROOT = declarations.PROJECT_ROOT


def _copy_declarations(tmp_path: Path) -> Path:
    """A project folder holding only the files the declarations live in."""
    for relative in (declarations.SOURCES_YML, declarations.DEPENDENCIES_SQL):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, tmp_path / relative)
    return tmp_path


def _edit_table(project: Path, table_name: str, change) -> None:
    path = project / declarations.SOURCES_YML
    declared = yaml.safe_load(path.read_text(encoding="utf-8"))
    system, name = table_name.split(".")
    source = next(s for s in declared["sources"] if s["name"] == system)
    table = next(t for t in source["tables"] if t["name"] == name)
    change(source, table)
    path.write_text(yaml.safe_dump(declared, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_every_landing_table_is_declared():
    assert declarations.problems() == []
    assert len(declarations.landing_tables()) >= 14


@pytest.mark.parametrize("key", declarations.REQUIRED_KEYS)
def test_a_table_without_a_declaration_fails_the_guard(tmp_path, key):
    project = _copy_declarations(tmp_path)
    assert declarations.problems(project) == []
    _edit_table(project, "booking.orders", lambda source, table: table["meta"].pop(key))
    assert declarations.problems(project) == [
        f"booking.orders: meta.{key} is not declared ({declarations.SOURCES_YML})"
    ]


def test_a_declaration_naming_a_missing_column_fails_the_guard(tmp_path):
    project = _copy_declarations(tmp_path)
    _edit_table(project, "crm.activities",
                lambda source, table: table["meta"].update(changes_after_landing=["closed_at"]))
    assert declarations.problems(project) == [
        "crm.activities: column 'closed_at' is declared but not in the table"
    ]


def test_a_new_table_makes_the_dependency_macro_stale_until_written(tmp_path):
    project = _copy_declarations(tmp_path)

    def add_table(source, table):
        source["tables"].append({
            "name": "complaints", "description": "One row per complaint.",
            "meta": {"primary_key": ["complaint_id"], "record_date": "received_at",
                     "subjects": [{"column": "customer_id", "type": "customer"}],
                     "changes_after_landing": []},
            "columns": [
                {"name": "complaint_id", "data_type": "varchar", "meta": {"category": "identifier"}},
                {"name": "customer_id", "data_type": "varchar",
                 "meta": {"category": "identifier", "references": "booking.customers.customer_id"}},
                {"name": "received_at", "data_type": "timestamp", "meta": {"category": "order"}},
            ],
        })

    _edit_table(project, "booking.orders", add_table)
    assert declarations.problems(project) == [
        f"{declarations.DEPENDENCIES_SQL} is stale: run `privacy-warehouse declarations --write`"
    ]
    declarations.write_dependencies(project)
    assert declarations.problems(project) == []
    text = (project / declarations.DEPENDENCIES_SQL).read_text(encoding="utf-8")
    assert "('booking', 'complaints')" in text
    assert "'booking.complaints': ['booking.customers']" in text


def test_the_generator_writes_the_declared_contract():
    declared = {t.full_name: t for t in declarations.landing_tables()}
    for table in contract.TABLES:
        assert table.columns == tuple((n, d.upper()) for n, d in declared[table.full_name].column_types)
        assert table.key == declared[table.full_name].primary_key
    assert [t.full_name for t in contract.DECLARED_TABLES] == list(declared)


def test_columns_that_change_after_landing_are_read_as_known_on_as_of():
    """Each declared column is as known on as_of in its staging model (known_on_as_of()), and
    no staging model applies it to a column not declared."""
    declared = {(t.system, t.name, c) for t in declarations.landing_tables()
                for c in t.changes_after_landing}
    used = set()
    for path in (ROOT / "models" / "staging").glob("*/stg_*.sql"):
        system, name = path.stem.removeprefix("stg_").split("__")
        text = path.read_text(encoding="utf-8")
        for table in declarations.landing_tables():
            if (table.system, table.name) != (system, name):
                continue
            for column in table.column_names:
                if f"known_on_as_of('{column}')" in text:
                    used.add((system, name, column))
    assert used == declared
