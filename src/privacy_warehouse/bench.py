"""`privacy-warehouse bench`: how long the nightly build takes, and what ten times the data costs.

`privacy-warehouse bench [--scales 1,10] [--seed 42] [--as-of 2026-06-30] [--memory-limit 2GB]`

For each scale, in one run on this machine (issue 8), every step a separate process, timed by
wall clock, its peak memory the RSS summed over its whole process tree (sampled from /proc every
0.1 s, and never below the kernel's own peak RSS of the process, `wait4`'s `ru_maxrss`):

1. **Landing zone**: `bench/cache/scale-<n>/`, generated once and reused while its
   `_generator.json` names the same scale, seed and as_of (and no day batch, no bad rows).
2. **Floor**: the time DuckDB takes to read every column of every raw table once: one query per
   table over all its Parquet files (`read_parquet(..., union_by_name)` as the landing hook
   reads them), aggregating a cheap function of every column (`sum(strlen(text))`,
   `sum(epoch(time))`, `sum(number)`). Not `min`/`max`/`count`: DuckDB answers those from the
   Parquet statistics without decoding a value. Not `hash`: it costs as much as the read. The
   best of two runs (the files are in the page cache for the build too).
3. **Full build**: `dbt build` (seeds, every model, every test) into a new warehouse.
4. **Publish** (`privacy-warehouse publish`, write-audit-publish, which includes the Great
   Expectations validation) and **validation** alone (the same `validate_publication` run again
   over the published file, in its own process).
5. **dbt's overhead**: `dbt run --full-refresh` (models only, no tests) over the built
   warehouse, against the very SQL that run executed (`target/run/**.sql`, each model's
   `create ... as` into `<model>__dbt_tmp`, then the drop and rename that dbt's
   materialisation does) executed in dependency order (manifest.json) in ONE DuckDB connection
   of a copy of the built warehouse (same file name, so the compiled three-part names resolve),
   with the `pseudonym` function registered as `privacy_warehouse.duckdb_plugin` does and the
   `raw` views re-created from the warehouse's own definitions (what the on-run-start hook
   creates; the hook's checks of every file's schema are not repeated: their cost is the
   `on-run-start` hook's time in run_results.json). Overhead = (dbt run - direct) / dbt run.
   Seeds are left as they are by both.
6. **Incremental day** (last): one day's batch (`generate --day`, as_of + 1) appended to a copy
   of the zone (Parquet files hard-linked, `bench/cache/scale-<n>-day-<day>/`), then
   `dbt build` with `as_of` = that day over a copy of the fully built warehouse, as the nightly
   run would.

With `--time-budget` (or BENCH_TIME_BUDGET_MINUTES) a step that would end after the budget
(expected: its multiple of this scale's build time) is skipped, and the report says so.

Every run has its own DUCKDB_PATH, RAW_DATA_DIR, PUBLISH_DIR, EVIDENCE_DIR, target and log path
under `bench/work/` (git-ignored, replaced on the next run): the user's warehouse is never
touched. Results: `bench/results/<date>.json`, `.md` and `.svg` (time against scale). Nothing
here is a test: `make test` asserts no time. The key is read only from the environment (or
`PSEUDONYMISATION_KEY_FILE`) by the processes that need it, and never written anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html import escape
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AS_OF = "2026-06-30"
DEFAULT_MEMORY_LIMIT = "2GB"
TOP_N = 10
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

# The targets. Each: key, text, how it is measured.
TARGET_BUILD_SECONDS = 180.0
TARGET_PEAK_BYTES = 3 * 1024**3
TARGET_FLOOR_MULTIPLE = 5.0
TARGET_OVERHEAD_SHARE = 0.25
TARGET_INCREMENTAL_SHARE = 0.10


def say(line: str) -> None:
    print(f"[bench {dt.datetime.now().strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Peak memory of a process tree, from /proc
# --------------------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    """parent pid -> child pids, from /proc/<pid>/stat of every process."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # it ended meanwhile
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants that are alive now."""
    children = _children_map()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    return sum(rss_bytes(pid) for pid in process_tree(root))


class TreeSampler:
    """Samples the summed RSS of a process tree in a thread; `peak` is the highest sum seen."""

    def __init__(self, root: int, interval: float = 0.1):
        self.root, self.interval = root, interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class StepResult:
    name: str
    command: list[str]
    wall_s: float
    peak_rss_bytes: int
    returncode: int
    log: str | None = None
    extra: dict = field(default_factory=dict)


def run_measured(name: str, command: list[str], env: dict[str, str], cwd: Path,
                 log_path: Path | None = None, interval: float = 0.1) -> StepResult:
    """Run `command`, its output to `log_path`; wall time and peak RSS of its process tree."""
    say(f"{name}: {' '.join(_shorten(c) for c in command)}")
    sink = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid, interval) as sampler:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        if log_path:
            sink.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss (KiB) is the peak of the one largest process: a floor under the summed peak.
    peak = max(sampler.peak, usage.ru_maxrss * 1024)
    say(f"{name}: {wall:.1f} s, peak {peak / 1024**2:,.0f} MiB, exit {proc.returncode}")
    return StepResult(name, command, round(wall, 3), peak, proc.returncode,
                      str(log_path) if log_path else None)


def _shorten(part: str) -> str:
    return part.replace(str(PROJECT_ROOT) + "/", "")


# --------------------------------------------------------------------------------------------
# Landing zones (cached)
# --------------------------------------------------------------------------------------------


def zone_matches(zone: Path, scale: float, seed: int, as_of: str, day: str | None = None) -> bool:
    """Whether `zone` holds a complete zone of this scale, seed and as_of (and only `day`)."""
    try:
        meta = json.loads((zone / "_generator.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    days = sorted((meta.get("day_batches") or {}).keys())
    return (float(meta.get("scale", -1)) == float(scale) and int(meta.get("seed", -1)) == seed
            and str(meta.get("as_of")) == as_of and not meta.get("bad_rows")
            and days == ([day] if day else []))


def ensure_zone(cache: Path, scale: float, seed: int, as_of: str, env: dict[str, str],
                log_dir: Path) -> tuple[Path, StepResult | None]:
    zone = cache / f"scale-{_scale_text(scale)}"
    if zone_matches(zone, scale, seed, as_of):
        say(f"landing zone {_shorten(str(zone))}: cached (scale {scale}, seed {seed}, as_of {as_of})")
        return zone, None
    step = run_measured(
        f"generate scale {_scale_text(scale)}",
        [_bin("privacy-warehouse"), "generate", "--out", str(zone), "--scale", str(scale),
         "--seed", str(seed), "--as-of", as_of, "--force"],
        env, PROJECT_ROOT, log_dir / f"generate-scale-{_scale_text(scale)}.log")
    if step.returncode != 0 or not zone_matches(zone, scale, seed, as_of):
        raise BenchError(f"generating {zone} failed: see {step.log}")
    return zone, step


def ensure_day_zone(zone: Path, scale: float, seed: int, as_of: str, day: str,
                    env: dict[str, str], log_dir: Path) -> tuple[Path, StepResult | None]:
    """A copy of `zone` plus one day's batch; Parquet files are hard links (never rewritten)."""
    day_zone = zone.parent / f"{zone.name}-day-{day}"
    if zone_matches(day_zone, scale, seed, as_of, day):
        say(f"landing zone {_shorten(str(day_zone))}: cached")
        return day_zone, None
    if day_zone.exists():
        shutil.rmtree(day_zone)

    def link_or_copy(source: str, target: str) -> None:
        if source.endswith(".parquet"):
            os.link(source, target)
        else:  # side files are rewritten by --day: a real copy keeps the cache intact
            shutil.copy2(source, target)

    shutil.copytree(zone, day_zone, copy_function=link_or_copy)
    step = run_measured(
        f"generate day {day} (scale {_scale_text(scale)})",
        [_bin("privacy-warehouse"), "generate", "--out", str(day_zone), "--day", day],
        env, PROJECT_ROOT, log_dir / f"generate-day-scale-{_scale_text(scale)}.log")
    if step.returncode != 0 or not zone_matches(day_zone, scale, seed, as_of, day):
        raise BenchError(f"appending day {day} to {day_zone} failed: see {step.log}")
    return day_zone, step


