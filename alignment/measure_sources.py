"""Alignment's answers to objectives' computed measures (see objectives/computations.py).

Each function is the same figure the dashboard shows, computed the same way, so a
computed measure's sample and the dashboard agree for the same moment. Registered at
start-up (AlignmentConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from alignment import figures, friction
from alignment.meetings.models import ActionItem, MeetingKind, MeetingSeries
from alignment.models import Agreement, ImpactAssessment
from business_cases.portfolio import budget_totals
from departments.models import Department
from objectives.models import Computation

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def share(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """part ÷ whole × 100; 0 when there is no whole."""
    return Decimal(part) * HUNDRED / Decimal(whole) if whole else ZERO


def goal_coverage() -> Decimal:
    """The dashboard's goal coverage: active goals with a supporting initiative, in %."""
    return Decimal(figures.goal_coverage().percent or 0)


def unmitigated_conflicts() -> Decimal:
    return Decimal(figures.unmitigated_conflicts().count())


def friction_share() -> Decimal:
    """Σ added hours ÷ Σ friction budgets over every department, in %."""
    rows = friction.by_department(Department.objects.order_by("pk"))
    return share(sum((r.hours for r in rows), ZERO), sum((r.budget for r in rows), ZERO))


def assessments_agreed() -> Decimal:
    """Counted impact assessments the head agreed to, of all counted ones, in %."""
    totals = ImpactAssessment.objects.counted().aggregate(
        all=Count("pk"), agreed=Count("pk", filter=Q(head_agreement=Agreement.AGREED))
    )
    return share(totals["agreed"], totals["all"])


def one_on_ones_held() -> Decimal:
    """One-on-ones held of those planned over the last 90 days (the dashboard's cadence)."""
    series = MeetingSeries.objects.active().filter(kind=MeetingKind.ONE_ON_ONE)
    totals = series.with_cadence(days=90).aggregate(planned=Sum("planned"), held=Sum("held"))
    return share(totals["held"] or 0, totals["planned"] or 0)


def overdue_actions() -> Decimal:
    return Decimal(ActionItem.objects.overdue(today=timezone.localdate()).count())


def budget_approved() -> Decimal:
    return budget_totals().approved


COMPUTERS: dict[str, Callable[[], Decimal]] = {
    Computation.GOAL_COVERAGE: goal_coverage,
    Computation.UNMITIGATED_CONFLICTS: unmitigated_conflicts,
    Computation.FRICTION_SHARE: friction_share,
    Computation.ASSESSMENTS_AGREED: assessments_agreed,
    Computation.ONE_ON_ONES_HELD: one_on_ones_held,
    Computation.OVERDUE_ACTIONS: overdue_actions,
    Computation.BUDGET_APPROVED: budget_approved,
}
