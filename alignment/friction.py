"""Friction: the weekly hours security adds to a department's work, against its budget.

A department's friction is the sum of `hours_per_week` over its impact assessments of
initiatives that count (objectives.models.counted: every initiative but a cancelled one);
its budget is `Department.friction_budget_hours`, agreed by the CISO and the head.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from alignment.models import ImpactAssessment
from departments.models import Department

ZERO = Decimal("0")


@dataclass(frozen=True)
class Friction:
    """A department's security-added hours per week against its friction budget."""

    department: Department
    hours: Decimal
    budget: Decimal

    @property
    def over_budget(self) -> bool:
        """hours > budget (a budget of 0 with no hours is not over)."""
        return self.hours > self.budget

    @property
    def remaining(self) -> Decimal:
        """budget − hours; negative when over budget."""
        return self.budget - self.hours

    @property
    def overrun(self) -> Decimal:
        """hours − budget when over budget, else 0."""
        return max(self.hours - self.budget, ZERO)

    @property
    def percent(self) -> int:
        """hours ÷ budget × 100, rounded down (0 % of nothing is 0; anything of nothing is 100+)."""
        if self.budget == 0:
            return 0 if self.hours == 0 else 100
        return int(self.hours / self.budget * 100)


def by_department(departments: Iterable[Department]) -> list[Friction]:
    """Friction of each department given, in the order given: one aggregate query."""
    departments = list(departments)
    totals = dict(
        ImpactAssessment.objects.counted()
        .filter(department__in=departments)
        .values_list("department")
        .annotate(total=Sum("hours_per_week"))
        .order_by()
    )
    return [Friction(d, totals.get(d.pk) or ZERO, d.friction_budget_hours) for d in departments]


def for_department(department: Department) -> Friction:
    """One department's friction from its current assessments."""
    hours = ImpactAssessment.objects.counted().filter(department=department).weekly_hours()
    return Friction(department, hours, department.friction_budget_hours)


def with_proposal(
    department: Department,
    *,
    hours: Decimal | None,
    assessment: ImpactAssessment | None = None,
    counts: bool = True,
) -> Friction:
    """The department's friction if `assessment` (new when None) had `hours` per week.

    = Σ hours of the department's other counted assessments + the proposed hours (when
    the assessment's initiative counts at all: objectives.models.counted).
    """
    others = ImpactAssessment.objects.counted().filter(department=department)
    if assessment is not None and assessment.pk is not None:
        others = others.exclude(pk=assessment.pk)
    proposed = hours if (counts and hours is not None) else ZERO
    return Friction(department, others.weekly_hours() + proposed, department.friction_budget_hours)