def zone_rows(zone: Path) -> dict[str, int]:
    meta = json.loads((zone / "_generator.json").read_text(encoding="utf-8"))
    return dict(meta.get("rows") or {})


def day_rows(day_zone: Path, day: str) -> dict[str, int]:
    """Rows of the day's batch per table, as the generator recorded them."""
    try:
        meta = json.loads((day_zone / "_generator.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {table: int(rows) for table, rows in
            sorted(((meta.get("day_batches") or {}).get(day) or {}).items())}


def _scale_text(scale: float) -> str:
    return str(int(scale)) if float(scale).is_integer() else str(scale)


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


class BenchError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------
# The floor (run in its own process: `python -m privacy_warehouse.bench floor ...`)
# --------------------------------------------------------------------------------------------


def landing_tables(zone: Path) -> dict[str, list[str]]:
    """`system.table` -> its Parquet files, for every table folder of the zone."""
    tables = {}
    for folder in sorted(p for p in zone.glob("*/*") if p.is_dir()):
        files = sorted(str(f) for f in folder.glob("*.parquet"))
        if files:
            tables[f"{folder.parent.name}.{folder.name}"] = files
    return tables


def forcing_expression(column: str, column_type: str) -> str:
    """A cheap aggregate that needs every value of the column decoded (not its statistics)."""
    quoted = '"' + column.replace('"', '""') + '"'
    kind = column_type.upper()
    if kind.startswith(("VARCHAR", "BLOB")):
        return f"sum(strlen(cast({quoted} as varchar)))" if kind == "BLOB" else \
            f"sum(strlen({quoted}))"
    if kind.startswith(("TIMESTAMP", "DATE", "TIME")):
        return f"sum(epoch({quoted}))"
    if kind == "BOOLEAN":
        return f"sum(cast({quoted} as integer))"
    if kind.startswith(("STRUCT", "LIST", "MAP")) or kind.endswith("]"):
        return f"sum(strlen(cast({quoted} as varchar)))"
    return f"sum({quoted})"


def floor_query(files: list[str], columns: list[tuple[str, str]]) -> str:
    file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    aggregates = ", ".join(forcing_expression(name, kind) for name, kind in columns)
    return (f"select count(*), {aggregates} "
            f"from read_parquet([{file_list}], union_by_name = true)")


def measure_floor(zone: Path, memory_limit: str) -> dict:
    import duckdb

    con = duckdb.connect()
    _run(con, f"set memory_limit = '{memory_limit}'")
    tables = {}
    started = time.perf_counter()
    for name, files in landing_tables(zone).items():
        file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        columns = [(row[0], row[1]) for row in con.execute(
            f"describe select * from read_parquet([{file_list}], union_by_name = true)").fetchall()]
        table_started = time.perf_counter()
        rows = con.execute(floor_query(files, columns)).fetchall()[0][0]
        tables[name] = {"rows": int(rows), "columns": len(columns), "files": len(files),
                        "seconds": round(time.perf_counter() - table_started, 3)}
    con.close()
    return {"seconds": round(time.perf_counter() - started, 3), "tables": tables}


# --------------------------------------------------------------------------------------------
# dbt's SQL without dbt (run in its own process: `python -m privacy_warehouse.bench direct ...`)
# --------------------------------------------------------------------------------------------


def models_in_dependency_order(manifest: dict) -> list[dict]:
    """Enabled, non-ephemeral models, parents before children (ties by unique_id)."""
    models = {uid: node for uid, node in manifest["nodes"].items()
              if node["resource_type"] == "model"
              and (node.get("config") or {}).get("enabled", True)}
    order, done, visiting = [], set(), set()

    def visit(uid: str) -> None:
        if uid in done:
            return
        if uid in visiting:
            raise BenchError(f"dependency cycle at {uid}")
        visiting.add(uid)
        for parent in sorted((models[uid].get("depends_on") or {}).get("nodes") or []):
            if parent in models:
                visit(parent)
        visiting.discard(uid)
        done.add(uid)
        order.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return [n for n in order if (n.get("config") or {}).get("materialized") != "ephemeral"]


def run_sql_path(target_path: Path, node: dict) -> Path:
    return target_path / "run" / node["package_name"] / node["original_file_path"]


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _run(con, sql: str) -> None:
    """Execute and drain (DuckDB 2.0 refuses a new query while a result is unread)."""
    con.execute(sql).fetchall()


def register_pseudonym_pads(con) -> None:
    """The HMAC pads of every purpose key, exactly as the dbt-duckdb plugin loads them (the
    plugin itself is not imported: that would import dbt, seconds, into the process whose time
    is compared with dbt's)."""
    import csv

    from privacy_warehouse.pseudonyms import load_master_key, load_pad_table, purpose_pads

    master_key = load_master_key(key_env_var="PSEUDONYMISATION_KEY",
                                 key_file_env_var="PSEUDONYMISATION_KEY_FILE",
                                 allow_key_file=True)
    with (PROJECT_ROOT / "seeds" / "policy" / "policy_purposes.csv").open(encoding="utf-8") as handle:
        purposes = [row["purpose"] for row in csv.DictReader(handle)]
    load_pad_table(con, purpose_pads(master_key, purposes))


def run_direct(database: Path, target_path: Path, memory_limit: str) -> dict:
    """Execute dbt's run SQL of every model in dependency order, in one connection."""
    import duckdb

    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    models = models_in_dependency_order(manifest)
    started = time.perf_counter()
    con = duckdb.connect(str(database))
    _run(con, f"set memory_limit = '{memory_limit}'")
    _run(con, "set preserve_insertion_order = false")  # as profiles.yml
    register_pseudonym_pads(con)
    # The on-run-start hook's views, re-created from the warehouse's own definitions.
    raw_views = con.execute("select sql from duckdb_views() where schema_name = 'raw' "
                            "and database_name = current_database()").fetchall()
    for (sql,) in raw_views:
        _run(con, sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
    setup = time.perf_counter() - started
    timings = {}
    for node in models:
        model_started = time.perf_counter()
        sql = run_sql_path(target_path, node).read_text(encoding="utf-8")
        relation = node.get("alias") or node["name"]
        schema = node["schema"]
        _run(con, sql)
        temporary = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, f"{relation}__dbt_tmp"]).fetchall()
        if temporary:  # the materialisation's swap: drop the old relation, rename the new one
            existing = con.execute(
                "select table_type from information_schema.tables "
                "where table_catalog = current_database() and table_schema = ? "
                "and table_name = ?", [schema, relation]).fetchall()
            if existing:
                kind = "view" if existing[0][0] == "VIEW" else "table"
                _run(con, f"drop {kind} {_q(schema)}.{_q(relation)}")
            kind = "view" if temporary[0][1] == "VIEW" else "table"
            _run(con, f"alter {kind} {_q(schema)}.{_q(relation + '__dbt_tmp')} "
                      f"rename to {_q(relation)}")
        timings[node["unique_id"]] = round(time.perf_counter() - model_started, 3)
    _run(con, "checkpoint")
    con.close()
    return {"seconds": round(time.perf_counter() - started, 3), "setup_seconds": round(setup, 3),
            "models": len(models), "raw_views": len(raw_views), "timings": timings}


