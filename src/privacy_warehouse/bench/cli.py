"""`privacy-warehouse bench`'s command line, and the helper processes'
(`python -m privacy_warehouse.bench floor|direct|validate`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from privacy_warehouse.bench.common import (
    DEFAULT_AS_OF,
    DEFAULT_MEMORY_LIMIT,
    PROJECT_ROOT,
    _read_json,
    _scale_text,
    _shorten,
    say,
)
from privacy_warehouse.bench.render import write_results
from privacy_warehouse.bench.replay import measure_floor, run_direct, run_validation
from privacy_warehouse.bench.runner import (
    Settings,
    bench,
    day_rows,
    derive,
    evaluate_targets,
    finish,
    summarise_run,
)


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
        "bench", help="benchmark the build at several scales (issues 8 and 14)",
        description="How long the nightly build takes, and what ten times the data costs.")
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
