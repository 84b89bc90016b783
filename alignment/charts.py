"""Server-rendered SVG charts: the same picture on screen, in print and in a PDF.

No JavaScript and no style attributes (the CSP forbids them): colours and sizes are SVG
presentation attributes. Every bar carries its numbers as text, and the chart describes
itself in <title>/<desc> for screen readers, so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from alignment.friction import Friction

WIDTH = 400
ROW_HEIGHT = 46
TOP = 8
BAR_HEIGHT = 14
LEGEND_HEIGHT = 26
NAME_CHARS = 24

BRAND = "#1f3a5f"
OVER = "#b02a37"
TRACK = "#e9ecef"
MARKER = "#212529"
TEXT = "#212529"


def _hours(value: Decimal) -> str:
    """12.0 → "12", 2.5 → "2.5"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _row_text(row: Friction) -> str:
    text = f"{_hours(row.hours)} of {_hours(row.budget)} h/week"
    return text + (" — over budget" if row.over_budget else "")


def _row(index: int, row: Friction, scale: Decimal) -> SafeString:
    y = TOP + index * ROW_HEIGHT
    bar_y = y + 20
    bar_width = float(row.hours / scale * WIDTH) if scale else 0.0
    budget_x = float(row.budget / scale * WIDTH) if scale else 0.0
    # Keep the budget line visible at the right edge and at zero.
    budget_x = min(max(budget_x, 1.0), WIDTH - 1.0)
    colour = OVER if row.over_budget else BRAND
    return format_html(
        '<g class="chart-row">'
        '<text x="0" y="{}" font-weight="600" fill="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>'
        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>'
        "</g>",
        y + 14,
        TEXT,
        _short(row.department.name),
        WIDTH,
        y + 14,
        OVER if row.over_budget else TEXT,
        _row_text(row),
        bar_y,
        WIDTH,
        BAR_HEIGHT,
        TRACK,
        bar_y,
        f"{bar_width:.1f}",
        BAR_HEIGHT,
        colour,
        f"{budget_x:.1f}",
        f"{budget_x:.1f}",
        bar_y - 4,
        bar_y + BAR_HEIGHT + 4,
        MARKER,
    )


def _legend(y: int) -> SafeString:
    return format_html(
        '<g class="chart-legend" font-size="12">'
        '<rect x="0" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="18" y="{}">hours added per week</text>'
        '<rect x="176" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="194" y="{}">over budget</text>'
        '<line x1="292" x2="292" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>'
        '<text x="300" y="{}">friction budget</text>'
        "</g>",
        y,
        BRAND,
        y + 11,
        y,
        OVER,
        y + 11,
        y - 2,
        y + 14,
        MARKER,
        y + 11,
    )


def friction_chart(rows: Sequence[Friction], *, chart_id: str = "friction-chart") -> SafeString:
    """Horizontal bars: each department's added hours per week against its budget line."""
    title = "Security-added hours per week against each department's friction budget"
    if not rows:
        return format_html('<p class="text-body-secondary">{}</p>', "No departments yet.")
    scale = max(max(row.hours, row.budget) for row in rows) or Decimal(1)
    description = "; ".join(f"{row.department.name}: {_row_text(row)}" for row in rows) + "."
    height = TOP + len(rows) * ROW_HEIGHT + LEGEND_HEIGHT
    body = format_html_join("", "{}", ((_row(i, row, scale),) for i, row in enumerate(rows)))
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 -2 {width} {height}" width="{width}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="13" fill="{text}" '
        'preserveAspectRatio="xMinYMin meet" '
        'aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{body}{legend}</svg>",
        width=WIDTH,
        height=height,
        text=TEXT,
        id=chart_id,
        title=title,
        description=description,
        body=body,
        legend=_legend(height - LEGEND_HEIGHT + 8),
    )
