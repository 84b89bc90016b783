"""Server-rendered SVG for business cases: the same picture on screen, in print, in PDF.

Colours are SVG presentation attributes, not style attributes, so the CSP allows them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from business_cases import finance

if TYPE_CHECKING:
    from business_cases.simulation import Simulation

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


# --- Loss exceedance ----------------------------------------------------------------------

LOSS_HEIGHT = 220
LOSS_LEFT, LOSS_RIGHT, LOSS_TOP, LOSS_BOTTOM = 44, 16, 30, 44
BEFORE_COLOUR, AFTER_COLOUR, AXIS_COLOUR, GRID_COLOUR = "#b02a37", "#1f3a5f", "#495057", "#dee2e6"


def loss_exceedance(sim: Simulation, currency: str | None = None) -> SafeString:
    """The simulated yearly loss-exceedance curves, before and after the measure.

    x: a yearly loss on a log scale, in the currency; y: the share of simulated years whose
    loss is above it (0–100 %). The higher a curve at an amount, the likelier a year costs
    more than that; the gap between the curves is what the measure buys.
    """
    currency = currency or settings.CURRENCY
    if not sim.has_loss_curve:
        label = "Loss exceedance: no risk scenario with a loss to simulate."
        return format_html(
            '<svg class="loss-chart" viewBox="0 0 {} 40" role="img" aria-label="{}">'
            '<title>{}</title><text x="{}" y="24" font-size="12" text-anchor="middle" fill="{}">'
            "No scenario with a loss to chart.</text></svg>",
            WIDTH,
            label,
            label,
            WIDTH // 2,
            AXIS_COLOUR,
        )
    amounts = [float(t) for t in sim.loss_thresholds]
    x, y = _loss_scales(amounts)
    middle = len(amounts) // 2
    label = (
        f"Loss exceedance over {sim.trials:,} simulated years: the chance that a year's "
        f"losses exceed an amount, before and after the measure. Above "
        f"{amounts[middle]:,.0f} {currency}: {sim.exceedance_before[middle] * 100:.0f} % of "
        f"years before, {sim.exceedance_after[middle] * 100:.0f} % after."
    )
    before, after = (
        " ".join(f"{x(a):.1f},{y(p):.1f}" for a, p in zip(amounts, shares, strict=True))
        for shares in (sim.exceedance_before, sim.exceedance_after)
    )
    return format_html(
        '<svg class="loss-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>{}{}"
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="6 3"/>'
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>'
        "{}</svg>",
        WIDTH,
        LOSS_HEIGHT,
        label,
        label,
        _share_grid(y),
        _loss_ticks(amounts, x, currency),
        before,
        BEFORE_COLOUR,
        after,
        AFTER_COLOUR,
        _loss_legend(),
    )


def _loss_scales(amounts: list[float]) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """x of an amount on a log scale across the amounts; y of a share, 100 % at the top."""
    low, high = math.log10(amounts[0]), math.log10(amounts[-1])
    span = (high - low) or 1.0
    inner_w = WIDTH - LOSS_LEFT - LOSS_RIGHT
    inner_h = LOSS_HEIGHT - LOSS_TOP - LOSS_BOTTOM

    def x(amount: float) -> float:
        return LOSS_LEFT + (math.log10(amount) - low) / span * inner_w

    def y(share: float) -> float:
        return LOSS_TOP + (1 - share) * inner_h

    return x, y


def _share_grid(y: Callable[[float], float]) -> SafeString:
    """Lines and labels at 0, 50 and 100 % of years."""
    return format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">{} %</text>',
        (
            (
                LOSS_LEFT,
                f"{y(share):.1f}",
                WIDTH - LOSS_RIGHT,
                f"{y(share):.1f}",
                GRID_COLOUR,
                LOSS_LEFT - 4,
                f"{y(share) + 4:.1f}",
                AXIS_COLOUR,
                int(share * 100),
            )
            for share in (0.0, 0.5, 1.0)
        ),
    )


def _loss_ticks(amounts: list[float], x: Callable[[float], float], currency: str) -> SafeString:
    """Labelled ticks at round amounts (1, 2, 5 × 10^n) within the curve, and the axis name."""
    ticks = _round_amounts(amounts[0], amounts[-1])
    base = LOSS_HEIGHT - LOSS_BOTTOM
    marks = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>',
        (
            (at, base, at, base + 4, AXIS_COLOUR, at, base + 16, AXIS_COLOUR, _compact(t))
            for t, at in ((t, f"{x(t):.1f}") for t in ticks)
        ),
    )
    return format_html(
        '{}<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">'
        "Yearly loss, {} (log scale)</text>",
        marks,
        LOSS_LEFT + (WIDTH - LOSS_LEFT - LOSS_RIGHT) // 2,
        LOSS_HEIGHT - 6,
        AXIS_COLOUR,
        currency,
    )


def _round_amounts(low: float, high: float) -> list[float]:
    """Round amounts between low and high: powers of ten, or 1 and 3, or 1, 2 and 5 times
    them, whichever first gives three to seven ticks (else the powers of ten)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))

    def within(multiples: tuple[int, ...]) -> list[float]:
        return [
            m * 10.0**e
            for e in range(first, last + 1)
            for m in multiples
            if low <= m * 10.0**e <= high
        ]

    for multiples in ((1,), (1, 3), (1, 2, 5)):
        ticks = within(multiples)
        if 3 <= len(ticks) <= 7:
            return ticks
    return within((1,)) or within((1, 2, 5))


def _compact(amount: float) -> str:
    """1k, 20k, 5M, 1bn: a tick's amount in few characters."""
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if amount >= size:
            return f"{amount / size:g}{suffix}"
    return f"{amount:g}"


def _loss_legend() -> SafeString:
    right = WIDTH - LOSS_RIGHT
    return format_html(
        '<text x="{}" y="14" font-size="11" fill="{}">Chance a year loses more than</text>'
        '<line x1="{}" y1="10" x2="{}" y2="10" stroke="{}" stroke-width="2" '
        'stroke-dasharray="6 3"/><text x="{}" y="14" font-size="11" fill="{}">before</text>'
        '<line x1="{}" y1="10" x2="{}" y2="10" stroke="{}" stroke-width="2.5"/>'
        '<text x="{}" y="14" font-size="11" fill="{}">with the measure</text>',
        LOSS_LEFT,
        AXIS_COLOUR,
        right - 190,
        right - 166,
        BEFORE_COLOUR,
        right - 162,
        AXIS_COLOUR,
        right - 116,
        right - 92,
        AFTER_COLOUR,
        right - 88,
        AXIS_COLOUR,
    )
