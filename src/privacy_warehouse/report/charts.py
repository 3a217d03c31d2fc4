"""Inline SVG charts: no JavaScript, no CDN, readable when printed.

Each function returns SVG markup (already escaped) with a <title> and an aria-label, and the
pages show the same numbers in a table beside the chart, for screen readers and for copying.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

# The report's palette (also in report.css): calm, distinguishable, print-friendly.
PALETTE = ["#2f6f9f", "#d08c2b", "#4a9a6a", "#9a4a7a", "#6a6aaa", "#a05a3a", "#3a8a8a"]
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e8ee"
FONT = "font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _axis(value: float) -> tuple[float, float]:
    """(top, step) of a count axis: 1, 2 or 5 × a power of ten per step, whole numbers."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def _svg(width: int, height: int, label: str, body: list[str], kind: str = "") -> Markup:
    return Markup(
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" style="{FONT}">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def stacked_columns(categories: list[str], series: dict[str, list[float]], label: str,
                    width: int = 1000, height: int = 280) -> Markup:
    """Vertical columns per category, stacked by series (e.g. months × purposes)."""
    left, right, top, bottom = 44, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    axis_max, step = _axis(max(totals, default=0))
    body = []
    for tick in range(int(axis_max / step) + 1):
        value = step * tick
        y = top + plot_h - plot_h * value / axis_max
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="13" fill="{MUTED}" '
                    f'text-anchor="end">{value:g}</text>')
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.62
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for s, (name, values) in enumerate(series.items()):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / axis_max
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}" rx="2"><title>{escape(category)}: '
                f'{escape(name)} {value:g}</title></rect>'
            )
        if totals[i]:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="13" '
                        f'fill="{INK}" text-anchor="middle">{totals[i]:g}</text>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" font-size="13" '
                    f'fill="{MUTED}" text-anchor="middle">{escape(category)}</text>')
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                f'y2="{top + plot_h}" stroke="{MUTED}"/>')
    return _svg(width, height, label, body, "columns")


def legend(names: list[str]) -> Markup:
    """An HTML legend matching stacked_columns' colours."""
    items = "".join(
        f'<span class="legend-item"><span class="swatch" '
        f'style="background:{PALETTE[i % len(PALETTE)]}"></span>{escape(name)}</span>'
        for i, name in enumerate(names)
    )
    return Markup(f'<div class="legend">{items}</div>')


def horizontal_bars(items: list[tuple[str, float]], label: str, width: int = 720,
                    color: str = PALETTE[1]) -> Markup:
    """One horizontal bar per item, longest first as given; the value at the bar's end."""
    row_h, left, right, top = 26, 250, 56, 6
    height = top * 2 + row_h * max(len(items), 1)
    axis_max = max((v for _, v in items), default=0) or 1
    plot_w = width - left - right
    body = []
    for i, (name, value) in enumerate(items):
        y = top + row_h * i
        w = plot_w * value / axis_max
        shown = name if len(name) <= 38 else name[:36] + "…"
        body.append(f'<text x="{left - 8}" y="{y + 17}" font-size="12" fill="{INK}" '
                    f'text-anchor="end">{escape(shown)}<title>{escape(name)}</title></text>')
        body.append(f'<rect x="{left}" y="{y + 5}" width="{max(w, 1):.1f}" height="{row_h - 10}" '
                    f'fill="{color}" rx="2"/>')
        body.append(f'<text x="{left + w + 6:.1f}" y="{y + 17}" font-size="12" '
                    f'fill="{INK}">{value:g}</text>')
    return _svg(width, height, label, body, "bars")


STATUS_COLOURS = {
    "passed": "#3f8f5a", "failed": "#c0392b", "error": "#8e2b20", "warned": "#d08c2b",
    "skipped": "#9aa5b1", "not run": "#c8d0d9",
}


def status_strip(counts: dict[str, int], label: str, width: int = 720) -> Markup:
    """One horizontal bar split by outcome (passed, failed, ...)."""
    height = 22
    total = sum(counts.values()) or 1
    x = 0.0
    body = []
    for status, count in counts.items():
        if not count:
            continue
        w = width * count / total
        body.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                    f'fill="{STATUS_COLOURS.get(status, MUTED)}"><title>{escape(status)}: '
                    f'{count}</title></rect>')
        x += w
    return _svg(width, height, label, body)
