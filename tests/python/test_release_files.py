"""Releases that forget (issue 13, items 3 and 4): PUBLISH_DIR holds the current release only, so
no file outlives an objection or a key rotation; files are readable by the owner and
PUBLISH_GROUP, never by others; a killed publish leaves no staging folder after the next start.

Each check is shown failing once: with the old pruning (five releases kept) the objector's and
the old key's rows stay in a file under PUBLISH_DIR, and the mode check fails on a 0644 file.
"""

from __future__ import annotations

import grp
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject, wait_for_state
from privacy_warehouse import release_files, release_keys
from privacy_warehouse.pseudonyms import pseudonym
from privacy_warehouse.publish import PublishRefused
from test_publish import publish_into

OBJECTOR = "C-2"  # in bizdev.dim_customers of the hand-written zone (the facts carry no customer key)
ROTATED_KEY = "9b1c5e0f7a3d4c2b8e6f1a0d3c5b7e9f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b"  # tests only


def _customer_key(key: str, customer_id: str) -> str:
    return pseudonym(key.encode(), "business_development", f"customer:{customer_id}")


def published_keys_of(project: DbtProject, publish_dir: Path, stable: str) -> set[str]:
    """A stable pseudonym and what the release now in `publish_dir` published it as (keys are
    drawn per release under a private salt: privacy_warehouse.release_keys)."""
    state = release_keys.ReleaseState.read(
        release_keys.target_folder(project.duckdb_path, publish_dir) / release_keys.CURRENT)
    return {stable, release_keys.release_key(state.salt, stable)}


def files_holding(publish_dir: Path, values: set[str]) -> list[str]:
    """Every file under `publish_dir` holding one of `values` in a text column (DuckDB files and
    Parquet read as tables, since Parquet is compressed) or in its bytes (everything else)."""
    found = []
    con = duckdb.connect()
    try:
        for path in sorted(Path(publish_dir).rglob("*")):
            if path.is_symlink() or not path.is_file() or path.name == ".publish.lock":
                continue
            relations = []
            if path.suffix == ".parquet":
                relations = [f"(select * from read_parquet('{path}'))"]
            elif path.suffix == ".duckdb":
                con.execute(f"attach '{path}' as published (read_only)")
                relations = [f'published."{s}"."{t}"' for s, t in con.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where database_name = 'published'").fetchall()]
            else:
                content = path.read_bytes()
                found += [str(path) for v in values if v.encode() in content]
                continue
            for relation in relations:
                columns = [c for c, t, *_ in con.execute(f"describe {relation}").fetchall()
                           if t == "VARCHAR"]
                for column in columns:
                    hits = con.execute(f'select count(*) from {relation} where "{column}" in '
                                       "(select unnest(?))", [sorted(values)]).fetchone()[0]
                    if hits:
                        found.append(f"{path}:{relation}.{column}")
            if path.suffix == ".duckdb":
                con.execute("detach published")
    finally:
        con.close()
    return found


def _build(tmp_path: Path, published: DbtProject, landed_next: dict | None = None,
           key: str | None = None) -> DbtProject:
    """The next day's build, as the nightly runs it: `published`'s landing zone plus the files
    landed since (`landed_next`; landed files are immutable, so new rows arrive in new files),
    built in the warehouse `published` built and published from (a copy), so its DP ledger and
    closed periods carry over (a warehouse without them is refused: test_dp_release)."""
    zone = tmp_path / "zone"
    shutil.copytree(published.raw_data_dir, zone)
    for table, rows in (landed_next or {}).items():
        landing.write_table(zone, table, rows, file_name="part-next-day.parquet")
    # The same vars as the first release (conftest.handwritten_warehouse): at the project's k
    # the five-customer zone publishes empty tables, which the utility gate rightly refuses.
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=tmp_path / "warehouse",
                         as_of=handwritten.AS_OF, extra_vars=dict(handwritten.VARS))
    if key:
        project.key = key
    project.work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(published.duckdb_path, project.duckdb_path)
    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    return project


