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


COMPLAINTS_YAML = """
      - name: complaints
        description: One row per complaint received. Optional table.
        meta:
          primary_key: [complaint_id]
          optional: true
          record_date: received_at
          subjects:
            - {column: customer_id, type: customer}
          changes_after_landing: []
        columns:
          - name: complaint_id
            description: Id of the complaint, unique.
            data_type: varchar
            meta: {category: identifier, required: true, direct_identifier: true}
          - name: customer_id
            description: The customer who complained.
            data_type: varchar
            meta: {category: identifier, required: true, references: booking.customers.customer_id}
          - name: received_at
            description: When the complaint was received (UTC).
            data_type: timestamp
            meta: {category: communication, required: true}
"""

COMPLAINTS_STAGING = """with source as (

    select * from {{ ref('base_crm__complaints') }}
    where rejection_reason is null

),

renamed as (

    select
        complaint_id,
        customer_id,
        received_at,
        cast(received_at as date) as received_on
    from source

)

select * from renamed
"""


def test_a_new_landing_table_is_one_yaml_entry_and_its_models(handwritten_warehouse,
                                                              handwritten_landing_zone, tmp_path):
    """crm.complaints, added as docs/recipes.md says: checked on landing (rejected with reasons),
    reconciled, counted in the erasure queue and found by a subject access export, without an
    edit anywhere else."""
    import landing

    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.edit("models/staging/_staging__sources.yml",
                 "  - name: consent\n", COMPLAINTS_YAML.lstrip("\n") + "\n  - name: consent\n")
    (project.root / "models/staging/base/base_crm__complaints.sql").write_text(
        "{{ check_landing_table('crm', 'complaints') }}\n", encoding="utf-8")
    (project.root / "models/staging/crm/stg_crm__complaints.sql").write_text(
        COMPLAINTS_STAGING, encoding="utf-8")
    assert declarations.problems(project.root) == [
        f"{declarations.DEPENDENCIES_SQL} is stale: run `privacy-warehouse declarations --write`"]
    declarations.write_dependencies(project.root)
    assert declarations.problems(project.root) == []

    zone = tmp_path / "zone"
    shutil.copytree(handwritten_landing_zone, zone)
    columns = list(declarations.by_name(project.root)["crm.complaints"].column_types)
    landing.write_table(zone, "crm.complaints", [
        # C-5: every purpose window has passed (the hand-written zone's expired customer)
        {"complaint_id": "CP-1", "customer_id": "C-5", "received_at": "2021-05-01 10:00:00"},
        {"complaint_id": "CP-2", "customer_id": "C-404", "received_at": "2026-01-01 10:00:00"},
        {"complaint_id": "CP-3", "customer_id": "C-5", "received_at": "2027-01-01 10:00:00"},
    ], columns=columns)
    project.raw_data_dir = zone

    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    assert project.query(
        "select record_id, reason from compliance.rejected_rows "
        "where source_table = 'crm.complaints' order by 1") == [
        ("CP-2", "unknown_reference"), ("CP-3", "timestamp_after_as_of")]
    assert project.query(
        "select rows_read, rows_accepted, rows_rejected, is_reconciled "
        "from compliance.landing_reconciliation where source_table = 'crm.complaints'") == [
        (3, 1, 2, True)]
    assert project.query(
        "select subject_id, expired_purposes, record_count, cast(oldest_record_on as varchar) "
        "from compliance.erasure_queue where source_table = 'crm.complaints'") == [
        ("C-5", "sales", 1, "2021-05-01")]

    # The subject access export finds the accepted complaint, and the rejected one by its reason.
    from privacy_warehouse.access_export import export

    document = export({"customer_id": "C-5"}, zone, project.duckdb_path, tmp_path / "export",
                      project.root)
    assert [r["complaint_id"] for r in document["records"]["crm.complaints"]] == ["CP-1"]
    assert document["rejected_records"]["crm.complaints"] == [
        {"complaint_id": "CP-3", "_rejected_because": "timestamp_after_as_of"}]
