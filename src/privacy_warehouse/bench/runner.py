"""The benchmark itself: landing zones, the steps of one scale, what is derived from them and the targets."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from privacy_warehouse.bench.common import (
    DEFAULT_MEMORY_LIMIT,
    PROJECT_ROOT,
    TOP_N,
    BenchError,
    _scale_text,
    _shorten,
    say,
)
from privacy_warehouse.bench.memory import StepResult, run_measured
from privacy_warehouse.bench.render import _gib, write_results
from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS, read_artifact

# The targets. Each: key, text, how it is measured.
# Issue 14's targets (scale 10, DuckDB memory_limit 2 GB).
TARGET_BUILD_SECONDS = 180.0
TARGET_PEAK_BYTES = 3 * 1024**3
TARGET_FLOOR_MULTIPLE = 40.0
TARGET_OVERHEAD_SHARE = 0.25
TARGET_INCREMENTAL_SHARE = 0.10
TARGET_PUBLISH_SECONDS = 60.0
TARGET_PUBLISH_PEAK_BYTES = 2 * 1024**3
# Issue 20: at scale 1, the day's build (after one landed day) in under 10 s.
TARGET_SMALL_DAY_SECONDS = 10.0


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


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


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
    if (build_target / RUN_RESULTS).exists():
        result["build_nodes"] = summarise_run(read_artifact(build_target, RUN_RESULTS))
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
        if (run_target / RUN_RESULTS).exists():
            result["run_nodes"] = summarise_run(read_artifact(run_target, RUN_RESULTS))
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
        if (inc_target / RUN_RESULTS).exists():
            result["incremental_nodes"] = summarise_run(
                read_artifact(inc_target, RUN_RESULTS))
            result["incremental_day"]["incremental_models"] = incremental_models(
                read_artifact(inc_target, MANIFEST))
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
    with_publish = judged_on(lambda steps, derived: "publish" in steps)
    add("publish_seconds", "publish with validation", f"< {TARGET_PUBLISH_SECONDS:.0f} s",
        with_publish, lambda st, d, s: (st["publish"]["wall_s"], f"{st['publish']['wall_s']:.1f} s",
                                        st["publish"]["returncode"] == 0
                                        and st["publish"]["wall_s"] < TARGET_PUBLISH_SECONDS))
    add("publish_peak_memory", "peak memory of the publish, process tree",
        f"< {TARGET_PUBLISH_PEAK_BYTES / 1024**3:.0f} GiB", with_publish,
        lambda st, d, s: (st["publish"]["peak_rss_bytes"], _gib(st["publish"]["peak_rss_bytes"]),
                          st["publish"]["peak_rss_bytes"] < TARGET_PUBLISH_PEAK_BYTES))
    add("incremental_share", "one incremental day vs the full build",
        f"< {TARGET_INCREMENTAL_SHARE:.0%}",
        judged_on(lambda steps, derived: "incremental_share" in derived),
        lambda st, d, s: (d["incremental_share"],
                          f"{d['incremental_share']:.0%} ({st['incremental']['wall_s']:.1f} s)",
                          d["incremental_share"] < TARGET_INCREMENTAL_SHARE))
    small = next((s for s in scales if s["scale"] == 1.0
                  and "incremental" in (s.get("steps") or {})), None)
    if small is None:
        targets.append({"key": "small_day_seconds", "target": "one incremental day (scale 1)",
                        "limit": f"< {TARGET_SMALL_DAY_SECONDS:.0f} s", "scale": None,
                        "measured": None, "shown": "not measured", "status": "n/a"})
    else:
        day = small["steps"]["incremental"]
        targets.append({"key": "small_day_seconds", "target": "one incremental day (scale 1)",
                        "limit": f"< {TARGET_SMALL_DAY_SECONDS:.0f} s", "scale": 1.0,
                        "measured": day["wall_s"], "shown": f"{day['wall_s']:.1f} s",
                        "status": "pass" if day["returncode"] == 0
                        and day["wall_s"] < TARGET_SMALL_DAY_SECONDS else "miss"})
    return targets


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


NOTES = [
    "Wall clock of each step as a separate process (Python start-up and dbt's parse included). "
    "Peak memory: RSS summed over the step's process tree, sampled every 0.1 s from /proc, and "
    "at least the kernel's peak RSS of the process (`wait4`); shared pages counted per process.",
    "Floor: one query per raw table over all its Parquet files reading every column "
    "(`sum(strlen(text))`, `sum(epoch(time))`, `sum(number)`; min/max/count would be read from "
    "the Parquet statistics), best of two runs, files in the page cache.",
    "dbt's overhead: `dbt run --full-refresh` against the SQL it executed (`target/run/`) run in "
    "dependency order in one DuckDB connection of a copy of the warehouse, with the pseudonym "
    "pads loaded as the dbt-duckdb plugin loads them and the `raw` views re-created; the "
    "direct run skips the landing hook's schema checks and dbt's parse (dbt's cost).",
    "The direct run executes one model at a time; dbt runs two at once (`threads: 2`), so "
    "when models overlap well the overhead can come out negative.",
    "Incremental day: the next day's batch (`generate --day`) appended to a copy of the zone, "
    "then `dbt build` with as_of = that day over the fully built warehouse. If no model is "
    "incremental yet, this is a full rebuild.",
    "Noisy: the machine has few cores and other work may run beside the benchmark (see the load "
    "averages); compare runs on the same machine only.",
]


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
