"""Faults around the publication: a failed or killed build never reaches analysts; two builds of
the same input publish the same bytes; a reader is never refused during a build and publish;
the key and `make key` behave as promised.

Each check here is shown failing once: the ledger test plants an unfinished invocation, and the
fault cases would publish (and change the publication) without the ledger check."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys

import duckdb
import pytest

from dbt_project_runner import DBT, PROJECT_ROOT, log_mentions, wait_for_state
from privacy_warehouse.publish import PublishRefused
from test_publish import content_without_pseudonyms, manifest_of, publish_into, snapshot

# --------------------------------------------------------------------------------------------
# Faults around the publication: a failed or killed build never reaches analysts
# --------------------------------------------------------------------------------------------

def _break_landing_zone(landing_zone, broken_zone, fault: str) -> None:
    shutil.copytree(landing_zone, broken_zone)
    orders = broken_zone / "booking" / "orders"
    if fault == "corrupt_parquet":
        (orders / "part-0001.parquet").write_bytes(b"PAR1 this is not a parquet file PAR1")
    elif fault == "missing_required_table":
        shutil.rmtree(orders)
    elif fault == "missing_required_column":
        path = next(orders.glob("*.parquet"))
        con = duckdb.connect()
        con.execute(f"copy (select * exclude (price_sek) from read_parquet('{path}')) "
                    f"to '{path}.tmp' (format parquet)")
        con.close()
        os.replace(f"{path}.tmp", path)


@pytest.mark.parametrize("fault", ["corrupt_parquet", "missing_required_table",
                                   "missing_required_column", "killed_build"])
def test_a_failed_build_leaves_the_last_publication_byte_identical(
    handwritten_warehouse, tmp_path, fault
):
    """The build fails (or dies) in the same target folder that still holds the last green
    run_results.json: publishing afterwards must refuse and change no byte analysts read."""
    publish_into(handwritten_warehouse, tmp_path)
    before = snapshot(tmp_path / "publish")

    project = handwritten_warehouse.copy(tmp_path / "next")
    shutil.copytree(handwritten_warehouse.target_path, project.target_path)
    if fault != "killed_build":
        project.raw_data_dir = tmp_path / "broken_landing"
        _break_landing_zone(handwritten_warehouse.raw_data_dir, project.raw_data_dir, fault)
    command = [str(DBT), "build", "--vars", f'{{"as_of": "{project.as_of}"}}',
               "--target-path", str(project.target_path), "--log-path", str(project.log_path)]
    process = subprocess.Popen(command, cwd=project.root, env=project.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    if fault == "killed_build":
        wait_for_state(log_mentions(project.log_path / "dbt.log", "bizdev.fct_orders"), process,
                       "the build reaching the marts")  # mid-build
        process.send_signal(signal.SIGKILL)
        process.wait()
    else:
        output, _ = process.communicate(timeout=600)
        assert process.returncode != 0
        assert "booking" in output and "orders" in output, output[-2000:]

    with pytest.raises(PublishRefused):
        publish_into(project, tmp_path)
    assert snapshot(tmp_path / "publish") == before


def test_the_publish_gate_refuses_a_warehouse_another_invocation_touched(
    handwritten_warehouse, tmp_path
):
    """The ledger check can fail: an unfinished invocation recorded after the audited build."""
    project = handwritten_warehouse.copy(tmp_path / "copy")
    shutil.copytree(handwritten_warehouse.target_path, project.target_path)
    publish_into(project, tmp_path / "ok")  # the copy as it is publishes
    con = duckdb.connect(str(project.duckdb_path))
    con.execute("insert into audit.build_invocations values "
                "('00000000-0000-0000-0000-000000000000', current_date, now() + interval 1 minute, null)")
    con.close()
    with pytest.raises(PublishRefused, match="not by the audited build"):
        publish_into(project, tmp_path / "refused")


# --------------------------------------------------------------------------------------------
# Idempotence, readers during a build, and the key
# --------------------------------------------------------------------------------------------

READER = r"""
import json, sys, time, duckdb
import pathlib
path, stop, reading = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
seen, errors, slowest, reads = set(), [], 0.0, 0
# Reads until told to stop, and once more after: at least one read before the build (the test
# waits for `reading`) and one after the publish, however the machine schedules this process.
while True:
    last = stop.exists()
    started = time.time()
    try:
        con = duckdb.connect(path, read_only=True)
        rows = con.execute(
            "select count(*), coalesce(sum(hash(t::varchar)), 0) "
            "from (select * exclude (order_key) from bizdev.fct_orders) as t"
        ).fetchall()[0]
        con.close()
        seen.add(json.dumps(rows))
        reads += 1
        reading.touch()
    except Exception as error:  # noqa: BLE001 - every failure is a finding
        errors.append(repr(error)[:300])
    slowest = max(slowest, time.time() - started)
    if last:
        break
    time.sleep(0.05)