# --------------------------------------------------------------------------------------------
# Validation alone (its own process: `python -m privacy_warehouse.bench validate ...`)
# --------------------------------------------------------------------------------------------


def run_validation(target_path: Path, published: Path, warehouse: Path, docs_dir: Path) -> dict:
    from privacy_warehouse.publish import load_build, published_nodes
    from privacy_warehouse.validate import ValidationSettings, validate_publication

    build = load_build(target_path)
    nodes = published_nodes(build.manifest)
    settings = ValidationSettings.from_project(build.project_dir, build.build_vars, build.as_of)
    started = time.perf_counter()
    report = validate_publication(published, warehouse, nodes, build.manifest, settings,
                                  build.run_id, docs_dir)
    return {"seconds": round(time.perf_counter() - started, 3), "success": report.success,
            "suites": len(report.suites),
            "expectations": sum(s.evaluated for s in report.suites)}


# --------------------------------------------------------------------------------------------
# dbt's own timings
# --------------------------------------------------------------------------------------------


def node_timings(run_results: dict) -> list[dict]:
    """Every result's execution time (the `execute` timing, else execution_time), slowest first.

    A hook's work happens while it compiles (its macro runs queries), so hooks count whole.
    """
    rows = []
    for result in run_results.get("results") or []:
        uid = result["unique_id"]
        seconds = float(result.get("execution_time") or 0.0) if uid.startswith("operation.") \
            else None
        for timing in result.get("timing") or []:
            if seconds is None and timing.get("name") == "execute" and timing.get("started_at") \
                    and timing.get("completed_at"):
                seconds = (_parse_time(timing["completed_at"])
                           - _parse_time(timing["started_at"])).total_seconds()
        if seconds is None:
            seconds = float(result.get("execution_time") or 0.0)
        rows.append({"unique_id": uid, "type": uid.split(".")[0], "name": _short_name(uid),
                     "status": result.get("status"), "seconds": round(seconds, 3)})
    return sorted(rows, key=lambda r: (-r["seconds"], r["unique_id"]))


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _short_name(unique_id: str) -> str:
    parts = unique_id.split(".")
    return ".".join(parts[2:]) if len(parts) > 2 else unique_id


OUT_OF_MEMORY = "Out of Memory Error"


def node_errors(run_results: dict) -> list[dict]:
    """The nodes that errored or failed, with the kind of error only (a message may quote data).

    DuckDB's out-of-memory message holds sizes only and is kept whole.
    """
    errors = []
    for result in run_results.get("results") or []:
        if result.get("status") not in ("error", "fail"):
            continue
        message = str(result.get("message") or "")
        oom = next((line.strip() for line in message.splitlines() if OUT_OF_MEMORY in line), None)
        kind = oom or (message.strip().splitlines()[0].split(":")[0][:120] if message else "")
        errors.append({"name": _short_name(result["unique_id"]), "status": result["status"],
                       "error": kind, "out_of_memory": oom is not None})
    return errors


def summarise_run(run_results: dict) -> dict:
    timings = node_timings(run_results)
    by_type: dict[str, dict] = {}
    for row in timings:
        entry = by_type.setdefault(row["type"], {"count": 0, "seconds": 0.0})
        entry["count"] += 1
        entry["seconds"] = round(entry["seconds"] + row["seconds"], 3)
    statuses: dict[str, int] = {}
    for row in timings:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return {
        "elapsed_time": round(float(run_results.get("elapsed_time") or 0.0), 3),
        "by_type": by_type,
        "statuses": statuses,
        "top_models": [r for r in timings if r["type"] == "model"][:TOP_N],
        "top_tests": [r for r in timings if r["type"] == "test"][:TOP_N],
        "hooks": [r for r in timings if r["type"] == "operation"],
        "errors": node_errors(run_results),
        "all": timings,
    }


# --------------------------------------------------------------------------------------------
# One scale
# --------------------------------------------------------------------------------------------


@dataclass
class Settings:
    scales: list[float]
    seed: int
    as_of: str
    memory_limit: str
    cache: Path
    work: Path
    results: Path
    skip_generate: bool = False
    skip_incremental: bool = False
    skip_overhead: bool = False
    skip_publish: bool = False
    threads: int | None = None
    deadline: float | None = None  # time.monotonic() after which optional steps are skipped


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env.setdefault("DBT_TARGET", "dev")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if not env.get("PSEUDONYMISATION_KEY") and not env.get("PSEUDONYMISATION_KEY_FILE"):
        env["PSEUDONYMISATION_KEY_FILE"] = str(PROJECT_ROOT / ".secrets" / "pseudonymisation.key")
    return env


