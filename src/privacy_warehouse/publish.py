"""Write–audit–publish: put the analyst-facing marts where analysts read them, only when audited.

`privacy-warehouse publish [--target-path target] [--vars '{"as_of": ...}']`

dbt materialises a mart *before* its tests run, so the working warehouse briefly holds a table
nobody has checked (the dbt-snowflake 827/979 shape). Analysts therefore never read the working
warehouse; they read a separate publication that only changes here, in this order:

1. **Audit the build** (refuse otherwise): `<target-path>/run_results.json` comes from a
   `dbt build` in which every node succeeded (`success`/`pass`; exposures are `no-op`); no
   `error`, `fail`, `warn` or `skipped`. Every published and every public model was built in it,
   every test the manifest attaches to such a model ran in it and passed, and at least one of
   them is a privacy test (`privacy_*`). With `--vars`, the build's as_of must be the one asked.
   Column lineage over the build's manifest is a gate too (privacy_warehouse.lineage): no
   identifier reaches a business-development model, no generaliser wraps what it does not fit,
   and every model is read (or excused with a reason in seeds/project/lineage_exceptions.csv).
   The warehouse's ledger (`audit.build_invocations`) must name that build as the last dbt
   invocation that touched it, and show it finished (see check_ledger).
2. **Write** the published models into a NEW DuckDB file in a temporary folder inside
   PUBLISH_DIR (same file system, so the final rename is atomic), schema and table names as in
   the warehouse (`bizdev.fct_orders`) and nothing else: no staging, no key map, no raw ids.
   The working warehouse (DUCKDB_PATH) is only ATTACHed read-only. Rows are written sorted by
   all columns; each table's content checksum (row count + an order-independent sum of the MD5
   of every row's JSON) must equal the warehouse table's.
3. **Draw the release's keys and compare with the previous release**
   (privacy_warehouse.release_gate), after the risk gate and validation of step 4, which
   resolve published keys through the warehouse's map: every pseudonym column is re-drawn
   under a salt of this release (release_keys), and a published number that moved since the
   previous release by the exact contribution of fewer than k people refuses the publish.
   Then **export** each table as Parquet, `parquet/<schema>/<table>.parquet`, sorted by all columns,
   so two publishes of the same data are byte-identical; the Parquet file is read back and must
   have the table's checksum; its sha256 is recorded.
4. **Gate on re-identification risk** (privacy_warehouse.risk): a row-level table with a
   class of fewer than k people on its quasi-identifiers, or fewer than l values of a sensitive
   column, or an aggregate cell under k, refuses the publish; so does a headline figure biased
   beyond var `release_utility_bounds` (privacy_warehouse.utility). Then **validate** it
   with Great Expectations (privacy_warehouse.validate):
   the second line of defence. Any failed expectation stops the publish.
5. **Swap**, each step atomic: `os.replace` of the new file over `PUBLISH_DIR/analytics.duckdb`
   (a reader that already has the old file open keeps reading the old inode; a new reader gets
   the new file: old or new, never a mix); the Parquet release moves to
   `PUBLISH_DIR/releases/<run_id>/` and the symlink `PUBLISH_DIR/parquet` is replaced by a new
   one (a temporary symlink renamed over it); `PUBLISH_DIR/publication.json` (run id, as_of, git
   commit, published_at, per-table row count and checksums, the re-identification risk of
   each table) is written last, so it names the publication once the data is in place. Every
   older release is then removed at once, and the files get their modes (owner and
   PUBLISH_GROUP only): see privacy_warehouse.release_files.

On any failure before step 5 nothing under PUBLISH_DIR changes but the temporary folder, which is
removed (SIGTERM included; what SIGKILL leaves is swept at the next start): the previous
publication stays byte-identical. A lock file serialises publishes.

**What is published.** The models a dbt project marks for analysts: every model with
`access: public` whose schema is `bizdev` (the pseudonymised business-development marts), plus
any model with `config.meta.publish: true` (an explicit opt-in for another schema: a public model
of marketing or sales is not published merely by being public, since those purposes hold
personal data). `meta.publish: false` keeps a bizdev model out. The list comes from the manifest,
so models added later are published (and validated) without touching this file.

**The datasheet** (privacy_warehouse.datasheet): the marts' descriptions go into the new file as
COMMENTs and into every Parquet file's key-value metadata, counts must be BIGINT/INT64 in both,
and `README.md` with its HTML twin is written beside `publication.json` after the swap.

**Evidence.** Each attempt writes into `EVIDENCE_DIR/<run_id>/`: scrubbed dbt artifacts, the
validation results (`validation.json`) and Data Docs (`data-docs/`), `publish-attempt.json`
(the outcome), and on success `publication.json` (checksums). See
privacy_warehouse.report.evidence.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import duckdb

from privacy_warehouse import (
    datasheet,
    dbt_artifacts,
    dp_release,
    lineage,
    release_files,
    release_gate,
    risk,
    utility,
)
from privacy_warehouse.dbt_artifacts import (
    ArtifactError,
    Build,
    node_access,
    published_nodes,
    quoted_relation,
    relation_alias,
    table_name,
)
from privacy_warehouse.personal_data import project_vars, redact, shapes_of_build
from privacy_warehouse.private_files import terminate_as_exit
from privacy_warehouse.report.evidence import (
    ATTEMPT,
    DATA_DOCS,
    PUBLICATION,
    VALIDATION,
    copy_dbt_artifacts,
    prune_runs,
    run_dir,
    runs_kept,
    secure_evidence,
    sha256_file,
    write_json_atomic,
    write_text_atomic,
)
from privacy_warehouse.sql import quote_identifier
from privacy_warehouse.validate import ValidationError, ValidationSettings, validate_publication

PUBLISHED_FILE = "analytics.duckdb"
OK_STATUSES = {"success", "pass"}
# Resources that run nothing and so report `no-op` when all is well.
NO_OP_RESOURCE_TYPES = {"exposure"}
PRIVACY_TEST_PREFIX = "privacy_"
CLOSED_VOCABULARY_TEST = "privacy_closed_vocabulary"


class PublishRefused(RuntimeError):
    """The publication was refused; the previous one is untouched."""


class ValidationFailed(PublishRefused):
    """Great Expectations ran and an expectation failed (already recorded in the evidence)."""


# --------------------------------------------------------------------------------------------
# The build to publish: dbt's artifacts
# --------------------------------------------------------------------------------------------


def load_build(target_path: Path) -> Build:
    """The build's artifacts (dbt_artifacts.load_build); refuse when they cannot be read."""
    try:
        return dbt_artifacts.load_build(target_path)
    except ArtifactError as error:
        raise PublishRefused(str(error)) from None