print(json.dumps({"seen": sorted(seen), "errors": errors, "slowest_seconds": slowest,
                  "reads": reads}))
"""


def _published_fct_orders(publish_dir) -> str:
    con = duckdb.connect(str(publish_dir / "analytics.duckdb"), read_only=True)
    try:
        return json.dumps(list(con.execute(
            "select count(*), coalesce(sum(hash(t::varchar)), 0) "
            "from (select * exclude (order_key) from bizdev.fct_orders) as t"
        ).fetchall()[0]))
    finally:
        con.close()


def test_two_builds_publish_identical_bytes_while_a_reader_reads(handwritten_warehouse, tmp_path):
    """A second, independent build of the same landing zone, key and as_of publishes the
    same rows, under pseudonyms drawn afresh for its release (issue 18: two releases share no
    key); an analyst reading the published file throughout that build and publish is never
    refused and sees only whole publications (the rows they read, keys aside, never change)."""
    first = publish_into(handwritten_warehouse, tmp_path / "first")
    publish_into(handwritten_warehouse, tmp_path / "shared")
    old_state = _published_fct_orders(tmp_path / "shared" / "publish")

    # Rebuilt from scratch (--full-refresh: every dbt model anew) in a copy of the warehouse that
    # published, as production keeps it: the DP ledger and closed periods are the publish's, not
    # dbt's, and a warehouse without them is refused (test_dp_release).
    second = handwritten_warehouse.copy(tmp_path / "second")
    stop, reading = tmp_path / "stop-reading", tmp_path / "reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path / "shared" / "publish" / "analytics.duckdb"),
         str(stop), str(reading)], stdout=subprocess.PIPE, text=True)
    try:
        wait_for_state(reading.exists, reader, "the reader's first read")
        result = second.build("--full-refresh")
        assert result.returncode == 0, result.output[-3000:]
        again = publish_into(second, tmp_path / "shared")
    finally:
        stop.touch()
        output, _ = reader.communicate(timeout=120)

    assert again["run_id"] != first["run_id"]
    assert {n: t["row_count"] for n, t in again["tables"].items()} == \
        {n: t["row_count"] for n, t in first["tables"].items()}
    manifest = manifest_of(handwritten_warehouse)
    assert content_without_pseudonyms(tmp_path / "shared" / "publish", manifest) == \
        content_without_pseudonyms(tmp_path / "first" / "publish", manifest)

    observed = json.loads(output)
    assert observed["errors"] == []
    assert observed["reads"] >= 2  # before the build and after the publish
    assert set(observed["seen"]) == {old_state}  # same data: every read saw the one content
    print(f"reader: {observed['reads']} reads, slowest {observed['slowest_seconds']:.3f} s")


def test_the_key_is_in_no_published_file(handwritten_warehouse, tmp_path):
    publish_into(handwritten_warehouse, tmp_path)
    key = handwritten_warehouse.key.encode()
    files = [p for p in (tmp_path / "publish").rglob("*") if p.is_file()]
    files += [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        assert key not in path.read_bytes(), path


def test_make_key_writes_a_new_random_key_readable_only_by_its_owner(tmp_path):
    keys = []
    for name in ("one", "two"):
        path = tmp_path / name / "pseudonymisation.key"
        completed = subprocess.run(["make", "-s", "key", f"PSEUDONYMISATION_KEY_FILE={path}"],
                                   cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        assert str(path) in completed.stdout
        key = path.read_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", key)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert key not in completed.stdout + completed.stderr
        keys.append(key)
    assert keys[0] != keys[1]