def _dbt(env_bin: str, verb: list[str], as_of: str, target: Path, logs: Path,
         threads: int | None) -> list[str]:
    command = [env_bin, *verb, "--vars", json.dumps({"as_of": as_of}),
               "--target-path", str(target), "--log-path", str(logs)]
    if threads:
        command += ["--threads", str(threads)]
    return command


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _module_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "privacy_warehouse.bench", *args]


def _inner(step: StepResult) -> dict:
    """The JSON line a helper process printed last (its own timings)."""
    try:
        lines = Path(step.log).read_text(encoding="utf-8").strip().splitlines()
        return json.loads(lines[-1])
    except (OSError, IndexError, json.JSONDecodeError, TypeError):
        return {}


def bench_scale(scale: float, settings: Settings, result: dict,
                checkpoint: Callable[[], None] = lambda: None) -> None:
    """Measure one scale into `result` (filled step by step, so a failure keeps what was done)."""
    label = _scale_text(scale)
    work = settings.work / f"scale-{label}"
    if work.exists():
        shutil.rmtree(work)
    logs = work / "logs"
    logs.mkdir(parents=True)
    env = base_env()
    steps: dict[str, dict] = result.setdefault("steps", {})
    result.update({"scale": scale, "memory_limit": settings.memory_limit, "work_dir": str(work)})

    def record(key: str, step: StepResult) -> StepResult:
        steps[key] = asdict(step)
        result["derived"] = derive(result)
        checkpoint()
        return step

    def out_of_time(what: str, build_multiple: float = 1.0) -> bool:
        """Whether the step would end after the deadline (expected: a multiple of the build)."""
        expected = build_multiple * steps.get("build", {}).get("wall_s", 0.0)
        if settings.deadline is not None and time.monotonic() + expected > settings.deadline:
            say(f"time budget: skipping {what} at scale {label} (expected ~{expected:.0f} s)")
            result.setdefault("skipped", []).append(what)
            checkpoint()
            return True
        return False

    if settings.skip_generate:
        zone = settings.cache / f"scale-{label}"
        if not zone_matches(zone, scale, settings.seed, settings.as_of):
            raise BenchError(f"--skip-generate: no cached zone for scale {label} at {zone}")
    else:
        zone, generated = ensure_zone(settings.cache, scale, settings.seed, settings.as_of, env,
                                      logs)
        if generated:
            record("generate", generated)
    result["landing_zone"] = str(zone)
    result["rows"] = zone_rows(zone)

    warehouse = work / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    run_env = {**env, "RAW_DATA_DIR": str(zone), "DUCKDB_PATH": str(warehouse),
               "PUBLISH_DIR": str(work / "publish"), "EVIDENCE_DIR": str(work / "evidence"),
               "DUCKDB_MEMORY_LIMIT": settings.memory_limit}
    dbt_bin = _bin("dbt")

    # The floor: best of two (the build reads from the page cache too).
    floors = []
    for attempt in (1, 2):
        step = run_measured(f"floor {attempt} (scale {label})",
                            _module_command("floor", "--zone", str(zone), "--memory-limit",
                                            settings.memory_limit),
                            run_env, PROJECT_ROOT, logs / f"floor-{attempt}.log")
        _check(step)
        floors.append((_inner(step), step))
    floor_inner, floor_step = min(floors, key=lambda pair: pair[0]["seconds"])
    result["floor"] = {**floor_inner, "runs_seconds": [f[0]["seconds"] for f in floors]}
    record("floor", floor_step)

    # 1. The full build, every test.
    build_target = work / "target-build"
    step = run_measured(f"dbt build (scale {label})",
                        _dbt(dbt_bin, ["build"], settings.as_of, build_target, logs / "dbt-build",
                             settings.threads),
                        run_env, PROJECT_ROOT, logs / "dbt-build.log")
    if (build_target / "run_results.json").exists():
        result["build_nodes"] = summarise_run(_read_json(build_target / "run_results.json"))
    record("build", step)
    _check(step)

    # 2. Publish (with its validation), and the validation alone.
    if not settings.skip_publish and not out_of_time("publish", 0.3):
        step = run_measured(f"publish (scale {label})",
                            [_bin("privacy-warehouse"), "publish", "--target-path",
                             str(build_target), "--vars", json.dumps({"as_of": settings.as_of})],
                            run_env, PROJECT_ROOT, logs / "publish.log")
        record("publish", step)
        _check(step)
        step = run_measured(f"validation alone (scale {label})",
                            _module_command("validate", "--target-path", str(build_target),
                                            "--published",
                                            str(work / "publish" / "analytics.duckdb"),
                                            "--warehouse", str(warehouse), "--docs-dir",
                                            str(work / "validation-docs")),
                            run_env, PROJECT_ROOT, logs / "validate.log")
        step.extra = _inner(step)
        record("validation", step)
        _check(step)
        shutil.rmtree(work / "publish", ignore_errors=True)

    # 3. dbt's overhead: dbt run against the same SQL in one connection.
    if not settings.skip_overhead and not out_of_time("dbt run / direct SQL", 1.0):
        run_target = work / "target-run"
        step = run_measured(f"dbt run --full-refresh (scale {label})",
                            _dbt(dbt_bin, ["run", "--full-refresh"], settings.as_of, run_target,
                                 logs / "dbt-run", settings.threads),
                            run_env, PROJECT_ROOT, logs / "dbt-run.log")
        if (run_target / "run_results.json").exists():
            result["run_nodes"] = summarise_run(_read_json(run_target / "run_results.json"))
        record("run", step)
        _check(step)
        if not out_of_time("direct SQL", 1.0):
            direct_db = work / "direct" / warehouse.name  # same name: same catalog in the SQL
            direct_db.parent.mkdir()
            shutil.copy2(warehouse, direct_db)
            step = run_measured(f"same SQL in one DuckDB connection (scale {label})",
                                _module_command("direct", "--database", str(direct_db),
                                                "--target-path", str(run_target),
                                                "--memory-limit", settings.memory_limit),
                                run_env, PROJECT_ROOT, logs / "direct.log")
            direct = _inner(step)
            timings = direct.pop("timings", {})
            direct["top_models"] = [{"unique_id": uid, "name": _short_name(uid), "seconds": s}
                                    for uid, s in sorted(timings.items(),
                                                         key=lambda kv: (-kv[1], kv[0]))[:TOP_N]]
            step.extra = direct
            shutil.rmtree(direct_db.parent, ignore_errors=True)
            record("direct", step)
            _check(step)

    # 4. The incremental day, over a copy of the built warehouse.
    if not settings.skip_incremental and not out_of_time("incremental day", 1.0):
        day = (dt.date.fromisoformat(settings.as_of) + dt.timedelta(days=1)).isoformat()
        day_zone, generated = ensure_day_zone(zone, scale, settings.seed, settings.as_of, day,
                                              env, logs)
        if generated:
            record("generate_day", generated)
        result["incremental_day"] = {"day": day, "landing_zone": str(day_zone),
                                     "rows_added": day_rows(day_zone, day)}
        inc_warehouse = work / "incremental" / warehouse.name
        inc_warehouse.parent.mkdir()
        shutil.copy2(warehouse, inc_warehouse)
        inc_target = work / "target-incremental"
        step = run_measured(f"dbt build after one day (scale {label})",
                            _dbt(dbt_bin, ["build"], day, inc_target, logs / "dbt-incremental",
                                 settings.threads),
                            {**run_env, "RAW_DATA_DIR": str(day_zone),
                             "DUCKDB_PATH": str(inc_warehouse)}, PROJECT_ROOT,
                            logs / "dbt-incremental.log")
        if (inc_target / "run_results.json").exists():
            result["incremental_nodes"] = summarise_run(
                _read_json(inc_target / "run_results.json"))
            result["incremental_day"]["incremental_models"] = incremental_models(
                _read_json(inc_target / "manifest.json"))
        record("incremental", step)
        shutil.rmtree(inc_warehouse.parent, ignore_errors=True)
        _check(step)

    # Warehouses are big and not results: keep only the logs and dbt's artifacts.
    for leftover in ("warehouse", "publish", "validation-docs", "incremental", "direct"):
        shutil.rmtree(work / leftover, ignore_errors=True)


