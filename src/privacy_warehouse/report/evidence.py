"""The evidence folder of a run: `EVIDENCE_DIR/<run_id>/`, and what may go into it.

The folder is what an auditor keeps: the report, dbt's artifacts, the Great Expectations results
and Data Docs, and the publication's checksums. Nothing in it may hold personal data, so dbt's
artifacts are copied scrubbed, never as they are:

* `compiled_code` is dropped from every node and result. Compiled SQL is the model's SQL after
  Jinja, and Jinja can read the warehouse at compile time (`run_query`): whatever it read would
  be inlined. The source SQL (`raw_code`) stays; it is in git anyway.
* Unit-test fixtures (`given[].rows`, `expect.rows`) are replaced by their row count: they are
  made-up people, but made-up people look exactly like real ones to a reviewer's scanner.
* Messages (an error can quote the value that failed to cast) have personal-data shapes
  replaced by `[redacted]`.

The pseudonymisation key never reaches dbt's artifacts in the first place (profiles.yml: the
plugin reads it in Python); the evidence test checks that too.

Layout of `EVIDENCE_DIR/<run_id>/`:
    index.html, *.html        the compliance report (privacy-warehouse report)
    run_results.json          dbt's, scrubbed
    manifest.json             dbt's, scrubbed
    publication.json          checksums of the published tables (absent until published)
    publish-attempt.json      the outcome of the latest publish attempt of this run
    validation.json           Great Expectations verdicts and counts
    data-docs/                Great Expectations Data Docs
    dbt-docs/                 dbt's docs site, if `dbt docs generate` ran (scrubbed manifest)
    report.json               the run's verdict, for EVIDENCE_DIR/index.html

and beside the run folders `index.html` (every run's report) and `history.json` (the pruned runs).

**Modes** (issue 19, item 5): the evidence is read like the release, so it gets the release's
modes and PUBLISH_GROUP rule (privacy_warehouse.release_files, reused): folders 0750 and files
0640 with the group, 0700/0600 without. EVIDENCE_DIR itself gets its folder mode before anything
is written into it (run_dir), so no other user can reach a file even while a writer (Great
Expectations' Data Docs, dbt's docs) creates it with the umask's mode; every file then gets its
own mode when the publish attempt or the report is written (secure_evidence).

**Pruning**: the per-run evidence of old runs holds row counts and suppression figures of
releases that are gone. After each successful publish, the folders of all but the
`evidence_runs_kept` most recent runs (dbt_project.yml vars, declared once) are removed, never
the run just published; each leaves one entry in `history.json`: its run id, as_of, build and
publish times, commit, outcome and each table's checksums (no counts, no figures), so an auditor
can still tell which release a file was.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from privacy_warehouse import release_files
from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS
from privacy_warehouse.personal_data import redact

REMOVED = "[removed from evidence]"
# File names inside a run's folder (see the layout above); dbt's artifacts keep dbt's names.
PUBLICATION = "publication.json"
ATTEMPT = "publish-attempt.json"
VALIDATION = "validation.json"
DATA_DOCS = "data-docs"
DBT_DOCS = "dbt-docs"
REPORT_META = "report.json"
HISTORY = "history.json"
RUNS_KEPT_VAR = "evidence_runs_kept"  # dbt_project.yml vars: how many runs keep their folder


def run_dir(evidence_dir: Path, run_id: str) -> Path:
    """`EVIDENCE_DIR/<run_id>/`, created. The run id is dbt's invocation id (a UUID)."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise ValueError(f"not a usable run id: {run_id!r}")
    secure_root(evidence_dir)
    folder = Path(evidence_dir) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------------------------
# Modes and pruning (issue 19, item 5)
# --------------------------------------------------------------------------------------------


def secure_root(evidence_dir: Path) -> None:
    """EVIDENCE_DIR exists with the release's folder mode (and group), before anything is in it.
    A folder owned by someone else is left as it is (its owner sets its mode)."""
    modes = release_files.modes_from_environment()
    root = Path(evidence_dir)
    root.mkdir(parents=True, exist_ok=True)
    if os.lstat(root).st_uid == os.getuid():
        release_files.set_mode(root, modes.directory, modes.gid)


