"""Write–audit–publish: the publication changes only for an audited, validated build.

Built on the session's hand-written warehouse (conftest.handwritten_warehouse). Each test
publishes into folders of its own under tmp_path; "byte-identical" is checked by sha256 of every
file of the publication and the target of the parquet symlink.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from privacy_warehouse import dp_release
from privacy_warehouse import publish as wap
from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS, read_artifact
from privacy_warehouse.publish import PublishRefused, publish
from privacy_warehouse.report import build_report
from privacy_warehouse.validate import ValidationSettings, validate_publication

AS_OF = "2026-06-30"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLANTED_PERSONNUMMER = "19850412-1230"  # C-1's, from the hand-written landing zone
PLANTED_EMAIL = "asa.oberg@exempel.se"  # L-1's


# --------------------------------------------------------------------------------------------
# Helpers (imported by test_report.py and test_browser.py too)
# --------------------------------------------------------------------------------------------


def publish_into(project, root: Path, target_path: Path | None = None,
                 warehouse: Path | None = None) -> dict:
    """Publish `project`'s build into root/publish, evidence into root/evidence."""
    return publish(
        target_path=target_path or project.target_path,
        warehouse_path=warehouse or project.duckdb_path,
        publish_dir=root / "publish",
        evidence_dir=root / "evidence",
        requested_vars={"as_of": project.as_of},
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(publish_dir: Path) -> dict[str, str]:
    """sha256 of every file of a publication, and where the parquet symlink points."""
    state = {}
    for folder, _, files in os.walk(publish_dir):
        for name in files:
            path = Path(folder) / name
            if name == ".publish.lock" or path.is_symlink():
                continue
            state[str(path.relative_to(publish_dir))] = sha256(path)
    link = publish_dir / "parquet"
    state["parquet -> "] = os.readlink(link) if link.is_symlink() else "absent"
    return state


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "privacy_warehouse.cli", *args],
        env={**os.environ, **env}, capture_output=True, text=True, check=False, timeout=300,
    )


def manifest_of(project) -> dict:
    return read_artifact(project.target_path, MANIFEST)


