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
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS
from privacy_warehouse.personal_data import redact

REMOVED = "[removed from evidence]"
# File names inside a run's folder (see the layout above); dbt's artifacts keep dbt's names.
PUBLICATION = "publication.json"
ATTEMPT = "publish-attempt.json"
VALIDATION = "validation.json"
DATA_DOCS = "data-docs"
DBT_DOCS = "dbt-docs"


def run_dir(evidence_dir: Path, run_id: str) -> Path:
    """`EVIDENCE_DIR/<run_id>/`, created. The run id is dbt's invocation id (a UUID)."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise ValueError(f"not a usable run id: {run_id!r}")
    folder = Path(evidence_dir) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