def public_nodes(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and node_access(n) == "public"]


def tests_of(manifest: dict, model_id: str) -> list[dict]:
    """Data tests the manifest attaches to a model (generic tests on it or its columns)."""
    tests = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        attached = node.get("attached_node")
        if attached == model_id or (attached is None and
                                    node.get("depends_on", {}).get("nodes") == [model_id]):
            tests.append(node)
    return tests


def is_privacy_test(test: dict) -> bool:
    name = (test.get("test_metadata") or {}).get("name") or test["name"]
    return name.startswith(PRIVACY_TEST_PREFIX)


def audit_build(build: Build, requested_vars: dict | None = None) -> list[str]:
    """Everything that forbids publishing this build; empty when it may be published."""
    problems = []
    which = build.args.get("which")
    if which != "build":
        problems.append(f"run_results.json is from `dbt {which}`, not `dbt build`")
    results = build.run_results.get("results") or []
    if not results:
        problems.append("run_results.json lists no results")
    statuses = {r["unique_id"]: r["status"] for r in results}
    for unique_id, status in sorted(statuses.items()):
        resource_type = unique_id.split(".")[0]
        if status in OK_STATUSES or (status == "no-op" and resource_type in
                                     NO_OP_RESOURCE_TYPES):
            continue
        problems.append(f"{unique_id}: status {status}")

    to_publish = published_nodes(build.manifest)
    if not to_publish:
        problems.append("the manifest marks no model for publication")
    checked = {n["unique_id"]: n for n in [*to_publish, *public_nodes(build.manifest)]}
    for model_id, node in sorted(checked.items()):
        if statuses.get(model_id) != "success":
            problems.append(f"{node['name']} was not built successfully in this run "
                            f"({statuses.get(model_id, 'not in run_results.json')})")
        tests = tests_of(build.manifest, model_id)
        not_run = sorted(t["name"] for t in tests if t["unique_id"] not in statuses)
        if not_run:
            problems.append(f"{node['name']}: tests not run in this build: {', '.join(not_run)}")
        ran_privacy = [t for t in tests if is_privacy_test(t) and t["unique_id"] in statuses]
        if not ran_privacy:
            problems.append(f"{node['name']}: no privacy test (privacy_*) ran on it in this build")
    # No free text in the release: every published model carries the closed-vocabulary test,
    # which holds each text column to a declared vocabulary (tests/generic). Checked here, on
    # published_nodes(), so the rule for what is published has one implementation.
    for node in to_publish:
        names = {(t.get("test_metadata") or {}).get("name")
                 for t in tests_of(build.manifest, node["unique_id"])}
        if CLOSED_VOCABULARY_TEST not in names:
            problems.append(f"{node['name']} is published without the test "
                            f"{CLOSED_VOCABULARY_TEST} (published text must come from a "
                            "closed vocabulary)")

    asked = (requested_vars or {}).get("as_of")
    if asked and str(asked) != build.as_of:
        problems.append(f"the build was for as_of {build.as_of}, not the requested {asked}")
    return problems