# --------------------------------------------------------------------------------------------
# The happy path
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_publication(handwritten_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("publication")
    started = time.monotonic()
    publication = publish_into(handwritten_warehouse, root)
    return root, publication, time.monotonic() - started


def test_publish_copies_exactly_the_public_bizdev_marts(handwritten_warehouse,
                                                        first_publication):
    root, publication, _ = first_publication
    publish_dir = root / "publish"
    manifest = manifest_of(handwritten_warehouse)
    expected = sorted(
        f"{n['schema']}.{n['alias']}" for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("access") == "public"
        and n["schema"] == "bizdev"
    )
    assert expected, "the project has no public bizdev mart"
    # Beside them, the differentially private tables (issue 18), computed by the publish itself.
    dp_tables = sorted(f"bizdev.{t.name}" for t in dp_release.declared_tables(manifest))
    assert dp_tables and all(publication["tables"][t]["differentially_private"] for t in dp_tables)
    assert sorted(publication["tables"]) == sorted(expected + dp_tables)

    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    try:
        present = sorted(f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'analytics'").fetchall())
        assert present == sorted(expected + dp_tables), \
            "nothing but the public marts and the DP tables: no staging, no key map"
        for name, table in publication["tables"].items():
            rows = con.execute(f"select count(*) from {name}").fetchall()[0][0]
            assert rows == table["row_count"]
            assert [c for c, *_ in con.execute(f"describe {name}").fetchall()] == \
                table["columns"]
    finally:
        con.close()
        for name in expected:  # every row of the warehouse table, nothing else
            assert handwritten_warehouse.query(f"select count(*) from {name}")[0][0] == \
                publication["tables"][name]["row_count"]


def test_publication_json_names_the_run_and_its_checksums(handwritten_warehouse,
                                                          first_publication):
    root, publication, _ = first_publication
    publish_dir = root / "publish"
    written = json.loads((publish_dir / "publication.json").read_text())
    assert written == publication
    run_results = read_artifact(handwritten_warehouse.target_path, RUN_RESULTS)
    assert written["run_id"] == run_results["metadata"]["invocation_id"]
    assert written["as_of"] == AS_OF
    assert written["git_commit"] == "unknown" or re.fullmatch("[0-9a-f]{40}", written["git_commit"])
    assert written["validation"]["success"] is True

    link = publish_dir / "parquet"
    assert link.is_symlink()
    assert os.readlink(link) == f"releases/{written['run_id']}/parquet"
    for name, table in written["tables"].items():
        schema, table_name = name.split(".")
        parquet = link / schema / f"{table_name}.parquet"
        assert sha256(parquet) == table["parquet_sha256"]
        assert table["parquet_path"] == f"parquet/{schema}/{table_name}.parquet"
        rows = duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchall()[0][0]
        assert rows == table["row_count"]
        assert len(table["content_checksum"]) > 0
    # The evidence folder got the checksums and the validation.
    evidence = root / "evidence" / written["run_id"]
    assert json.loads((evidence / "publication.json").read_text()) == written
    assert json.loads((evidence / "validation.json").read_text())["success"]
    assert (evidence / "data-docs" / "index.html").is_file()
    assert (evidence / "run_results.json").is_file()
    assert (evidence / "manifest.json").is_file()


def test_content_checksum_ignores_row_order_but_not_duplicates():
    con = duckdb.connect()
    con.execute("create table a as select * from (values (1, 'x'), (2, 'y')) t(i, s)")
    con.execute("create table b as select * from (values (2, 'y'), (1, 'x')) t(i, s)")
    con.execute("create table c as select * from (values (1, 'x'), (1, 'x'), (2, 'y')) t(i, s)")
    assert wap.content_checksum(con, "a") == wap.content_checksum(con, "b")
    assert wap.content_checksum(con, "a")[1] != wap.content_checksum(con, "c")[1]


def content_without_pseudonyms(publish_dir: Path, manifest: dict) -> dict[str, tuple]:
    """Rows and an order-independent checksum of every published Parquet table, its
    pseudonym columns left out (they are drawn per release: privacy_warehouse.release_keys)."""
    content = {}
    for node in wap.published_nodes(manifest):
        keys = {c for c, column in node["columns"].items()
                if (column.get("meta") or {}).get("category") == "pseudonym"}
        path = publish_dir / "parquet" / node["schema"] / f"{node['name']}.parquet"
        columns = [c for c, *_ in duckdb.sql(f"describe select * from read_parquet('{path}')"
                                             ).fetchall() if c not in keys]
        content[node["name"]] = duckdb.sql(
            f"select count(*), sum(md5_number_upper(cast(to_json(t) as varchar))) from "
            f"(select {', '.join(columns)} from read_parquet('{path}')) as t").fetchall()[0]
    return content


def test_two_publishes_of_one_warehouse_are_byte_identical(handwritten_warehouse,
                                                           first_publication, tmp_path):
    """Into another PUBLISH_DIR: another release, the same rows under keys drawn afresh (issue
    18). Into the same PUBLISH_DIR again: the same release, byte for byte."""
    first_root, first, _ = first_publication
    second = publish_into(handwritten_warehouse, tmp_path / "again")
    manifest = manifest_of(handwritten_warehouse)
    assert content_without_pseudonyms(tmp_path / "again" / "publish", manifest) == \
        content_without_pseudonyms(first_root / "publish", manifest)
    keyed = {name for name, columns in first["release_pseudonyms"]["columns"].items() if columns}
    assert keyed, "no published pseudonym: the comparison would prove nothing"
    for name in keyed:
        assert second["tables"][name]["parquet_sha256"] != first["tables"][name]["parquet_sha256"]
    # Publishing the same run again into the same folder reuses its release and its keys.
    third = publish_into(handwritten_warehouse, tmp_path / "again")
    assert {n: t["parquet_sha256"] for n, t in third["tables"].items()} == \
        {n: t["parquet_sha256"] for n, t in second["tables"].items()}
    assert len(list((tmp_path / "again" / "publish" / "releases").iterdir())) == 1


# --------------------------------------------------------------------------------------------
# Refusals: the previous publication stays byte-identical
# --------------------------------------------------------------------------------------------


def test_a_planted_personnummer_fails_the_build_and_the_publish(handwritten_warehouse,
                                                                tmp_path):
    """The first line: dbt's leak scan fails, so the publish refuses; nothing changes."""
    root = tmp_path / "out"
    publish_into(handwritten_warehouse, root)
    before = snapshot(root / "publish")

    project = handwritten_warehouse.copy(tmp_path / "planted")
    project.edit("models/intermediate/private/int_bizdev_sessions_exact.sql",
                 "coalesce(site_routes.route, 'other') as entry_route",
                 f"'/kund/{PLANTED_PERSONNUMMER}' as entry_route")
    build = project.build()
    assert build.returncode != 0, "the planted personnummer must fail the dbt build"
    assert any(n.startswith("privacy_no_identifier_leaks_fct_web_sessions")
               for n in build.failed_test_names()), build.failed_test_names()
    # The leaky table is in the working warehouse: only the gate keeps it from analysts.
    assert project.query("select count(*) from bizdev.fct_web_sessions "
                         f"where entry_page_path like '%{PLANTED_PERSONNUMMER}%'")[0][0] > 0

    result = run_cli("publish", "--target-path", str(project.target_path),
                     "--vars", json.dumps({"as_of": AS_OF}),
                     env={"DUCKDB_PATH": str(project.duckdb_path),
                          "PUBLISH_DIR": str(root / "publish"),
                          "EVIDENCE_DIR": str(root / "evidence")})
    assert result.returncode != 0
    assert "publish refused" in result.stderr
    assert "privacy_no_identifier_leaks_fct_web_sessions" in result.stderr
    assert PLANTED_PERSONNUMMER not in result.stderr + result.stdout
    assert snapshot(root / "publish") == before


def test_great_expectations_fails_on_a_planted_email(handwritten_warehouse, tmp_path):
    """The second line: the warehouse changed after its green build; GX catches it."""
    root = tmp_path / "out"
    publish_into(handwritten_warehouse, root)
    before = snapshot(root / "publish")

    tampered = tmp_path / "tampered.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, tampered)
    con = duckdb.connect(str(tampered))
    con.execute("update bizdev.fct_web_sessions set entry_page_path = "
                f"'/kontakt?from={PLANTED_EMAIL}'")
    con.close()

    with pytest.raises(PublishRefused, match="validation failed") as refusal:
        publish_into(handwritten_warehouse, root, warehouse=tampered)
    assert "fct_web_sessions" in str(refusal.value)
    assert snapshot(root / "publish") == before

    run_id = json.loads((root / "publish" / "publication.json").read_text())["run_id"]
    evidence = root / "evidence" / run_id
    results = json.loads((evidence / "validation.json").read_text())
    assert results["success"] is False
    failed = [(s["suite"], e["column"], e["description"]) for s in results["suites"]
              for e in s["expectations"] if not e["success"]]
    assert [(suite, column) for suite, column, _ in failed] == \
        [("bizdev.fct_web_sessions", "entry_page_path")], failed
    assert "personal data" in failed[0][2]
    attempt = json.loads((evidence / "publish-attempt.json").read_text())
    assert attempt["outcome"].startswith("refused")
    # The report says so, by column and count.
    build_report(handwritten_warehouse.target_path, root / "evidence", tampered)
    page = (evidence / "validation.html").read_text()
    assert "validation failed" in page and "entry_page_path" in page
    # GX issue 8780: the offending value is in no result and no Data Docs page.
    for path in evidence.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html"):
            assert PLANTED_EMAIL not in path.read_text(errors="replace"), path


# Each expectation of the second line, shown failing on a tampered copy of the warehouse:
# (SQL run on the copy, a suite and column that must then fail).
TAMPERINGS = {
    "a malformed pseudonym": (
        "update bizdev.fct_orders set order_key = 'ord-' || order_key",
        ("bizdev.fct_orders", "order_key")),
    "a column not in the contract": (
        "alter table bizdev.fct_orders add column customer_email varchar",
        ("bizdev.fct_orders", None)),
    "a subject past its window": (
        "update compliance.retention_deadlines set within_window = false "
        "where purpose = 'business_development'",
        ("bizdev.fct_orders.retention_window", None)),
    "a quasi-identifier group under k": (
        "insert into bizdev.dim_customers values (repeat('a', 64), 'private', '30_44', 'SE-99', "
        "'under_1_year')",
        ("bizdev.dim_customers", None)),
    "a column of another type than its contract's": (
        "alter table bizdev.fct_orders alter column price_band_sek type double",
        ("publication.columns", None)),
}


@pytest.mark.parametrize("case", list(TAMPERINGS))
def test_each_expectation_can_fail(handwritten_warehouse, tmp_path, case):
    sql, (suite, column) = TAMPERINGS[case]
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(sql)
    con.close()
    published = tmp_path / "published.duckdb"
    shutil.copy2(warehouse, published)  # stands in for the new file: same tables
    manifest = manifest_of(handwritten_warehouse)
    settings = ValidationSettings.from_project(PROJECT_ROOT, {}, AS_OF)
    report = validate_publication(published, warehouse, wap.published_nodes(manifest),
                                  manifest, settings, "test-run")
    assert not report.success
    failed = {(name, e.column) for name, e in report.failed_expectations}
    assert (suite, column) in failed, failed


def _target_with(project, tmp_path: Path, edit) -> Path:
    """A copy of the project's target folder with run_results.json edited by `edit`."""
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy2(project.target_path / "manifest.json", target / "manifest.json")
    run_results = read_artifact(project.target_path, RUN_RESULTS)
    edit(run_results)
    (target / "run_results.json").write_text(json.dumps(run_results))
    return target


def _set_status(status: str, name_prefix: str):
    def edit(run_results):
        for result in run_results["results"]:
            if result["unique_id"].split(".")[2].startswith(name_prefix):
                result["status"] = status
                return
        raise AssertionError(f"no result named {name_prefix}")
    return edit


def _drop(name_prefix: str):
    def edit(run_results):
        run_results["results"] = [r for r in run_results["results"]
                                  if not r["unique_id"].split(".")[2].startswith(name_prefix)]
    return edit


def _command(which: str):
    def edit(run_results):
        run_results["args"]["which"] = which
    return edit


REFUSALS = {
    "a failed privacy test": (_set_status("fail", "privacy_k_anonymity_dim_customers"),
                              "status fail"),
    "a warning": (_set_status("warn", "unique_fct_orders"), "status warn"),
    "a skipped model": (_set_status("skipped", "fct_orders"), "status skipped"),
    "an errored unrelated model": (_set_status("error", "pipeline"), "status error"),
    "privacy tests not run": (_drop("privacy_"), "no privacy test"),
    "a public model not built": (_drop("dim_customers"), "not built successfully"),
    "dbt run instead of build": (_command("run"), "not `dbt build`"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_publish_refuses_a_build_that_is_not_all_green(handwritten_warehouse, first_publication,
                                                       tmp_path, case):
    edit, message = REFUSALS[case]
    root, _, _ = first_publication
    before = snapshot(root / "publish")
    target = _target_with(handwritten_warehouse, tmp_path, edit)
    with pytest.raises(PublishRefused, match="not fit to publish") as refusal:
        publish_into(handwritten_warehouse, root, target_path=target)
    assert message in str(refusal.value)
    assert snapshot(root / "publish") == before


def test_publish_refuses_a_published_model_without_the_closed_vocabulary_test(
    handwritten_warehouse, tmp_path
):
    """The publish's rule for what is published (published_nodes) is the one that asks for
    the closed-vocabulary test: a published model whose YAML dropped it is refused."""
    build = wap.load_build(handwritten_warehouse.target_path)
    assert wap.audit_build(build) == []
    dropped = {uid for uid, node in build.manifest["nodes"].items()
               if (node.get("test_metadata") or {}).get("name") == wap.CLOSED_VOCABULARY_TEST
               and node.get("attached_node", "").endswith(".fct_web_sessions")}
    assert dropped
    for unique_id in dropped:
        del build.manifest["nodes"][unique_id]
    build.run_results["results"] = [r for r in build.run_results["results"]
                                    if r["unique_id"] not in dropped]
    assert wap.audit_build(build) == [
        "fct_web_sessions is published without the test privacy_closed_vocabulary "
        "(published text must come from a closed vocabulary)"]


def test_publish_refuses_another_as_of_and_a_missing_build(handwritten_warehouse, tmp_path):
    with pytest.raises(PublishRefused, match="as_of 2026-06-30, not the requested 2026-07-01"):
        publish(handwritten_warehouse.target_path, handwritten_warehouse.duckdb_path,
                tmp_path / "publish", None, requested_vars={"as_of": "2026-07-01"})
    result = run_cli("publish", "--target-path", str(tmp_path / "nothing"),
                     env={"PUBLISH_DIR": str(tmp_path / "publish"),
                          "EVIDENCE_DIR": str(tmp_path / "evidence")})
    assert result.returncode == 1
    assert "run_results.json does not exist" in result.stderr
    assert not (tmp_path / "publish" / "analytics.duckdb").exists()


# --------------------------------------------------------------------------------------------
# Readers during a publish: old or new, never a mix
# --------------------------------------------------------------------------------------------

READER = r"""
import json, os, sys, time, duckdb
publish_dir, seconds, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3]
seen, errors, deadline = [], [], time.monotonic() + seconds
# Until the publisher is done (however long its publishes take on a loaded machine).
while time.monotonic() < deadline and not os.path.exists(stop):
    try:
        con = duckdb.connect(publish_dir + "/analytics.duckdb", read_only=True)
        tables = [f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'analytics' order by all").fetchall()]
        state = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables}
        con.close()
        parquet = duckdb.sql("select count(*) from read_parquet('"
                             + publish_dir + "/parquet/bizdev/fct_orders.parquet')").fetchall()
        seen.append([state, parquet[0][0]])
    except Exception as error:  # any failure to read is a finding
        errors.append(repr(error))
print(json.dumps({"seen": seen, "errors": errors}))
"""


def test_a_reader_sees_the_old_or_the_new_publication(handwritten_warehouse, tmp_path):
    root = tmp_path / "out"
    publish_into(handwritten_warehouse, root)
    # A second, different build: one order fewer, under a run id of its own.
    other = tmp_path / "other.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, other)
    con = duckdb.connect(str(other))
    con.execute("delete from bizdev.fct_orders where order_key = "
                "(select min(order_key) from bizdev.fct_orders)")
    new_id = str(uuid.uuid4())
    # That build is the one the warehouse's ledger names (the publish step checks it).
    con.execute("insert into audit.build_invocations "
                "values (?, current_date, now() + interval 1 minute, now() + interval 2 minute)",
                [new_id])
    con.close()

    def new_run(run_results):
        run_results["metadata"]["invocation_id"] = new_id
    other_target = _target_with(handwritten_warehouse, tmp_path, new_run)

    old_state = _reader_state(root / "publish")
    stop = tmp_path / "publisher-done"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(root / "publish"), "300",
                               str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(2):
            publish_into(handwritten_warehouse, root, target_path=other_target, warehouse=other)
            publish_into(handwritten_warehouse, root)
    finally:
        stop.touch()
        output, _ = reader.communicate(timeout=120)
    publish_into(handwritten_warehouse, root, target_path=other_target, warehouse=other)
    new_state = _reader_state(root / "publish")
    assert old_state != new_state

    observed = json.loads(output)
    assert observed["errors"] == []
    assert len(observed["seen"]) > 10
    # The file and the Parquet are each swapped atomically (one after the other, so a reader
    # reading both may see the file of one and the Parquet of the other, never half of either).
    for database, parquet in observed["seen"]:
        assert database in (old_state[0], new_state[0]), database
        assert parquet in (old_state[1], new_state[1]), parquet
    assert {json.dumps(d, sort_keys=True) for d, _ in observed["seen"]} == \
        {json.dumps(old_state[0], sort_keys=True), json.dumps(new_state[0], sort_keys=True)}, \
        "the reader should have seen both publications"


def _reader_state(publish_dir: Path) -> list:
    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    tables = [f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'analytics' order by all").fetchall()]
    state = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables}
    con.close()
    parquet = publish_dir / "parquet" / "bizdev" / "fct_orders.parquet"
    return [state, duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchall()[0][0]]