def incremental_models(manifest: dict) -> list[str]:
    return sorted(n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model"
                  and (n.get("config") or {}).get("materialized") == "incremental")


def _check(step: StepResult) -> None:
    if step.returncode != 0:
        tail = ""
        if step.log:
            try:
                tail = "\n".join(Path(step.log).read_text(encoding="utf-8", errors="replace")
                                 .splitlines()[-30:])
            except OSError:
                pass
        raise BenchError(f"{step.name} failed (exit {step.returncode}); log {step.log}:\n{tail}")


def derive(result: dict) -> dict:
    """The ratios the targets are about (of steps that succeeded: a failed one proves nothing)."""
    steps = result.get("steps") or {}
    wall = {name: step["wall_s"] for name, step in steps.items() if not step.get("returncode")}
    derived: dict = {}
    floor = (result.get("floor") or {}).get("seconds")
    if "run" in wall and floor:
        derived["run_over_floor"] = round(wall["run"] / floor, 2)
    if "build" in wall and floor:
        derived["build_over_floor"] = round(wall["build"] / floor, 2)
    if "run" in wall and "direct" in wall and wall["run"]:
        derived["overhead_seconds"] = round(wall["run"] - wall["direct"], 3)
        derived["overhead_share"] = round((wall["run"] - wall["direct"]) / wall["run"], 4)
    if "incremental" in wall and "build" in wall and wall["build"]:
        derived["incremental_share"] = round(wall["incremental"] / wall["build"], 4)
    nodes = result.get("build_nodes") or {}
    by_type = nodes.get("by_type") or {}
    if by_type:
        derived["build_model_seconds"] = (by_type.get("model") or {}).get("seconds", 0.0)
        derived["build_test_seconds"] = (by_type.get("test") or {}).get("seconds", 0.0)
        derived["build_hook_seconds"] = (by_type.get("operation") or {}).get("seconds", 0.0)
    return derived


# --------------------------------------------------------------------------------------------
# The targets, the machine, the files
# --------------------------------------------------------------------------------------------


def evaluate_targets(scales: list[dict]) -> list[dict]:
    """The issue's targets, each judged on the largest scale where it was measured.

    The issue sets them for scale 10; when a step was not run there (failed, or skipped for the
    time budget) the target shows the largest scale that has it, and says so.
    """
    if not scales:
        return []
    largest = max(s["scale"] for s in scales)
    by_size = sorted(scales, key=lambda s: -s["scale"])
    targets = []

    def judged_on(has) -> dict | None:
        return next((s for s in by_size if has(s.get("steps") or {}, s.get("derived") or {})),
                    None)

    def add(key: str, text: str, limit: str, scale: dict | None, measure) -> None:
        if scale is None:
            targets.append({"key": key, "target": f"{text} (scale {_scale_text(largest)})",
                            "limit": limit, "scale": None, "measured": None,
                            "shown": "not measured", "status": "n/a"})
            return
        label = f"scale {_scale_text(scale['scale'])}"
        if scale["scale"] != largest:
            label += f"; not measured at scale {_scale_text(largest)}"
        measured, shown, ok = measure(scale.get("steps") or {}, scale.get("derived") or {},
                                      scale)
        targets.append({"key": key, "target": f"{text} ({label})", "limit": limit,
                        "scale": scale["scale"], "measured": measured, "shown": shown,
                        "status": "pass" if ok else "miss"})

    with_build = judged_on(lambda steps, derived: "build" in steps)
    add("build_seconds", "full build with all tests", f"< {TARGET_BUILD_SECONDS:.0f} s",
        with_build, lambda st, d, s: (st["build"]["wall_s"], f"{st['build']['wall_s']:.1f} s"
                                      + ("" if st["build"]["returncode"] == 0 else " (failed)"),
                                      st["build"]["returncode"] == 0
                                      and st["build"]["wall_s"] < TARGET_BUILD_SECONDS))
    add("peak_memory", "peak memory of the build, process tree",
        f"< {TARGET_PEAK_BYTES / 1024**3:.0f} GiB", with_build,
        lambda st, d, s: (st["build"]["peak_rss_bytes"], _gib(st["build"]["peak_rss_bytes"]),
                          st["build"]["peak_rss_bytes"] < TARGET_PEAK_BYTES))
    memory_limit = (with_build or {}).get("memory_limit", DEFAULT_MEMORY_LIMIT)
    def bounded(st: dict, d: dict, s: dict) -> tuple:
        errors = (s.get("build_nodes") or {}).get("errors") or []
        oom = [e["name"] for e in errors if e.get("out_of_memory")]
        if oom:
            shown = "out of memory in " + ", ".join(f"`{name}`" for name in oom)
        elif st["build"]["returncode"] == 0:
            shown = "completed"
        else:
            shown = f"exit {st['build']['returncode']} (not for memory)"
        return st["build"]["returncode"], shown, not oom and st["build"]["returncode"] == 0

    add("bounded_memory", f"build completes under DuckDB memory_limit {memory_limit}",
        "no out-of-memory", with_build, bounded)
    add("floor_multiple", "full build without tests (`dbt run`) vs the floor",
        f"< {TARGET_FLOOR_MULTIPLE:.0f} x floor",
        judged_on(lambda steps, derived: "run_over_floor" in derived),
        lambda st, d, s: (d["run_over_floor"],
                          f"{d['run_over_floor']:.1f} x ({st['run']['wall_s']:.1f} s / "
                          f"{s['floor']['seconds']:.1f} s)",
                          d["run_over_floor"] < TARGET_FLOOR_MULTIPLE))
    add("overhead_share", "dbt's overhead: (dbt run - same SQL direct) / dbt run",
        f"< {TARGET_OVERHEAD_SHARE:.0%}",
        judged_on(lambda steps, derived: "overhead_share" in derived),
        lambda st, d, s: (d["overhead_share"],
                          f"{d['overhead_share']:.0%} ({d['overhead_seconds']:.1f} s)",
                          d["overhead_share"] < TARGET_OVERHEAD_SHARE))
    add("incremental_share", "one incremental day vs the full build",
        f"< {TARGET_INCREMENTAL_SHARE:.0%}",
        judged_on(lambda steps, derived: "incremental_share" in derived),
        lambda st, d, s: (d["incremental_share"],
                          f"{d['incremental_share']:.0%} ({st['incremental']['wall_s']:.1f} s)",
                          d["incremental_share"] < TARGET_INCREMENTAL_SHARE))
    return targets


