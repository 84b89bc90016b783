"""Showing business case figures, and the fragments other pages place.

- `{% budget_requested_vs_approved %}`: the dashboard's budget figure (nothing for users
  who may not see cases);
- `{% initiative_business_cases initiative %}`: the cases of an initiative, for its page;
- `{% loss_exceedance_chart simulation currency %}`: the simulation's chart, for
  `_uncertainty.html`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from business_cases import charts, finance, portfolio
from business_cases.models import BusinessCase
from departments import roles

if TYPE_CHECKING:
    from business_cases.simulation import Simulation
    from objectives.models import Initiative

register = template.Library()

NOT_MEANINGFUL = "not meaningful"
STATUS_CLASSES = {
    "draft": "text-bg-light border",
    "submitted": "text-bg-primary",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "revision_requested": "text-bg-warning",
}


def _shown(value: finance.Figure | None, quantum: str) -> finance.Figure:
    """Rounded for showing; a figure too large to round is `OutOfRange`, never an error."""
    if value is None:
        return finance.NotMeaningful("No figure.")
    if isinstance(value, finance.NotMeaningful):
        return value
    return finance.rounded(Decimal(value), Decimal(quantum), ROUND_HALF_UP)


def _whole(value: finance.Figure | None) -> str:
    shown = _shown(value, "1")
    return f"{shown:,}" if isinstance(shown, Decimal) else str(shown)


@register.filter
def money(value: finance.Figure | None, currency: str | None = None) -> str:
    """`86,700 EUR`; a figure that is not meaningful (or out of range) says so."""
    shown = _shown(value, "1")
    if not isinstance(shown, Decimal):
        return str(shown)
    return f"{shown:,} {currency or settings.CURRENCY}"


@register.filter
def amount(value: finance.Figure | None) -> str:
    """`86,700`: money where the column or caption already names the currency."""
    return _whole(value)


@register.filter
def percent(value: finance.Figure) -> str:
    """A ratio as a percentage: 0.7993 → `79.9 %`."""
    shown = _shown(value * 100 if isinstance(value, Decimal) else value, "0.1")
    return f"{shown:,} %" if isinstance(shown, Decimal) else str(shown)


@register.filter
def months(value: finance.Figure) -> str:
    """`10.9 months`; a payback of zero months (nothing spent up front) is `immediately`,
    one that is not zero but rounds to it `under 0.1 months`."""
    shown = _shown(value, "0.1")
    if not isinstance(shown, Decimal):
        return str(shown)
    if shown == 0:
        return "immediately" if value == 0 else "under 0.1 months"
    return f"{shown:,} months"


@register.filter
def rosi_words(value: finance.Figure) -> str:
    """What a ROSI of −100 % or worse means: the benefit is nothing or less; else nothing.

    −100 % exactly is a benefit of zero (all that is spent is lost); below it the measure
    makes things worse, so the loss is larger than the spend.
    """
    if not isinstance(value, Decimal) or value > -1:
        return ""
    return "loses all it costs" if value == -1 else "loses all it costs and more"


@register.filter
def chance(value: finance.Figure) -> str:
    """A probability (0 to 1) as a whole percentage: `72 %`; never `0 %` or `100 %` for
    something that happened in some trials but not all (`under 1 %`, `over 99 %`)."""
    if not isinstance(value, Decimal):
        return str(value)
    if 0 < value < Decimal("0.005"):
        return "under 1 %"
    if Decimal("0.995") <= value < 1:
        return "over 99 %"
    shown = _shown(value * 100, "1")
    return f"{shown} %"


@register.simple_tag
def loss_exceedance_chart(simulation: Simulation, currency: str | None = None) -> SafeString:
    """The simulated loss-exceedance curves, before and after (see charts.py)."""
    return charts.loss_exceedance(simulation, currency=currency)


@register.filter
def snapshot_value(text: str, kind: str) -> str:
    """A snapshot's string figure (see snapshots.py), shown like a live one."""
    if text in (None, "", NOT_MEANINGFUL, "—"):
        return text or "—"
    try:
        value = Decimal(text)
    except (ArithmeticError, TypeError, ValueError):
        return str(text)  # "out of range", or whatever an older snapshot wrote
    return {
        "money": lambda: _whole(value),
        "ratio": lambda: percent(value),
        "months": lambda: months(value),
    }.get(kind, lambda: text)()


@register.filter
def signed_change(value: Decimal | None, kind: str) -> str:
    """`+6,000`, `−25.0 points` (a ROSI change is in percentage points); nothing if unchanged."""
    if value is None or value == 0:
        return ""
    sign = "+" if value > 0 else "−"
    size = abs(value)
    if kind == "ratio":
        shown = _shown(size * 100, "0.1")
        return f"{sign}{shown} points" if isinstance(shown, Decimal) else str(shown)
    if kind == "money":
        return f"{sign}{_whole(size)}"
    return f"{sign}{size}"


@register.filter
def reason(value: finance.Figure) -> str:
    """Why a figure is not meaningful, or nothing."""
    return value.reason if isinstance(value, finance.NotMeaningful) else ""


@register.filter
def negative(value: finance.Figure) -> bool:
    return isinstance(value, Decimal) and value < 0


@register.simple_tag
def case_status(case: BusinessCase) -> str:
    """A status badge that always carries its text."""
    css = STATUS_CLASSES.get(case.status, "text-bg-light border")
    return format_html('<span class="badge {}">{}</span>', css, case.get_status_display())


@register.inclusion_tag("business_cases/_budget.html", takes_context=True)
def budget_requested_vs_approved(context: template.Context) -> dict[str, object]:
    """Budget requested (awaiting a decision) against budget approved, as TCO."""
    user = context["request"].user
    budget = portfolio.budget_summary(user)
    if budget is None:
        return {"budget": None}
    scale = Decimal(100) / budget.largest
    return {
        "budget": budget,
        "currency": settings.CURRENCY,
        "requested_width": int(budget.requested * scale),
        "approved_width": int(budget.approved * scale),
    }


@register.inclusion_tag("business_cases/_initiative_cases.html", takes_context=True)
def initiative_business_cases(
    context: template.Context, initiative: Initiative
) -> dict[str, object]:
    """The initiative's business cases, with figures, for those who may see cases."""
    user = context["request"].user
    cases = BusinessCase.objects.visible_to(user).filter(initiative=initiative).with_lines()
    return {
        "cases": cases,
        "initiative": initiative,
        "may_see": roles.reads_everything(user),
        "may_write": roles.is_ciso(user),
    }
