"""How the posture report's document shows its values: on screen, in print and in the PDF.

Each value carries its type in the document (alignment/posture.py); these filters turn
the stored JSON value into text, and the change since the previous pack into a signed,
coloured figure that says whether it moved the right way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from alignment.posture_sections import number as _decimal
from departments.templatetags.department_tags import sparkline

register = template.Library()

DASH = "—"


def _grouped(number: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def report_value(value: Any, kind: str = "text") -> str:
    """A stored value as text, by its type: `1,234`, `62 %`, `55,000 EUR`, `12.5 h`."""
    if value is None or value == "":
        return DASH
    if kind == "date":
        try:
            return f"{dt.date.fromisoformat(str(value)):%d %b %Y}"
        except ValueError:
            return str(value)
    number = _decimal(value) if kind != "text" and kind != "status" else None
    if number is None:
        return str(value)
    if kind == "int":
        return _grouped(number, 0)
    if kind == "percent":
        return f"{_grouped(number, 0)} %"
    if kind == "money":
        return f"{_grouped(number, 0)} {settings.CURRENCY}"
    if kind == "hours":
        return f"{_grouped(number, 1)} h"
    return _grouped(number, 2 if number != number.to_integral_value() else 0)


@register.filter
def report_change(item: Mapping[str, Any]) -> SafeString:
    """`+7 %` in green when it moved the better way, red when the worse, grey otherwise;
    a dash when there is nothing to compare with."""
    change = _decimal(item.get("change"))
    if change is None:
        return format_html('<span class="change">{}</span>', DASH)
    if change == 0:
        return format_html('<span class="change">{}</span>', "no change")
    kind = item.get("type", "int")
    text = report_value(abs(change), kind)
    sign = "+" if change > 0 else "−"
    better = item.get("better", "")
    if better:
        good = (change > 0) == (better == "up")
        css = "change better" if good else "change worse"
        word = "better" if good else "worse"
    else:
        css, word = "change", "changed"
    return format_html('<span class="{}" title="{}">{}{}</span>', css, word, sign, text)


@register.filter
def report_trend(values: Sequence[Any] | None, label: str = "trend") -> str:
    """The stored values as a sparkline (SVG, inline: works in the PDF too)."""
    numbers = [n for n in (_decimal(v) for v in values or []) if n is not None]
    return sparkline(numbers, label)


@register.filter
def report_bars(section: Mapping[str, Any]) -> SafeString:
    """Added hours against the budget, one bar pair per department row of the friction
    section's table (columns: department, added, budget, over)."""
    rows = (section.get("table") or {}).get("rows") or []
    if not rows:
        return format_html("")
    values = [(str(r[0]), _decimal(r[1]) or Decimal(0), _decimal(r[2]) or Decimal(0)) for r in rows]
    scale = max(max(h, b) for _, h, b in values) or Decimal(1)
    width, label_width, bar, gap = 520, 150, 9, 6
    height = len(values) * (2 * bar + gap) + 4
    parts = []
    for index, (name, hours, budget) in enumerate(values):
        y = index * (2 * bar + gap) + 2
        hours_w = float(hours / scale) * (width - label_width - 60)
        budget_w = float(budget / scale) * (width - label_width - 60)
        over = hours > budget
        parts.append(
            (
                y + bar + 2,
                name[:26],
                label_width,
                y,
                f"{hours_w:.1f}",
                bar,
                "#b02a37" if over else "#1f3a5f",
                label_width + hours_w + 4,
                y + bar - 1,
                f"{hours:.1f} h",
                label_width,
                y + bar,
                f"{budget_w:.1f}",
                bar - 3,
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" font-size="9" fill="#212529">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" font-size="9" fill="#212529">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#adb5bd"/>',
        parts,
    )
    return format_html(
        '<svg class="report-bars" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width,
        height,
        "Added hours a week (dark; red when over) against the friction budget (grey)",
        body,
    )