def _gib(n: int | float) -> str:
    return f"{n / 1024**3:.2f} GiB"


def machine_info() -> dict:
    info: dict = {"cores": os.cpu_count(),
                  "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_bytes"] = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                info["os"] = line.split("=", 1)[1].strip('"')
    except OSError:
        info["os"] = platform.system()
    info["kernel"] = platform.release()
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "great-expectations"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------------------------
# Rendering: Markdown and SVG
# --------------------------------------------------------------------------------------------

STEP_LABELS = [
    ("generate", "generate landing zone (not cached)"),
    ("floor", "floor: read every column of every raw table once"),
    ("build", "full `dbt build` (seeds, models, tests)"),
    ("run", "`dbt run --full-refresh` (models only)"),
    ("direct", "same run SQL, one DuckDB connection"),
    ("publish", "`privacy-warehouse publish` (incl. validation)"),
    ("validation", "validation alone (Great Expectations)"),
    ("generate_day", "generate one day's batch"),
    ("incremental", "`dbt build` after one day landed"),
]


def _seconds(step: dict | None, floor: dict | None = None) -> str:
    if step is None:
        return "–"
    text = f"{step['wall_s']:.1f} s"
    if step.get("returncode"):
        text += f" (exit {step['returncode']})"
    return text


def render_markdown(report: dict) -> str:
    machine = report["machine"]
    scales = report["scales"]
    lines = [f"# Benchmark {report['date']} (commit {report['git_commit']})", ""]
    lines += ["Measured by `make bench` (`privacy-warehouse bench`); how each figure is taken is "
              "in `src/privacy_warehouse/bench.py`.", ""]
    lines += ["## Targets (issue 8)", "", "| target | limit | measured | |", "|---|---|---|---|"]
    for target in report["targets"]:
        lines.append(f"| {target['target']} | {target['limit']} | {target['shown']} | "
                     f"**{target['status']}** |")
    lines += ["", "## Steps", ""]
    header = "| step | " + " | ".join(
        f"scale {_scale_text(s['scale'])} time | peak RSS" for s in scales) + " |"
    lines += [header, "|---|" + "---|---|" * len(scales)]
    for key, label in STEP_LABELS:
        if not any(key in (s.get("steps") or {}) for s in scales):
            continue
        cells = []
        for s in scales:
            step = (s.get("steps") or {}).get(key)
            shown_time = f"{s['floor']['seconds']:.1f} s" if key == "floor" and step else \
                _seconds(step)
            cells += [shown_time, _mib(step["peak_rss_bytes"]) if step else "–"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | " + " | ".join(f"scale {_scale_text(s['scale'])}" for s in scales)
              + " |", "|---|" + "---|" * len(scales)]
    for key, label, fmt in [
        ("build_over_floor", "full build / floor", "{:.1f} x"),
        ("run_over_floor", "`dbt run` / floor", "{:.1f} x"),
        ("overhead_share", "dbt's overhead share of `dbt run`", "{:.0%}"),
        ("incremental_share", "incremental day / full build", "{:.0%}"),
        ("build_model_seconds", "sum of model times in the build", "{:.1f} s"),
        ("build_test_seconds", "sum of test times in the build", "{:.1f} s"),
        ("build_hook_seconds", "on-run-start hook (landing checks) in the build", "{:.1f} s"),
    ]:
        cells = [fmt.format(s["derived"][key]) if key in (s.get("derived") or {}) else "–"
                 for s in scales]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rows_line = []
    for s in scales:
        rows = s.get("rows") or {}
        rows_line.append(f"scale {_scale_text(s['scale'])}: {sum(rows.values()):,} landed rows "
                         f"({rows.get('booking.customers', 0):,} customers, "
                         f"{rows.get('booking.orders', 0):,} orders, "
                         f"{rows.get('web.page_views', 0):,} page views)")
    lines += ["", "Data: " + "; ".join(rows_line) + f"; seed {report['settings']['seed']}, "
              f"as_of {report['settings']['as_of']}, DuckDB memory_limit "
              f"{report['settings']['memory_limit']}.", ""]
    for s in scales:
        inc = s.get("incremental_day")
        if inc:
            added = ", ".join(f"{t} +{n:,}" for t, n in sorted(inc["rows_added"].items()))
            models = ", ".join(inc.get("incremental_models") or []) or "none (full rebuild)"
            build = (s.get("steps") or {}).get("incremental")
            took = f", `dbt build` {build['wall_s']:.1f} s" if build else ""
            lines.append(f"Incremental day at scale {_scale_text(s['scale'])}: {inc['day']} "
                         f"({added}){took}; incremental models: {models}.")
    for s in scales:
        for key, what in (("build_nodes", "full build"), ("run_nodes", "`dbt run`"),
                          ("incremental_nodes", "build after one day")):
            for error in (s.get(key) or {}).get("errors") or []:
                lines.append(f"Failed in the {what} at scale {_scale_text(s['scale'])}: "
                             f"`{error['name']}` ({error['status']}): {error['error']}.")
        if s.get("skipped"):
            lines.append(f"Not run at scale {_scale_text(s['scale'])}: "
                         f"{', '.join(s['skipped'])} (time budget).")
    lines.append("")
    for s in scales:
        label = _scale_text(s["scale"])
        nodes = s.get("build_nodes") or {}
        for kind in ("models", "tests"):
            top = nodes.get(f"top_{kind}") or []
            if not top:
                continue
            lines += [f"### Slowest {kind} in the full build, scale {label}", "",
                      "| # | " + kind[:-1] + " | seconds |", "|---|---|---|"]
            lines += [f"| {i} | `{row['name']}` | {row['seconds']:.2f} |"
                      for i, row in enumerate(top, 1)]
            lines.append("")
    lines += ["## Machine", "", "| | |", "|---|---|"]
    for key, label in [("cpu", "CPU"), ("cores", "cores"), ("ram_bytes", "RAM"), ("os", "OS"),
                       ("kernel", "kernel"), ("python", "Python"), ("dbt-core", "dbt-core"),
                       ("dbt-duckdb", "dbt-duckdb"), ("duckdb", "DuckDB"),
                       ("load_average_at_start", "load average at start"),
                       ("load_average_at_end", "load average at end")]:
        value = machine.get(key)
        if key == "ram_bytes" and value:
            value = _gib(value)
        if isinstance(value, list):
            value = " / ".join(str(v) for v in value)
        lines.append(f"| {label} | {value if value is not None else '–'} |")
    lines += ["", "## How to read it", ""]
    lines += [f"- {note}" for note in report["notes"]]
    lines.append("")
    return "\n".join(lines)


