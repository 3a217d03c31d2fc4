"""Robustness: bad rows change nothing but the rejects, a killed build leaves nothing behind
that the next build would not fix, and hostile text comes through unmangled."""

from __future__ import annotations

import signal
import subprocess
from datetime import date

import pytest

from dbt_project_runner import DBT, PROJECT_ROOT, DbtProject, log_mentions, wait_for_state
from dbt_project_runner import table_checksums as checksums_of
from privacy_warehouse.generate import generate_landing_zone

AS_OF = date(2026, 6, 30)
MART_SCHEMAS = ("bizdev", "marketing", "sales", "contract_admin", "legal")


def table_checksums(project: DbtProject, schemas=MART_SCHEMAS) -> dict[str, tuple[int, int]]:
    return checksums_of(project.duckdb_path, schemas)


def _build(tmp_path_factory, name: str, bad_rows: float) -> DbtProject:
    root = tmp_path_factory.mktemp(name)
    generate_landing_zone(root / "raw", scale=0.01, seed=11, as_of=AS_OF, bad_rows=bad_rows)
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=root / "raw", work_dir=root / "run",
                         as_of=AS_OF.isoformat())
    result = project.build("--exclude", "test_type:unit")
    assert result.returncode == 0, result.output[-4000:]
    return project


# Marts whose rows name a subject in (subject_type, subject_id), and which a right can close.
RIGHTS_GOVERNED = ("marketing.direct_marketing_audience", "marketing.interest_scores",
                   "sales.pipeline", "sales.contact_history")


def _honoured_subjects() -> str:
    """A SQL list of the subjects a rejected rights row is honoured for (rights fail closed,
    docs/decisions-enums.md), with the lead or customer each converted into or from."""
    return """
        with honoured as (
            select subject_type, subject_id from intermediate.int_objections_fail_closed
            union select subject_type, subject_id from intermediate.int_consent_withdrawals_fail_closed
        )
        select subject_type, subject_id from honoured
        union select 'customer', converted_customer_id from intermediate.int_leads_converted
            where is_converted and lead_id in (select subject_id from honoured where subject_type = 'lead')
        union select 'lead', lead_id from intermediate.int_leads_converted
            where is_converted and converted_customer_id in
                (select subject_id from honoured where subject_type = 'customer')
    """


def _rows(project: DbtProject, table: str, where: str) -> list[tuple]:
    return sorted(project.query(f"select t::varchar from {table} as t where {where}"))


def test_bad_rows_change_nothing_but_the_rejects(tmp_path_factory):
    """Nothing but the rejects, and what a rejected rights row of a known subject closes: it
    is honoured in its most protective reading (rights fail closed), so its subject may only
    leave the marts a right governs, never enter or change another row."""
    clean = _build(tmp_path_factory, "clean", 0.0)
    dirty = _build(tmp_path_factory, "dirty", 0.05)
    assert dirty.query("select count(*) from compliance.rejected_rows")[0][0] > 100
    assert clean.query("select count(*) from compliance.rejected_rows")[0][0] == 0
    dirty_sums, clean_sums = table_checksums(dirty), table_checksums(clean)
    assert {t: s for t, s in dirty_sums.items() if t not in RIGHTS_GOVERNED} == \
        {t: s for t, s in clean_sums.items() if t not in RIGHTS_GOVERNED}
    honoured = dirty.query(_honoured_subjects())
    assert honoured, "the generated bad rows should plant rights rows of known subjects"
    in_list = ", ".join(f"('{kind}', '{subject}')" for kind, subject in honoured)
    for table in RIGHTS_GOVERNED:
        others = f"(subject_type, subject_id) not in ({in_list})"
        assert _rows(dirty, table, others) == _rows(clean, table, others), table
        theirs = f"(subject_type, subject_id) in ({in_list})"
        assert set(_rows(dirty, table, theirs)) <= set(_rows(clean, table, theirs)), table


# Where the build is killed: a state dbt reports in its log (a model starting), not a moment.
KILL_POINTS = {"in the quarantine models": "quarantine.base_booking__orders",
               "in the marts": "bizdev.fct_orders"}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_a_killed_build_then_a_rerun_equals_an_uninterrupted_build(
    handwritten_warehouse, tmp_path, kill_point
):
    expected = table_checksums(handwritten_warehouse)
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    command = [str(DBT), "build", "--vars", f'{{"as_of": "{project.as_of}"}}',
               "--target-path", str(project.target_path), "--log-path", str(project.log_path)]
    process = subprocess.Popen(command, cwd=project.root, env=project.env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    wait_for_state(log_mentions(project.log_path / "dbt.log", KILL_POINTS[kill_point]), process,
                   f"the build reaching {KILL_POINTS[kill_point]}")
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = project.build()
    assert result.returncode == 0, result.output[-3000:]
    assert table_checksums(project) == expected


def test_hostile_text_is_kept_byte_for_byte(handwritten_warehouse):
    names = dict(handwritten_warehouse.query(
        "select customer_id, customer_name from contract_admin.customers"))
    assert names["C-2"] == "Zoë O'Brien \"Citat\""
    assert names["C-4"] == "Malmö Frakt HB'; drop table customers; --"
    message = handwritten_warehouse.query(
        "select message from staging.stg_web__form_submissions where submission_id = 'F-1'")
    assert message == [("Hej! \u200fמה 🚚 'quote' \x07",)]
