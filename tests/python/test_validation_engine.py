"""Great Expectations on DuckDB's SQL engine: it can fail, it cannot fail silently, it cannot hang.

The second line of defence (privacy_warehouse.validate) runs its expectations in DuckDB over the
published file. On that route GX's own behaviour makes every expectation fail with an IndexError
(engines.md); these tests show the route actually evaluates: a known-good file passes with every
row seen, a known-bad value fails the expectation it should and nothing else, the unpatched route
refuses instead of passing, and a value of a million characters is validated in seconds (RE2),
where Python's backtracking `re` took minutes on a few thousand. No test asserts a time: a
backtracking regression hangs, and the timeouts turn the hang into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject
from privacy_warehouse import personal_data, validate
from privacy_warehouse import publish as wap
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact
from privacy_warehouse.validate import ValidationError, ValidationSettings, validate_publication

AS_OF = handwritten.AS_OF
LONG = 1_000_000
# A value planted in a published text column, and the personal part that must appear nowhere.
PLANTED = {
    "an e-mail address": ("/kontakt?from=asa.oberg@exempel.se", "asa.oberg@exempel.se"),
    "a phone number": ("/ring/0701110001", "0701110001"),
    "a personnummer": ("/kund/19850412-1230", "19850412-1230"),
    "an e-mail after a line break": ("/kontakt\nasa.oberg@exempel.se", "asa.oberg@exempel.se"),
    "an e-mail at the end of a million characters": (
        "/" + "a" * LONG + " asa.oberg@exempel.se", "asa.oberg@exempel.se"),
}


def _manifest(project) -> dict:
    return read_artifact(project.target_path, MANIFEST)


def _validate(project, warehouse: Path, docs_dir: Path | None = None,
              build_vars: dict | None = None):
    """Validate a copy of `warehouse` standing in for the new published file, with the vars of
    the hand-written build (k = 1: a handful of people, see conftest) unless told otherwise."""
    published = warehouse.parent / "published.duckdb"
    shutil.copy2(warehouse, published)
    manifest = _manifest(project)
    return validate_publication(
        published, warehouse, wap.published_nodes(manifest), manifest,
        ValidationSettings.from_project(PROJECT_ROOT, build_vars or handwritten.VARS, AS_OF),
        "test-run", docs_dir)


def _tampered(project, tmp_path: Path, sql: str, *params) -> Path:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(project.duckdb_path, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(sql, list(params))
    con.close()
    return warehouse


def test_a_known_good_publication_passes_with_every_row_seen(handwritten_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, warehouse)
    report = _validate(handwritten_warehouse, warehouse)
    assert report.success, report.failed_expectations
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = {f"{schema}.{name}": count for schema, name, count in con.execute(
        "select schema_name, table_name, estimated_size from duckdb_tables() "
        "where schema_name = 'bizdev'").fetchall()}
    con.close()
    suites = {s.suite: s for s in report.suites}
    for table in rows:
        # Each published table: its own suite, its column types, dbt's retention test.
        assert {table, f"{table}.retention_window"} <= set(suites)
        assert any(e.description.startswith(f"{table}: every column has the type")
                   for e in suites["publication.columns"].expectations)
    shape_checks = 0
    for suite in (suites[table] for table in rows):
        for outcome in suite.expectations:
            if "element_count" in outcome.counts:
                # The silent route reports no element count; a column check saw every row.
                assert outcome.counts["element_count"] == rows[suite.table], (suite.suite, outcome)
            shape_checks += outcome.expectation == "expect_column_values_to_not_match_regex_list"
    assert shape_checks >= 5


@pytest.mark.parametrize("case", list(PLANTED))
def test_a_planted_shape_fails_its_column_and_leaves_no_value(handwritten_warehouse, tmp_path,
                                                              case):
    value, needle = PLANTED[case]
    warehouse = _tampered(handwritten_warehouse, tmp_path,
                          "update bizdev.fct_web_sessions set entry_page_path = ?", value)
    docs = tmp_path / "data-docs"
    started = time.monotonic()
    report = _validate(handwritten_warehouse, warehouse, docs)
    print(f"{case}: validated in {time.monotonic() - started:.1f} s")
    assert not report.success
    failed = [(suite, e.column, e.counts.get("unexpected_count"))
              for suite, e in report.failed_expectations]
    assert failed == [("bizdev.fct_web_sessions", "entry_page_path", 1)], failed
    # GX issue 8780: the value is in no result and no Data Docs page.
    assert needle not in report.to_json()
    for path in docs.rglob("*"):
        if path.is_file():
            assert needle not in path.read_text(errors="replace"), path


def test_a_known_bad_row_fails_the_k_check_by_group_size_only(handwritten_warehouse, tmp_path):
    # At k = 2 the planted customer is the only class under k (the real ones are removed).
    warehouse = _tampered(
        handwritten_warehouse, tmp_path,
        "delete from bizdev.dim_customers; "
        "insert into bizdev.dim_customers values (repeat('a', 64), 'private', '65_plus', "
        "'SE-98', '5_years_plus')")
    report = _validate(handwritten_warehouse, warehouse, build_vars={"k_anonymity": 2})
    # (At k = 2 the aggregates' cells of the k = 1 build fail too: only dim_customers is read.)
    failed = {(suite, e.expectation): e.counts for suite, e in report.failed_expectations
              if suite.startswith("bizdev.dim_customers")}
    # One class under k, by its size; the values of its quasi-identifiers are nowhere.
    assert failed[("bizdev.dim_customers", "unexpected_rows_expectation")] == \
        {"unexpected_count": 1}, failed
    # The made-up pseudonym belongs to no subject: dbt's retention test, re-run, says so too.
    assert failed[("bizdev.dim_customers.retention_window",
                   "privacy_within_retention_window")]["unexpected_count"] == 1, failed
    assert len(failed) == 2, failed
    assert "SE-98" not in report.to_json()


def test_the_unpatched_sql_route_refuses_instead_of_passing(handwritten_warehouse, tmp_path,
                                                            monkeypatch):
    """GX's own connection handling on DuckDB (close after each query) makes every metric fail.
    That must stop the validation, never pass it nor pass for a mere expectation failure."""
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    engine = validate._duckdb_classes().execution_engine_override
    monkeypatch.setattr(engine, "get_connection", SqlAlchemyExecutionEngine.get_connection)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, warehouse)
    with pytest.raises(ValidationError, match="could not evaluate"):
        _validate(handwritten_warehouse, warehouse)


def test_without_regex_support_for_duckdb_the_shape_check_refuses(handwritten_warehouse,
                                                                  tmp_path, monkeypatch):
    """GX has no regex operator for the duckdb dialect: without the engine naming PostgreSQL's
    (DuckDB's `~` / `!~`), a shape check must refuse, not be skipped."""
    engine = validate._duckdb_classes().execution_engine_override
    original = engine.__init__

    def without_dialect_module(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.dialect_module = None

    monkeypatch.setattr(engine, "__init__", without_dialect_module)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, warehouse)
    with pytest.raises(ValidationError, match="Regex is not supported"):
        _validate(handwritten_warehouse, warehouse)


def test_redact_is_linear_on_a_million_characters():
    shapes = ValidationSettings.from_project(PROJECT_ROOT, {}, AS_OF).shapes
    text = "Could not convert '" + "a" * LONG + " asa.oberg@exempel.se\n0701110001' to DATE"
    redacted = personal_data.redact(text, shapes)
    assert "asa.oberg@exempel.se" not in redacted and "0701110001" not in redacted
    assert redacted.count("[redacted]") >= 2


# --------------------------------------------------------------------------------------------
# A million characters through build and publish
# --------------------------------------------------------------------------------------------


def _with_long_page_views(lengths: dict[str, int]) -> dict[str, list[dict]]:
    """The hand-written zone plus one anonymous visitor's session per length, inside the
    web-analytics window, whose only page has a path of that many characters."""
    tables = handwritten.tables_with_bad_rows()
    for number, (session, length) in enumerate(lengths.items(), start=1):
        tables["web.page_views"] = tables["web.page_views"] + [{
            "event_id": f"E-L{number}", "occurred_at": "2026-06-01 12:00:00",
            "session_id": session, "visitor_id": f"V-L{number}", "ip_address": "192.0.2.44",
            "site": "own", "url_path": "/" + "a" * (length - 1), "user_agent": "Mozilla/5.0"}]
    return tables


@pytest.mark.timeout(1200)  # the build on a loaded machine; a backtracking regex never ends
def test_a_million_character_path_is_built_published_and_validated(tmp_path):
    """Every regex of the build (landing checks, route templates, leak scan) and of the publish
    meets the long paths. The mart publishes entry pages as routes of the site, so the paths
    reach the release as a route; a long value *in* a published column is validated above
    (test_a_planted_shape_fails_its_column_and_leaves_no_value)."""
    lengths = {"S-LONG": LONG, "S-200K": 200_000}
    zone = landing.write_landing_zone(tmp_path / "landing", _with_long_page_views(lengths))
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=tmp_path / "work",
                         as_of=AS_OF, extra_vars=dict(handwritten.VARS))
    build = project.build()
    assert build.returncode == 0, build.output[-3000:]
    accepted = sorted(row[0] for row in project.query(
        "select length(url_path) from quarantine.base_web__page_views "
        "where rejection_reason is null and length(url_path) >= 200000"))
    assert accepted == sorted(lengths.values())
    sessions = project.query("select count(*) from bizdev.fct_web_sessions")[0][0]

    root = tmp_path / "out"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "privacy_warehouse.cli", "publish",
         "--target-path", str(project.target_path), "--vars", json.dumps({"as_of": AS_OF})],
        env={**os.environ, "DUCKDB_PATH": str(project.duckdb_path),
             "PUBLISH_DIR": str(root / "publish"), "EVIDENCE_DIR": str(root / "evidence")},
        capture_output=True, text=True, check=False,
        # A hang guard, not a measure: seconds in RE2 even on a loaded machine; Python's
        # backtracking `re` did not finish 200,000 characters in 14 minutes.
        timeout=600,
    )
    print(f"publish after a {LONG:,}- and a 200,000-character path: "
          f"{time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    con = duckdb.connect(str(root / "publish" / wap.PUBLISHED_FILE), read_only=True)
    published, longest = con.execute(
        "select count(*), max(length(entry_page_path)) from bizdev.fct_web_sessions").fetchall()[0]
    con.close()
    assert published == sessions
    assert longest < 200_000  # a route of the site, not the path