@pytest.fixture(scope="module")
def after_objection(handwritten_warehouse, tmp_path_factory):
    """The hand-written zone published, then the objector objects to all legitimate interest:
    rebuilt and published into the same PUBLISH_DIR."""
    root = tmp_path_factory.mktemp("objection")
    before = publish_into(handwritten_warehouse, root)
    objection = {"objection_id": "OB-2", "subject_type": "customer", "subject_id": OBJECTOR,
                 "scope": "all_legitimate_interest", "received_at": "2026-06-01 09:00:00"}
    objected = _build(root / "objected", handwritten_warehouse,
                      {"consent.objections": [objection]})
    return root, before, objected


@pytest.fixture(scope="module")
def after_rotation(handwritten_warehouse, tmp_path_factory):
    """The hand-written zone published under the test key, then rebuilt under another key and
    published into the same PUBLISH_DIR."""
    root = tmp_path_factory.mktemp("rotation")
    before = publish_into(handwritten_warehouse, root)
    published_keys = {v for (v,) in duckdb.connect(
        str(root / "publish" / "analytics.duckdb"), read_only=True).execute(
        "select customer_key from bizdev.dim_customers union select order_key from bizdev.fct_orders"
        ).fetchall()}
    rotated = _build(root / "rotated", handwritten_warehouse, key=ROTATED_KEY)
    return root, before, rotated, published_keys


def test_no_file_holds_the_objectors_rows_after_the_next_publish(handwritten_warehouse,
                                                                 after_objection):
    root, before, objected = after_objection
    stable = _customer_key(handwritten_warehouse.key, OBJECTOR)
    objector = published_keys_of(handwritten_warehouse, root / "publish", stable)
    assert files_holding(root / "publish", objector), "the objector was published before"
    assert not objected.query(f"select 1 from bizdev.dim_customers where customer_key = "
                              f"'{stable}'")
    after = publish_into(objected, root)
    assert files_holding(root / "publish", objector) == []
    releases = sorted(p.name for p in (root / "publish" / "releases").iterdir())
    assert releases == [after["run_id"]] and before["run_id"] != after["run_id"]


def test_no_older_file_remains_to_join_after_a_key_rotation(after_rotation):
    root, before, rotated, old_pseudonyms = after_rotation
    assert files_holding(root / "publish", old_pseudonyms)
    after = publish_into(rotated, root)
    assert files_holding(root / "publish", old_pseudonyms) == []
    # Only the current release's files: nothing older that could be joined on its columns.
    files = sorted(str(p.relative_to(root / "publish")) for p in (root / "publish").rglob("*")
                   if p.is_file() and not p.is_symlink())
    # README.md and datasheet.html are rewritten by every publish: the current release's.
    assert all(f in ("analytics.duckdb", "publication.json", ".publish.lock", "README.md",
                     "datasheet.html")
               or f.startswith(f"releases/{after['run_id']}/") for f in files), files
    assert before["run_id"] not in " ".join(files)


def test_the_release_checks_fail_when_old_releases_are_kept(handwritten_warehouse, tmp_path,
                                                            monkeypatch):
    """Planted: the old pruning (the five newest releases kept). Both checks above fail."""
    monkeypatch.setattr(release_files, "retire_old_releases", lambda publish_dir, current: [])
    first = publish_into(handwritten_warehouse, tmp_path)
    objector = published_keys_of(handwritten_warehouse, tmp_path / "publish",
                                 _customer_key(handwritten_warehouse.key, OBJECTOR))
    # A second release of the same data under another run id, as after an objection's rebuild:
    # the older release stays, holding the objector.
    old = tmp_path / "publish" / "releases" / first["run_id"]
    os.rename(old, old.with_name("an-older-run"))
    publish_into(handwritten_warehouse, tmp_path)
    kept = [f for f in files_holding(tmp_path / "publish", objector) if "an-older-run" in f]
    assert kept, "the planted old release should still hold the objector"