# --------------------------------------------------------------------------------------------
# Writing the new file and its Parquet
# --------------------------------------------------------------------------------------------


def content_checksum(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """(rows, checksum): the sum of the upper 64 bits of md5(row as JSON) over all rows.

    Order-independent (a sum), so a copy written in another order has the same checksum, and
    unlike XOR a duplicated row does not cancel out. 64-bit terms summed as HUGEINT cannot
    overflow below 2^63 rows.
    """
    rows, total = con.execute(
        f"select count(*), coalesce(sum(md5_number_upper(cast(to_json(t) as varchar))), 0) "
        f"from {relation} as t"
    ).fetchall()[0]
    return int(rows), f"{int(total):032x}"  # fixed width, like a digest


LEDGER = "audit.build_invocations"  # written by the on-run-start/-end hooks (macros/audit)


def check_ledger(con: duckdb.DuckDBPyConnection, database: str, run_id: str) -> None:
    """The warehouse must have been written last by the audited build, and that build finished.

    run_results.json alone cannot tell: a build that is killed, or stops in its on-run-start
    checks, leaves the previous green run_results.json on disk beside a warehouse it may
    already have changed. The ledger's first row is written before anything else runs.
    """
    try:
        rows = con.execute(
            f"select invocation_id, finished_at from {quote_identifier(database)}.{LEDGER} "
            "order by started_at desc limit 1").fetchall()
    except duckdb.CatalogException:
        raise PublishRefused(f"the warehouse has no {LEDGER}: it was not written by this "
                             "project's dbt build") from None
    if not rows:
        raise PublishRefused(f"{LEDGER} is empty: no build is recorded in the warehouse")
    latest, finished_at = rows[0]
    if latest != run_id:
        raise PublishRefused(
            f"the warehouse was last written by dbt invocation {latest}, not by the audited "
            f"build {run_id} (a later build failed or was killed?): build again, then publish")
    if finished_at is None:
        raise PublishRefused(f"the audited build {run_id} never finished (killed?): build again")


def write_publication_file(warehouse_path: Path, new_file: Path,
                           nodes: list[dict], run_id: str | None = None) -> dict[str, dict]:
    """Copy `nodes` from the warehouse (attached read-only) into the new DuckDB file.

    With `run_id`, first check the warehouse's build ledger names that build (check_ledger)."""
    database = nodes[0]["database"]  # attached under its own name, so views still resolve
    if database == new_file.stem:
        raise PublishRefused(f"the warehouse's database is named {database!r}, "
                             f"like the publication: rename one of them")
    tables = {}
    con = duckdb.connect(str(new_file))
    try:
        try:
            con.execute(f"attach '{warehouse_path}' as {quote_identifier(database)} (read_only)")
        except duckdb.Error as error:
            raise PublishRefused(f"cannot open the warehouse {warehouse_path} read-only "
                                 f"(is dbt still writing it?): {error}") from None
        if run_id is not None:
            check_ledger(con, database, run_id)
        for node in nodes:
            relation = quoted_relation(node)
            con.execute(f"create schema if not exists {quote_identifier(node['schema'])}")
            con.execute(f"create table {relation} as "
                        f"select * from {quote_identifier(database)}.{relation} order by all")
            source = content_checksum(con, f"{quote_identifier(database)}.{relation}")
            copied = content_checksum(con, relation)
            if source != copied:
                raise PublishRefused(f"{table_name(node)}: the copy differs from the warehouse")
            tables[table_name(node)] = {"row_count": copied[0], "content_checksum": copied[1]}
        con.execute(f"detach {quote_identifier(database)}")
        con.execute("checkpoint")
    finally:
        con.close()
    return tables


def _checksums(published_file: Path, nodes: list[dict]) -> dict[str, tuple[int, str]]:
    """content_checksum of every table of the published file (after its keys were drawn)."""
    con = duckdb.connect(str(published_file), read_only=True)
    try:
        return {table_name(n): content_checksum(con, quoted_relation(n)) for n in nodes}
    finally:
        con.close()


def export_parquet(new_file: Path, nodes: list[dict], parquet_dir: Path,
                   tables: dict[str, dict], sheets: list | None = None, as_of: str = "") -> None:
    """Export every table as sorted Parquet (with the datasheet's `sheets` as its key-value
    metadata), read it back, record its sha256."""
    con = duckdb.connect(str(new_file), read_only=True)
    try:
        for node in nodes:
            name = table_name(node)
            relation = quoted_relation(node)
            path = parquet_dir / node["schema"] / f"{relation_alias(node)}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy (select * from {relation} order by all) to '{path}' "
                        f"(format parquet, compression zstd"
                        f"{datasheet.parquet_metadata_option(sheets, node, as_of)})")
            # Parquet lacks some DuckDB types (HUGEINT becomes DOUBLE): cast back before comparing.
            casts = ", ".join(
                f"cast({quote_identifier(column)} as {column_type}) as {quote_identifier(column)}"
                for column, column_type, *_ in con.execute(f"describe {relation}").fetchall()
            )
            read_back = f"(select {casts} from read_parquet('{path}'))"
            if content_checksum(con, read_back) != (tables[name]["row_count"],
                                                    tables[name]["content_checksum"]):
                raise PublishRefused(f"{name}: the Parquet file does not hold the table's rows")
            tables[name]["parquet_path"] = str(path.relative_to(parquet_dir.parent))
            tables[name]["parquet_sha256"] = sha256_file(path)
            tables[name]["columns"] = [c for c, *_ in
                                       con.execute(f"describe {relation}").fetchall()]
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# The swap
# --------------------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _publish_lock(publish_dir: Path):
    """One publish at a time per PUBLISH_DIR (an advisory lock on a file beside the data)."""
    with open(publish_dir / ".publish.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishRefused(f"another publish into {publish_dir} is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _place_release(staged_release: Path, release: Path, tables: dict[str, dict]) -> None:
    """Move the staged Parquet to releases/<run_id>, or reuse an identical earlier one."""
    if not release.exists():
        release.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged_release, release)
        return
    try:
        earlier = json.loads((release / "publication.json").read_text("utf-8"))["tables"]
    except (OSError, ValueError, KeyError):
        earlier = None
    same = earlier is not None and {
        name: t.get("parquet_sha256") for name, t in earlier.items()
    } == {name: t["parquet_sha256"] for name, t in tables.items()}
    if not same:
        raise PublishRefused(
            f"{release} already holds a different publication of this run: the warehouse "
            f"changed after its audited build. Run `dbt build` again."
        )