def _mib(n: int | None) -> str:
    return "–" if not n else f"{n / 1024**2:,.0f} MiB"


CHART_SERIES = [
    ("build", "full dbt build", "#1f77b4"),
    ("run", "dbt run (no tests)", "#ff7f0e"),
    ("direct", "same SQL, one connection", "#2ca02c"),
    ("incremental", "build after one day", "#9467bd"),
    ("publish", "publish (incl. validation)", "#8c564b"),
    ("floor", "floor (read all raw)", "#7f7f7f"),
]


def render_svg(report: dict, width: int = 760, height: int = 440) -> str:
    """Time against scale, one line per step, both axes logarithmic (the floor is seconds, a
    build can be half an hour). A step that failed is drawn as a hollow point, marked failed."""
    import math

    scales = sorted(report["scales"], key=lambda s: s["scale"])
    series = []
    for key, label, colour in CHART_SERIES:
        points = []
        for s in scales:
            if key == "floor" and s.get("floor"):
                points.append((s["scale"], s["floor"]["seconds"], False))
            elif key in (s.get("steps") or {}):
                step = s["steps"][key]
                points.append((s["scale"], step["wall_s"], bool(step.get("returncode"))))
        if points:
            series.append((label, colour, points))
    left, right, top, bottom = 60, 230, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [s["scale"] for s in scales] or [1]
    x_min, x_max = math.log10(min(xs)), math.log10(max(xs))
    if x_max == x_min:
        x_min, x_max = x_min - 0.5, x_max + 0.5
    values = [max(y, 0.01) for _, _, pts in series for _, y, _ in pts] or [1.0]
    y_low = math.floor(math.log10(min(values)))
    y_high = max(math.ceil(math.log10(max(values))), y_low + 1)

    def px(x: float) -> float:
        return left + (math.log10(x) - x_min) / (x_max - x_min) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (math.log10(max(y, 0.01)) - y_low) / (y_high - y_low) * plot_h

    title = f"Time against scale ({report['date']}, {report['machine'].get('cores')} cores)"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">'
           f'{escape(title)}</text>']
    for power in range(y_low, y_high + 1):
        y = 10.0 ** power
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + plot_w}" y2="{py(y):.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for x in xs:
        out.append(f'<line x1="{px(x):.1f}" y1="{top}" x2="{px(x):.1f}" y2="{top + plot_h}" '
                   'stroke="#eee"/>')
        out.append(f'<text x="{px(x):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                   f'scale {escape(_scale_text(x))}</text>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
               'scale (log)</text>')
    out.append(f'<text x="16" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + plot_h / 2:.1f})">seconds (wall clock, log)</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#999"/>')
    for index, (label, colour, points) in enumerate(series):
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y, _ in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                   'stroke-width="2"/>')
        for x, y, failed in points:
            fill = "white" if failed else colour
            note = " (failed)" if failed else ""
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{fill}" '
                       f'stroke="{colour}" stroke-width="2">'
                       f'<title>{escape(label)}: {y:.1f} s at scale {escape(_scale_text(x))}'
                       f'{note}</title></circle>')
            if failed:
                out.append(f'<text x="{px(x) - 8:.1f}" y="{py(y) - 8:.1f}" text-anchor="end" '
                           f'fill="{colour}">failed after {y:.0f} s</text>')
        legend_y = top + 10 + index * 20
        out.append(f'<line x1="{left + plot_w + 15}" y1="{legend_y}" x2="{left + plot_w + 35}" '
                   f'y2="{legend_y}" stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text x="{left + plot_w + 40}" y="{legend_y + 4}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


NOTES = [
    "Wall clock of each step as a separate process (Python start-up and dbt's parse included). "
    "Peak memory: RSS summed over the step's process tree, sampled every 0.1 s from /proc, and "
    "at least the kernel's peak RSS of the process (`wait4`); shared pages counted per process.",
    "Floor: one query per raw table over all its Parquet files reading every column "
    "(`sum(strlen(text))`, `sum(epoch(time))`, `sum(number)`; min/max/count would be read from "
    "the Parquet statistics), best of two runs, files in the page cache.",
    "dbt's overhead: `dbt run --full-refresh` against the SQL it executed (`target/run/`) run in "
    "dependency order in one DuckDB connection of a copy of the warehouse, with the `pseudonym` "
    "function registered as the dbt-duckdb plugin does and the `raw` views re-created; the "
    "direct run skips the landing hook's schema checks and dbt's parse (dbt's cost).",
    "The direct run executes one model at a time; dbt runs two at once (`threads: 2`), so "
    "when models overlap well the overhead can come out negative.",
    "Incremental day: the next day's batch (`generate --day`) appended to a copy of the zone, "
    "then `dbt build` with as_of = that day over the fully built warehouse. If no model is "
    "incremental yet, this is a full rebuild.",
    "Noisy: the machine has few cores and other work may run beside the benchmark (see the load "
    "averages); compare runs on the same machine only.",
]


# --------------------------------------------------------------------------------------------
# The whole benchmark
# --------------------------------------------------------------------------------------------


def bench(settings: Settings) -> dict:
    machine = machine_info()
    report = {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_head(),
        "machine": machine,
        "settings": {"scales": settings.scales, "seed": settings.seed, "as_of": settings.as_of,
                     "memory_limit": settings.memory_limit, "threads": settings.threads},
        "scales": [],
        "errors": [],
    }
    def checkpoint() -> None:
        finish(report)
        write_results(report, settings.results)

    for scale in settings.scales:
        say(f"=== scale {_scale_text(scale)} ===")
        result: dict = {"scale": scale}
        report["scales"].append(result)
        try:
            bench_scale(scale, settings, result, checkpoint)
        except BenchError as error:
            say(str(error))
            report["errors"].append({"scale": scale, "error": str(error).splitlines()[0]})
        checkpoint()
    return report


def finish(report: dict) -> None:
    """Derived parts of the report, from what has been measured so far."""
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["targets"] = evaluate_targets(report["scales"])
    report["notes"] = list(NOTES) + [f"Failed: scale {_scale_text(e['scale'])}: {e['error']}"
                                     for e in report["errors"]]
    for result in report["scales"]:
        if result.get("skipped"):
            report["notes"].append(f"Scale {_scale_text(result['scale'])}: skipped for the time "
                                   f"budget: {', '.join(result['skipped'])}.")


def write_results(report: dict, results_dir: Path) -> list[Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = results_dir / report["date"]
    paths = [stem.with_suffix(".json"), stem.with_suffix(".md"), stem.with_suffix(".svg")]
    compact = json.loads(json.dumps(report))
    for scale in compact["scales"]:  # every node's time stays; paths of the work dir do not
        for key in ("build_nodes", "run_nodes", "incremental_nodes"):
            if key in scale:
                scale[key]["all"] = [{k: r[k] for k in ("name", "type", "status", "seconds")}
                                     for r in scale[key]["all"]]
    paths[0].write_text(json.dumps(compact, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(render_svg(report), encoding="utf-8")
    return paths


def _scales(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of scales: {text!r}") from error
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("scales must be positive numbers, e.g. 1,10")
    return values


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark the build at several scales (issue 8)",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=_scales, default=[1.0, 10.0],
                        help="comma-separated scales (default: 1,10)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, dest="as_of",
                        help=f"as_of of the zones and builds (default {DEFAULT_AS_OF}, fixed so "
                             "that runs compare)")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT, dest="memory_limit",
                        help="DuckDB memory_limit for every step (default 2GB, issue 8 item 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="dbt --threads (default: the profile's)")
    parser.add_argument("--bench-dir", type=Path, default=PROJECT_ROOT / "bench",
                        help="cache/, work/ and results/ live here (default: bench/)")
    parser.add_argument("--skip-generate", action="store_true",
                        help="use cached landing zones only; fail if one is missing")
    parser.add_argument("--skip-incremental", action="store_true", help="no incremental day")
    parser.add_argument("--skip-overhead", action="store_true",
                        help="no dbt run / direct SQL comparison")
    parser.add_argument("--skip-publish", action="store_true", help="no publish or validation")
    parser.add_argument("--time-budget", type=float, dest="time_budget",
                        default=float(os.environ.get("BENCH_TIME_BUDGET_MINUTES") or 0) or None,
                        help="minutes; once spent, the optional steps not yet begun are skipped "
                             "and the report says so (default: $BENCH_TIME_BUDGET_MINUTES, none)")
    parser.add_argument("--render", type=Path, default=None, metavar="JSON",
                        help="only write the Markdown and SVG again from a results JSON")
    parser.set_defaults(func=run)


def render_only(json_path: Path) -> list[Path]:
    """Write the Markdown and SVG again from a results JSON (after a change to the rendering)."""
    report = json.loads(json_path.read_text(encoding="utf-8"))
    for result in report.get("scales") or []:
        inc = result.get("incremental_day")
        if inc and not inc.get("rows_added") and inc.get("landing_zone"):
            inc["rows_added"] = day_rows(Path(inc["landing_zone"]), inc["day"])
        for key, folder in (("build_nodes", "target-build"), ("run_nodes", "target-run"),
                            ("incremental_nodes", "target-incremental")):
            work = Path(result.get("work_dir") or json_path.resolve().parent.parent / "work"
                        / f"scale-{_scale_text(result['scale'])}")
            run_results = work / folder / "run_results.json"
            if key in result and run_results.exists():  # dbt's artifacts are still there
                result[key] = summarise_run(_read_json(run_results))
        result["derived"] = derive(result)
    report["targets"] = evaluate_targets(report.get("scales") or [])
    return write_results(report, json_path.parent)


def run(args: argparse.Namespace) -> int:
    if args.render:
        paths = render_only(args.render)
        say("wrote " + ", ".join(_shorten(str(p)) for p in paths))
        return 0
    as_of = dt.date.fromisoformat(args.as_of).isoformat()
    settings = Settings(
        scales=args.scales, seed=args.seed, as_of=as_of, memory_limit=args.memory_limit,
        cache=args.bench_dir / "cache", work=args.bench_dir / "work",
        results=args.bench_dir / "results", skip_generate=args.skip_generate,
        skip_incremental=args.skip_incremental, skip_overhead=args.skip_overhead,
        skip_publish=args.skip_publish, threads=args.threads,
        deadline=time.monotonic() + args.time_budget * 60 if args.time_budget else None)
    report = bench(settings)
    finish(report)
    paths = write_results(report, settings.results)
    for target in report["targets"]:
        say(f"{target['status']:>4}  {target['target']}: {target['shown']} ({target['limit']})")
    say("wrote " + ", ".join(_shorten(str(p)) for p in paths))
    return 1 if report["errors"] else 0


# --------------------------------------------------------------------------------------------
# Helper processes
# --------------------------------------------------------------------------------------------


def _helper_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m privacy_warehouse.bench")
    sub = parser.add_subparsers(dest="helper", required=True)
    floor = sub.add_parser("floor")
    floor.add_argument("--zone", type=Path, required=True)
    floor.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    direct = sub.add_parser("direct")
    direct.add_argument("--database", type=Path, required=True)
    direct.add_argument("--target-path", type=Path, required=True)
    direct.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    validate = sub.add_parser("validate")
    validate.add_argument("--target-path", type=Path, required=True)
    validate.add_argument("--published", type=Path, required=True)
    validate.add_argument("--warehouse", type=Path, required=True)
    validate.add_argument("--docs-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.helper == "floor":
        outcome = measure_floor(args.zone, args.memory_limit)
    elif args.helper == "direct":
        outcome = run_direct(args.database, args.target_path, args.memory_limit)
    else:
        outcome = run_validation(args.target_path, args.published, args.warehouse, args.docs_dir)
    print(json.dumps(outcome), flush=True)
    return 0 if outcome.get("success", True) else 1


if __name__ == "__main__":
    sys.exit(_helper_main(sys.argv[1:]))
