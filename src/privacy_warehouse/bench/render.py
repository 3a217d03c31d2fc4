"""The results as Markdown (tables, targets, slowest models) and as an SVG chart of time against scale."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from privacy_warehouse.bench.common import _scale_text


def _gib(n: int | float) -> str:
    return f"{n / 1024**3:.2f} GiB"


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
    if step.get("load_average"):
        text += f" (load {step['load_average'][0]:.1f}→{step['load_average'][1]:.1f})"
    if step.get("returncode"):
        text += f" (exit {step['returncode']})"
    return text


def render_markdown(report: dict) -> str:
    machine = report["machine"]
    scales = report["scales"]
    lines = [f"# Benchmark {report['date']} (commit {report['git_commit']})", ""]
    lines += ["Measured by `make bench` (`privacy-warehouse bench`); how each figure is taken is "
              "in `src/privacy_warehouse/bench/`.", ""]
    lines += ["## Targets (issues 14 and 20)", "", "| target | limit | measured | |", "|---|---|---|---|"]
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