def _swap(staging: Path, publish_dir: Path, release: Path, publication: dict) -> None:
    current_link = publish_dir / "parquet"
    if current_link.exists() and not current_link.is_symlink():
        raise PublishRefused(f"{current_link} is a real folder, not the release symlink")
    _place_release(staging / "release", release, publication["tables"])
    # 1. The database file: one rename.
    os.replace(staging / PUBLISHED_FILE, publish_dir / PUBLISHED_FILE)
    # 2. The Parquet: a new symlink under a temporary name, renamed over the old one.
    temporary_link = publish_dir / f".parquet-{uuid.uuid4().hex}"
    os.symlink(Path("releases") / release.name / "parquet", temporary_link)
    os.replace(temporary_link, current_link)
    # 3. The description, last: it names the publication once the data is in place.
    write_json_atomic(publish_dir / "publication.json", publication)
    _fsync_dir(publish_dir)


# --------------------------------------------------------------------------------------------
# The whole publish
# --------------------------------------------------------------------------------------------


def git_commit(project_dir: Path) -> tuple[str, bool | None]:
    """(HEAD of the project's repository or "unknown", whether tracked files have changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_dir, check=True,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=project_dir, check=True, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    return head, bool(dirty)


def _record_attempt(folder: Path | None, outcome: str, details: list[str], shapes) -> None:
    if folder is None:
        return
    write_json_atomic(folder / ATTEMPT, {
        "outcome": outcome,
        "details": [redact(d, shapes) for d in details],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    })
    secure_evidence(folder.parent)  # the release's modes on every file of EVIDENCE_DIR


def publish(
    target_path: Path,
    warehouse_path: Path,
    publish_dir: Path,
    evidence_dir: Path | None,
    requested_vars: dict | None = None,
) -> dict:
    """Audit, write, validate and swap; return publication.json's content. Raises PublishRefused."""
    release_files.sweep_leftovers(Path(publish_dir))  # what a killed publish left (SIGKILL)
    try:
        modes = release_files.modes_from_environment()
    except release_files.ReleaseFilesError as error:
        raise PublishRefused(str(error)) from None
    build = load_build(target_path)
    evidence = run_dir(evidence_dir, build.run_id) if evidence_dir else None
    shapes = shapes_of_build(build)
    if evidence:
        copy_dbt_artifacts(build.run_results, build.manifest, evidence, shapes)

    problems = audit_build(build, requested_vars) + lineage.publish_gate(build)
    if problems:
        _record_attempt(evidence, "refused: the build is not fit to publish", problems, shapes)
        raise PublishRefused("the build is not fit to publish:\n  - " + "\n  - ".join(problems))
    warehouse_path = Path(warehouse_path)
    if not warehouse_path.is_file():
        raise PublishRefused(f"the warehouse {warehouse_path} does not exist")
    nodes = published_nodes(build.manifest)
    sheets = datasheet.describe_build(build, nodes)  # README, comments, Parquet metadata

    publish_dir = Path(publish_dir)
    publish_dir.mkdir(parents=True, exist_ok=True)
    # SIGTERM/SIGHUP end the publish through the `finally` below: no staging folder stays.
    with _publish_lock(publish_dir), terminate_as_exit():
        release_files.remove_leftovers(publish_dir)
        staging = Path(tempfile.mkdtemp(dir=publish_dir, prefix=".incoming-"))
        release, swapped = None, False
        try:
            new_file = staging / PUBLISHED_FILE
            tables = write_publication_file(warehouse_path, new_file, nodes, build.run_id)

            settings = ValidationSettings.from_project(build.project_dir, build.build_vars,
                                                       build.as_of)
            # The attacker model's gate (risk.py): no class of fewer than k people, none with
            # fewer than l values of a sensitive column; then what it cost (utility.py): no
            # headline figure biased beyond the declared bounds.
            variables = project_vars(build.project_dir, build.build_vars)
            l_diverse = int(variables.get("l_diversity", 1))
            risks, differences = risk.assess_publication(new_file, warehouse_path, nodes,
                                                         settings.k, l_diverse)
            too_small = risk.gate_problems(risks, settings.k, differences)
            if too_small:
                raise PublishRefused("re-identification risk: " + "; ".join(too_small))
            release_utility, biased = utility.assess_utility(
                new_file, warehouse_path, nodes, variables.get("release_utility_bounds") or {})
            if biased:
                raise PublishRefused("release utility beyond its bounds: " + "; ".join(biased))
            docs_dir = (evidence / DATA_DOCS) if evidence else None
            if docs_dir is not None and docs_dir.exists():
                shutil.rmtree(docs_dir)  # one run's evidence describes its latest attempt
            try:
                report = validate_publication(new_file, warehouse_path, nodes, build.manifest,
                                              settings, build.run_id, docs_dir)
            except ValidationError as error:
                raise PublishRefused(f"Great Expectations could not validate: {error}") from None
            if evidence:
                write_text_atomic(evidence / VALIDATION, report.to_json())
            if not report.success:
                failed = [f"{suite}: {e.description or e.expectation}"
                          + (f" ({e.column})" if e.column else "")
                          + (f": {e.counts.get('unexpected_count')} rows"
                             if e.counts.get("unexpected_count") else "")
                          for suite, e in report.failed_expectations]
                _record_attempt(evidence, "refused: validation failed", failed, shapes)
                raise ValidationFailed("Great Expectations validation failed:\n  - "
                                       + "\n  - ".join(failed))

            # Issue 18: keys drawn per release, and the gate against the previous release.
            release = release_gate.prepare(new_file, nodes, warehouse_path, publish_dir,
                                           build.run_id, build.as_of, settings.k)
            if release.problems:
                raise PublishRefused("across releases: " + "; ".join(release.problems))
            new_file = release.published_file
            for name, (rows, checksum) in _checksums(new_file, nodes).items():
                tables[name].update(row_count=rows, content_checksum=checksum)
            datasheet.annotate_file(new_file, nodes, sheets)
            export_parquet(new_file, nodes, staging / "release" / "parquet", tables, sheets,
                           build.as_of)
            mismatched = datasheet.check_integer_types(new_file, nodes,
                                                       staging / "release" / "parquet")
            if mismatched:
                raise PublishRefused("integer types: " + "; ".join(mismatched))
            # Differentially private tables (issue 18): closed periods, budget ledger.
            try:
                dp_budget = dp_release.publish_step(
                    warehouse_path, new_file, staging / "release" / "parquet", build, tables,
                    content_checksum, sheets, live_publication=publish_dir / "publication.json")
            except dp_release.DpReleaseError as error:
                raise PublishRefused(str(error)) from None

            commit, dirty = git_commit(build.project_dir)
            publication = {
                "run_id": build.run_id,
                "as_of": build.as_of,
                "git_commit": commit,
                "git_uncommitted_changes": dirty,
                "dbt_version": build.run_results["metadata"].get("dbt_version"),
                "built_at": build.run_results["metadata"].get("generated_at"),
                "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "validation": {
                    "success": True,
                    "suites": len(report.suites),
                    "expectations": sum(s.evaluated for s in report.suites),
                },
                "tables": tables,
                "reidentification_risk": risk.as_json(risks, settings.k, differences, l_diverse),
                "release_utility": release_utility,
                "differential_privacy": dp_budget,
                **release.publication_fields(),
            }
            write_json_atomic(staging / "release" / "publication.json", publication)
            release_dir = publish_dir / release_files.RELEASES / build.run_id
            release_files.apply_modes(staging, modes)  # before the swap: never wider
            os.replace(new_file, staging / PUBLISHED_FILE)
            _swap(staging, publish_dir, release_dir, publication)
            swapped = True
        except ValidationFailed:
            raise
        except PublishRefused as refusal:
            _record_attempt(evidence, "refused", [str(refusal)], shapes)
            raise
        except (duckdb.Error, OSError) as error:
            # Unexpected, but still before the swap completed: refuse, say why, keep the old.
            _record_attempt(evidence, "refused: error", [str(error)], shapes)
            raise PublishRefused(f"publishing failed: {redact(str(error), shapes)}") from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if release is not None and not swapped:
                release.discard()  # a refused release's salt is never kept
        release.commit()  # its salt and fingerprint are the live release's; older ones go
        datasheet.write_datasheet(publish_dir, sheets, publication)  # README.md, HTML twin
        # The current release only, at once: no older file outlives an objection, an erasure
        # or a key rotation (release_files).
        release_files.finish_release(publish_dir, build.run_id, modes)

    if evidence:
        write_json_atomic(evidence / PUBLICATION, publication)
        # Runs beyond the declared number leave their folder, and one line in history.json.
        prune_runs(Path(evidence_dir), runs_kept(build.project_dir, build.build_vars),
                   protected={build.run_id})
        _record_attempt(evidence, "published", [f"{len(tables)} tables"], shapes)
    return publication


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish", help="publish the audited public marts (write-audit-publish)",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--target-path", default="target", type=Path,
                        help="dbt's target folder holding run_results.json (default: target)")
    parser.add_argument("--vars", default=None,
                        help="the dbt --vars of the build; its as_of must match the build's")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from privacy_warehouse.pseudonyms import configured_key_problem

    key_problem = configured_key_problem()
    if key_problem:  # a weak key stops the publish too (issue 13, item 5)
        print(f"publish refused; the previous publication is unchanged.\n{key_problem}",
              file=sys.stderr)
        return 1
    requested_vars = yaml.safe_load(args.vars) if args.vars else None
    warehouse = Path(os.environ.get("DUCKDB_PATH", "warehouse/warehouse.duckdb"))
    publish_dir = Path(os.environ.get("PUBLISH_DIR", "publish"))
    evidence_dir = Path(os.environ.get("EVIDENCE_DIR", "evidence"))
    try:
        publication = publish(args.target_path, warehouse, publish_dir, evidence_dir,
                              requested_vars)
    except PublishRefused as refusal:
        print(f"publish refused; the previous publication is unchanged.\n{refusal}",
              file=sys.stderr)
        return 1
    print(f"Published run {publication['run_id']} (as_of {publication['as_of']}) to "
          f"{publish_dir / PUBLISHED_FILE}:")
    for name, table in publication["tables"].items():
        print(f"  {name}: {table['row_count']} rows, parquet sha256 {table['parquet_sha256']}")
    print(f"Evidence: {evidence_dir / publication['run_id']}")
    return 0
