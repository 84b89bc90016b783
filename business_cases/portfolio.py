"""The portfolio of cases: rows with their figures, sorting, CSV, and the budget summary.

Figures are computed, not stored, so they can never disagree with the lines; every case
is read with its lines prefetched, so the query count does not grow with the cases.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from business_cases import finance
from business_cases.models import BusinessCase, CaseDecision, CaseStatus, Outcome
from departments import roles
from departments.text import spreadsheet_safe

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

    from departments.roles import AnyUser

ZERO = Decimal(0)


@dataclass(frozen=True)
class Row:
    case: BusinessCase
    figures: finance.CaseFigures


def _figure_key(name: str) -> Callable[[Row], tuple[int, Decimal]]:
    """Numbers in order; not-meaningful figures after every number whichever the direction."""

    def key(row: Row) -> tuple[int, Decimal]:
        value = getattr(row.figures, name)
        return (0, value) if isinstance(value, Decimal) else (1, ZERO)

    return key


FIGURE_SORTS = {
    "cost": _figure_key("total_cost_of_ownership"),
    "risk": _figure_key("yearly_risk_reduction"),
    "rosi": _figure_key("rosi"),
    "npv": _figure_key("npv"),
}
SORTS: dict[str, tuple[str, Callable[[Row], SupportsRichComparison]]] = {
    "title": ("Case", lambda row: row.case.title.lower()),
    "status": ("Status", lambda row: row.case.status),
    "cost": ("Total cost", FIGURE_SORTS["cost"]),
    "risk": ("Risk reduction / yr", FIGURE_SORTS["risk"]),
    "rosi": ("ROSI", FIGURE_SORTS["rosi"]),
    "npv": ("NPV", FIGURE_SORTS["npv"]),
    "updated": ("Updated", lambda row: row.case.updated_at),
}
DEFAULT_SORT = "updated"


def rows(
    user: AnyUser, *, status: str = "", sort: str = DEFAULT_SORT, descending: bool = True
) -> list[Row]:
    """The cases the user may see, with figures, sorted; unknown sorts fall back to updated."""
    cases = BusinessCase.objects.visible_to(user).with_lines()
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    found = [Row(case, case.figures) for case in cases]
    figure_key = FIGURE_SORTS.get(sort)
    if figure_key is not None:
        # Not-meaningful figures go last in both directions.
        numbers = [r for r in found if figure_key(r)[0] == 0]
        others = [r for r in found if figure_key(r)[0] == 1]
        return sorted(numbers, key=figure_key, reverse=descending) + others
    return sorted(found, key=SORTS.get(sort, SORTS[DEFAULT_SORT])[1], reverse=descending)


def _cell(value: finance.Figure, quantum: str) -> str:
    """The figure rounded, or its words: "not meaningful", "out of range"."""
    return str(finance.rounded(value, Decimal(quantum)))


def as_csv(found: list[Row], currency: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "case",
            "initiative",
            "status",
            "revision",
            f"total cost of ownership ({currency})",
            f"yearly risk reduction ({currency})",
            "ROSI (%)",
            "payback (months)",
            f"NPV ({currency})",
            "horizon (years)",
        ]
    )
    for row in found:
        f = row.figures
        rosi = f.rosi * 100 if isinstance(f.rosi, Decimal) else f.rosi
        writer.writerow(
            [
                spreadsheet_safe(row.case.title),
                spreadsheet_safe(row.case.initiative.title),
                row.case.get_status_display(),
                row.case.revision,
                _cell(f.total_cost_of_ownership, "0.01"),
                _cell(f.yearly_risk_reduction, "0.01"),
                _cell(rosi, "0.1"),
                _cell(f.payback_months, "0.1"),
                _cell(f.npv, "0.01"),
                row.case.horizon_years,
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class Budget:
    requested: Decimal
    requested_count: int
    approved: Decimal
    approved_count: int
    approved_risk_reduction: Decimal = ZERO

    @property
    def largest(self) -> Decimal:
        return max(self.requested, self.approved, Decimal(1))


def budget_summary(user: AnyUser) -> Budget | None:
    """Total cost of ownership awaiting a decision against what senior leadership approved.

    Requested: the cases submitted and awaiting a decision. Approved: for each case whose
    latest decision is an approval, the total in that decision's snapshot (the figure
    approved, even while a new revision is being written). None for users who see no cases.
    """
    if not roles.reads_everything(user):
        return None
    return budget_totals()


def budget_totals() -> Budget:
    """`budget_summary` for whoever asks on the product's behalf (a computed measure)."""
    submitted = list(BusinessCase.objects.awaiting_decision().with_lines())
    latest: dict[int, CaseDecision] = {}
    for decision in CaseDecision.objects.order_by("case_id", "-decided_at", "-pk"):
        latest.setdefault(decision.case_id, decision)
    approved = [d for d in latest.values() if d.outcome == Outcome.APPROVED]
    approved_total = sum(
        (_snapshot_figure(d.snapshot, "total_cost_of_ownership") for d in approved), ZERO
    )
    return Budget(
        requested=sum((c.figures.total_cost_of_ownership for c in submitted), ZERO),
        requested_count=len(submitted),
        approved=approved_total,
        approved_count=len(approved),
        approved_risk_reduction=sum(
            (_snapshot_figure(d.snapshot, "yearly_risk_reduction") for d in approved), ZERO
        ),
    )


def _snapshot_figure(snapshot: Mapping[str, Any], name: str) -> Decimal:
    try:
        return Decimal(snapshot["figures"][name])
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return ZERO
