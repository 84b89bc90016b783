"""Server-rendered SVG for business cases: the same picture on screen, in print, in PDF.

Colours are SVG presentation attributes, not style attributes, so the CSP allows them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from business_cases import finance

WIDTH, HEIGHT = 480, 170
LEFT, RIGHT, TOP, BOTTOM = 12, 12, 16, 28


def cumulative_cash(figures: finance.CaseFigures, horizon_years: int) -> SafeString:
    """Cumulative net cash, undiscounted: −one-off at year 0, then + yearly net each year.

    Where the line crosses zero is the payback; its last point is the undiscounted NPV.
    """
    values = [
        -figures.one_off_cost + figures.yearly_net * year for year in range(horizon_years + 1)
    ]
    y = _vertical_scale(values)
    step = (WIDTH - LEFT - RIGHT) / max(horizon_years, 1)
    points = [(LEFT + i * step, y(v)) for i, v in enumerate(values)]
    polyline = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    zero = f"{y(Decimal(0)):.1f}"
    label = (
        f"Cumulative net cash over {horizon_years} years, from {values[0]:,.0f} "
        f"to {values[-1]:,.0f}"
    )
    return format_html(
        '<svg class="cash-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>"
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#6c757d" stroke-dasharray="4 3"/>'
        '<polyline points="{}" fill="none" stroke="#1f3a5f" stroke-width="2.5"/>'
        "{}{}</svg>",
        WIDTH,
        HEIGHT,
        label,
        label,
        LEFT,
        zero,
        WIDTH - RIGHT,
        zero,
        polyline,
        _cash_dots(points, values),
        _year_labels(horizon_years, step),
    )


def _vertical_scale(values: list[Decimal]) -> Callable[[Decimal], float]:
    """The y coordinate of a value, the chart's height spanning the values and zero."""
    low, high = min([*values, Decimal(0)]), max([*values, Decimal(0)])
    span = float(high - low) or 1.0
    inner_h = HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> float:
        return TOP + (float(high) - float(value)) / span * inner_h

    return y


def _cash_dots(points: list[tuple[float, float]], values: list[Decimal]) -> SafeString:
    """A dot per year: green where the cumulative cash is positive, red below zero."""
    return format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
        (
            (f"{px:.1f}", f"{py:.1f}", "#198754" if v >= 0 else "#b02a37")
            for (px, py), v in zip(points, values, strict=True)
        ),
    )


def _year_labels(horizon_years: int, step: float) -> SafeString:
    return format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#495057">{}</text>',
        ((f"{LEFT + i * step:.1f}", HEIGHT - 8, f"Y{i}") for i in range(horizon_years + 1)),
    )
