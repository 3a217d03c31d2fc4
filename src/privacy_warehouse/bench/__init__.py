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
   with the HMAC pads of the purpose keys loaded as `privacy_warehouse.duckdb_plugin` loads them and the
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

The package, by job: `memory` (a process tree's peak RSS, a measured step), `replay` (the
floor, dbt's SQL without dbt, validation alone: the helper processes' work), `runner` (zones,
the steps of a scale, derived figures, targets), `render` (Markdown and SVG), `cli` (the
command lines); `common` holds what they share.
"""

from privacy_warehouse.bench.cli import _scales, add_parser, run
from privacy_warehouse.bench.memory import process_tree, rss_bytes, run_measured, tree_rss_bytes
from privacy_warehouse.bench.render import CHART_SERIES, render_markdown, render_svg
from privacy_warehouse.bench.replay import floor_query, measure_floor, models_in_dependency_order, run_direct
from privacy_warehouse.bench.runner import derive, evaluate_targets, summarise_run, zone_matches

__all__ = [
    "CHART_SERIES", "_scales", "add_parser", "derive", "evaluate_targets", "floor_query",
    "measure_floor", "models_in_dependency_order", "process_tree", "render_markdown", "render_svg",
    "rss_bytes", "run", "run_direct", "run_measured", "summarise_run", "tree_rss_bytes",
    "zone_matches",
]