def secure_evidence(evidence_dir: Path) -> None:
    """Every folder and file under EVIDENCE_DIR gets the release's modes (release_files)."""
    secure_root(evidence_dir)
    release_files.apply_modes(Path(evidence_dir), release_files.modes_from_environment())


def _run_time(folder: Path) -> str:
    """When a run was built (run_results.json), else its folder's change time."""
    try:
        return json.loads((folder / RUN_RESULTS).read_text("utf-8"))["metadata"]["generated_at"]
    except (OSError, ValueError, KeyError, TypeError):
        import datetime as dt

        return dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC).isoformat()


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def history_entry(folder: Path) -> dict:
    """What stays of a pruned run: which release it was, never its counts or figures."""
    publication, attempt = _read(folder / PUBLICATION), _read(folder / ATTEMPT)
    return {
        "run_id": folder.name,
        "built_at": _run_time(folder),
        "as_of": publication.get("as_of") or _read(folder / REPORT_META).get("as_of"),
        "published_at": publication.get("published_at"),
        "git_commit": publication.get("git_commit"),
        "outcome": attempt.get("outcome"),
        "tables": {name: {"content_checksum": table.get("content_checksum"),
                          "parquet_sha256": table.get("parquet_sha256")}
                   for name, table in (publication.get("tables") or {}).items()},
    }


def prune_runs(evidence_dir: Path, keep: int, protected: set[str]) -> list[str]:
    """Remove the folders of all but the `keep` most recent runs (never a `protected` one),
    after adding each to history.json; returns the pruned run ids."""
    import shutil

    root = Path(evidence_dir)
    runs = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
                   and not p.name.startswith(".")), key=_run_time, reverse=True)
    pruned = [p for p in runs[max(keep, 0):] if p.name not in protected]
    if not pruned:
        return []
    history = _read(root / HISTORY).get("pruned_runs") or []
    history += [history_entry(p) for p in pruned]
    history.sort(key=lambda entry: entry.get("built_at") or "")
    write_json_atomic(root / HISTORY, {"runs_kept": keep, "pruned_runs": history})
    for folder in pruned:
        shutil.rmtree(folder)
    return [p.name for p in pruned]


def runs_kept(project_dir: Path, build_vars: dict | None = None) -> int:
    """Var evidence_runs_kept of dbt_project.yml (the build's --vars winning)."""
    from privacy_warehouse.personal_data import project_vars

    return int(project_vars(project_dir, build_vars).get(RUNS_KEPT_VAR, 30))


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON to a temporary file beside `path`, then rename it over: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n"
    write_text_atomic(path, text)


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scrub_run_results(run_results: dict, shapes: dict[str, str]) -> dict:
    """run_results.json without compiled SQL, with personal-data shapes redacted in messages."""
    scrubbed = copy.deepcopy(run_results)
    for result in scrubbed.get("results", []):
        if result.get("compiled_code") is not None:
            result["compiled_code"] = REMOVED
        result["message"] = redact(result.get("message"), shapes)
    return scrubbed


def scrub_manifest(manifest: dict, shapes: dict[str, str]) -> dict:
    """manifest.json without compiled SQL and without unit-test fixture rows."""
    scrubbed = copy.deepcopy(manifest)
    for node in scrubbed.get("nodes", {}).values():
        if node.get("compiled_code") is not None:
            node["compiled_code"] = REMOVED
    for unit_test in scrubbed.get("unit_tests", {}).values():
        for fixture in [*unit_test.get("given", []), unit_test.get("expect") or {}]:
            rows = fixture.get("rows")
            if isinstance(rows, list):
                fixture["rows"] = f"{REMOVED}: {len(rows)} fixture rows"
            elif isinstance(rows, str):
                fixture["rows"] = f"{REMOVED}: fixture rows"
    return scrubbed


def copy_dbt_artifacts(run_results: dict, manifest: dict, folder: Path,
                       shapes: dict[str, str]) -> None:
    """Write the scrubbed run_results.json and manifest.json into the run's folder."""
    write_json_atomic(folder / RUN_RESULTS, scrub_run_results(run_results, shapes))
    write_json_atomic(folder / MANIFEST, scrub_manifest(manifest, shapes))