# --------------------------------------------------------------------------------------------
# Modes: owner and PUBLISH_GROUP, never others
# --------------------------------------------------------------------------------------------


def test_files_are_owner_only_without_a_group(handwritten_warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLISH_GROUP", raising=False)
    publish_into(handwritten_warehouse, tmp_path)
    publish_dir = tmp_path / "publish"
    modes = release_files.Modes(0o700, 0o600, None)
    assert release_files.wider_than(publish_dir, modes) == []
    assert stat.S_IMODE((publish_dir / "analytics.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((publish_dir / "releases").stat().st_mode) == 0o700


def test_files_are_group_readable_with_publish_group(handwritten_warehouse, tmp_path,
                                                     monkeypatch):
    group = grp.getgrgid(os.getgid())
    monkeypatch.setenv("PUBLISH_GROUP", group.gr_name)
    publish_into(handwritten_warehouse, tmp_path)
    publish_dir = tmp_path / "publish"
    modes = release_files.Modes(0o750, 0o640, group.gr_gid)
    assert release_files.wider_than(publish_dir, modes) == []
    checked = 0
    for path in [publish_dir, *publish_dir.rglob("*")]:
        if path.is_symlink() or path.name == ".publish.lock":
            continue
        info = path.stat()
        assert info.st_gid == group.gr_gid, path
        assert stat.S_IMODE(info.st_mode) == (0o750 if path.is_dir() else 0o640), path
        checked += 1
    assert checked > 10


def test_an_unknown_publish_group_is_refused(handwritten_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISH_GROUP", "no-such-group-here")
    with pytest.raises(PublishRefused, match="PUBLISH_GROUP names no group"):
        publish_into(handwritten_warehouse, tmp_path)
    assert not (tmp_path / "publish" / "analytics.duckdb").exists()


def test_the_mode_check_fails_on_a_file_others_can_read(tmp_path):
    """Planted: a 0644 file (the old releases were written so) fails the check above."""
    (tmp_path / "release").mkdir(mode=0o700)
    os.chmod(tmp_path / "release", 0o700)
    planted = tmp_path / "release" / "fct_orders.parquet"
    planted.write_bytes(b"x")
    os.chmod(planted, 0o644)
    assert release_files.wider_than(tmp_path / "release", release_files.Modes(0o700, 0o600, None))


# --------------------------------------------------------------------------------------------
# A killed publish leaves no staging folder (after the next start, for SIGKILL)
# --------------------------------------------------------------------------------------------


def _publish_process(project: DbtProject, root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "privacy_warehouse.cli", "publish", "--target-path",
         str(project.target_path), "--vars", f"{{as_of: '{project.as_of}'}}"],
        env={**os.environ, **project.env(), "PUBLISH_DIR": str(root / "publish"),
             "EVIDENCE_DIR": str(root / "evidence")},
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_while_staging(process: subprocess.Popen, publish_dir: Path, signum: int) -> None:
    wait_for_state(lambda: bool(list(publish_dir.glob(".incoming-*/analytics.duckdb"))), process,
                   "the publish staging its file")
    process.send_signal(signum)
    process.communicate(timeout=600)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_publish_leaves_no_staging_folder(handwritten_warehouse, tmp_path, signum):
    publish_dir = tmp_path / "publish"
    process = _publish_process(handwritten_warehouse, tmp_path)
    _kill_while_staging(process, publish_dir, signum)
    assert process.returncode != 0
    leftovers = list(publish_dir.glob(".incoming-*"))
    if signum == signal.SIGTERM:
        assert process.returncode == 128 + signal.SIGTERM
        assert leftovers == []  # removed on the way out
        return
    assert leftovers  # SIGKILL cannot be caught: the next start sweeps it
    with pytest.raises(PublishRefused):  # even a start that is refused sweeps first
        publish_into(handwritten_warehouse, tmp_path, target_path=tmp_path / "no-build")
    assert list(publish_dir.glob(".incoming-*")) == []
    publish_into(handwritten_warehouse, tmp_path)
    assert list(publish_dir.glob(".incoming-*")) == []
