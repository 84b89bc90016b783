"""Small presentation helpers: status badges, progress widths, sparklines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html

from departments import people

if TYPE_CHECKING:
    from django.contrib.auth.models import User

register = template.Library()

STATUS_CLASSES = {
    "on_track": "text-bg-success",
    "at_risk": "text-bg-warning",
    "off_track": "text-bg-danger",
    "done": "text-bg-secondary",
    "supports": "text-bg-success",
    "neutral": "text-bg-secondary",
    "conflicts": "text-bg-danger",
    "pending": "text-bg-warning",
    "agreed": "text-bg-success",
    "disagreed": "text-bg-danger",
    "in_progress": "text-bg-primary",
    "planned": "text-bg-info",
    "proposed": "text-bg-light border",
    "on_hold": "text-bg-warning",
    "cancelled": "text-bg-dark",
    "active": "text-bg-primary",
    "achieved": "text-bg-success",
    "paused": "text-bg-warning",
    "retired": "text-bg-dark",
    "on_target": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    "no_data": "text-bg-light border",
}


@register.simple_tag
def status_badge(value: str, label: str) -> str:
    """A badge that always carries its text: colour is never the only signal."""
    css = STATUS_CLASSES.get(value, "text-bg-light border")
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.filter
def pct_class(percent: int | float | Decimal) -> str:
    """`w-pct-N` rounded down to 5 %: widths as classes, since the CSP forbids style=."""
    step = max(0, min(100, int(percent))) // 5 * 5
    return f"w-pct-{step}"


@register.simple_tag
def sparkline(values: Sequence[Decimal | float], label: str = "trend") -> str:
    """A tiny server-rendered SVG line of the values (works on screen, in print, in PDF)."""
    points = [float(v) for v in values]
    if len(points) < 2:
        return format_html('<span class="text-body-secondary small">{}</span>', "no trend yet")
    width, height, pad = 120.0, 28.0, 2.0
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / (len(points) - 1)
    coords = " ".join(
        f"{pad + i * step:.1f},{height - pad - (p - low) / span * (height - 2 * pad):.1f}"
        for i, p in enumerate(points)
    )
    return format_html(
        '<svg class="sparkline" viewBox="0 0 120 28" role="img" aria-label="{}">'
        '<polyline points="{}" fill="none" stroke="#1f3a5f" stroke-width="2"/></svg>',
        label,
        coords,
    )


@register.filter
def person(user: User | None) -> str:
    """A user's full name, else their username, else a dash (for an empty owner)."""
    return people.full_name(user)
