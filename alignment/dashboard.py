"""The figures on the CISO's dashboard, each defined once, with the rule that defines it.

What counts. An initiative counts unless it was **cancelled**:

- a *done* initiative still counts: the process it put in place (MFA, an approval gate)
  keeps costing the departments time each week, keeps supporting their goals and keeps
  getting in their way, so its assessments consume the friction budget and its links
  count for coverage and conflicts;
- a *proposed*, *planned* or *on hold* initiative counts too: the friction budget is a
  planning tool, and a plan that would push a department over its budget must show
  before it is rolled out, not after.

The list pages behind the figures (alignment:conflict-list, alignment:assessment-list,
alignment:coverage) use the same querysets, so a number and its list always agree.
Every function takes the queryset to start from, so a list page can pass what the user
may see (`visible_to(user)`) while the dashboard, shown only to people who read
everything, passes all rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from alignment.models import (
    ActionItem,
    AlignmentLink,
    ImpactAssessment,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    Relation,
)
from departments.models import Department, Goal
from objectives.models import Initiative, InitiativeStatus

ZERO = Decimal("0")


# --- Friction budgets ------------------------------------------------------------------


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


def counted_assessments(
    assessments: QuerySet[ImpactAssessment] | None = None,
) -> QuerySet[ImpactAssessment]:
    """Assessments that consume a friction budget: those of initiatives not cancelled."""
    base = ImpactAssessment.objects.all() if assessments is None else assessments
    return base.current()


def friction_by_department(departments: Iterable[Department]) -> list[Friction]:
    """Friction of each department given, in the order given: one aggregate query."""
    departments = list(departments)
    totals = dict(
        counted_assessments()
        .filter(department__in=departments)
        .values_list("department")
        .annotate(total=Sum("hours_per_week"))
        .order_by()
    )
    return [Friction(d, totals.get(d.pk) or ZERO, d.friction_budget_hours) for d in departments]


def friction_for(department: Department) -> Friction:
    """One department's friction from its current assessments."""
    hours = counted_assessments().filter(department=department).weekly_hours()
    return Friction(department, hours, department.friction_budget_hours)


def friction_with_proposal(
    department: Department,
    *,
    hours: Decimal | None,
    assessment: ImpactAssessment | None = None,
    counts: bool = True,
) -> Friction:
    """The department's friction if `assessment` (new when None) had `hours` per week.

    = Σ hours of the department's other counted assessments + the proposed hours (when
    the assessment's initiative counts at all, see the module docstring).
    """
    others = counted_assessments().filter(department=department)
    if assessment is not None and assessment.pk is not None:
        others = others.exclude(pk=assessment.pk)
    proposed = hours if (counts and hours is not None) else ZERO
    return Friction(department, others.weekly_hours() + proposed, department.friction_budget_hours)


# --- Alignment: coverage and conflicts -------------------------------------------------


def counted_links(links: QuerySet[AlignmentLink] | None = None) -> QuerySet[AlignmentLink]:
    """Links of initiatives not cancelled."""
    base = AlignmentLink.objects.all() if links is None else links
    return base.exclude(initiative__status=InitiativeStatus.CANCELLED)


def unmitigated_conflicts(
    links: QuerySet[AlignmentLink] | None = None,
) -> QuerySet[AlignmentLink]:
    """Conflicts with no mitigation, of initiatives not cancelled."""
    return counted_links(links).unmitigated()


def goals_with_support(goals: QuerySet[Goal] | None = None) -> QuerySet[Goal]:
    """Active goals (not done), each annotated with `supporting_count`: how many counted
    initiatives support it (a goal is covered when it is at least 1)."""
    base = Goal.objects.all() if goals is None else goals
    return base.active().annotate(
        supporting_count=Count(
            "links",
            filter=Q(links__relation=Relation.SUPPORTS)
            & ~Q(links__initiative__status=InitiativeStatus.CANCELLED),
        ),
    )


@dataclass(frozen=True)
class Coverage:
    active: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.active - self.covered

    @property
    def percent(self) -> int | None:
        """covered ÷ active × 100, rounded down; None when there is no active goal."""
        if self.active == 0:
            return None
        return self.covered * 100 // self.active


def goal_coverage(goals: QuerySet[Goal] | None = None) -> Coverage:
    """Share of active goals with at least one supporting (counted) initiative."""
    base = Goal.objects.all() if goals is None else goals
    supporting = counted_links().supporting().filter(goal=OuterRef("pk"))
    totals = (
        base.active()
        .annotate(supported=Exists(supporting))
        .aggregate(active=Count("pk"), covered=Count("pk", filter=Q(supported=True)))
    )
    return Coverage(active=totals["active"], covered=totals["covered"])


# --- Initiatives, goals, assessments ---------------------------------------------------


def initiatives_by_status() -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, zeros included, in the workflow's order."""
    counts = dict(Initiative.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return [(value, label, counts.get(value, 0)) for value, label in InitiativeStatus.choices]


@dataclass
class Dashboard:
    """Everything the dashboard shows; lists are capped at `LIST_SIZE`, counts are not."""

    coverage: Coverage
    friction: list[Friction]
    conflicts: list[AlignmentLink]
    conflict_count: int
    initiatives_by_status: list[tuple[str, str, int]]
    goals_at_risk: list[Goal]
    goals_at_risk_count: int
    awaiting: list[ImpactAssessment]
    awaiting_count: int
    refused: list[ImpactAssessment]
    refused_count: int

    @property
    def over_budget(self) -> list[Friction]:
        return [row for row in self.friction if row.over_budget]

    @property
    def initiative_count(self) -> int:
        return sum(count for _, _, count in self.initiatives_by_status)


LIST_SIZE = 8


def build_dashboard(departments: Iterable[Department]) -> Dashboard:
    """The dashboard's figures over all data, in a fixed number of queries."""
    conflicts = unmitigated_conflicts().select_related("initiative", "goal__department")
    at_risk = Goal.objects.at_risk().select_related("department")
    assessments = counted_assessments().select_related("initiative", "department")
    awaiting = assessments.awaiting_head().order_by("department__name", "initiative__title")
    refused = assessments.refused().order_by("-head_answered_at", "department__name")
    return Dashboard(
        coverage=goal_coverage(),
        friction=friction_by_department(departments),
        conflicts=list(conflicts.order_by("goal__department__name", "goal__title")[:LIST_SIZE]),
        conflict_count=conflicts.count(),
        initiatives_by_status=initiatives_by_status(),
        goals_at_risk=list(at_risk.order_by("due_date", "title")[:LIST_SIZE]),
        goals_at_risk_count=at_risk.count(),
        awaiting=list(awaiting[:LIST_SIZE]),
        awaiting_count=awaiting.count(),
        refused=list(refused[:LIST_SIZE]),
        refused_count=refused.count(),
    )


@dataclass
class MeetingsOverview:
    """The meeting figures of the dashboard.

    - upcoming: scheduled meetings that start within the next 14 days;
    - cadence: each active one-on-one with `planned` (meetings due in the last 90 days)
      and `held` (of those, not cancelled); health = held ÷ planned;
    - overdue: open action items whose due date has passed.
    """

    upcoming: list[Occurrence]
    upcoming_count: int
    cadence: list[MeetingSeries]
    overdue: list[ActionItem]
    overdue_count: int


def meetings_overview(*, now: dt.datetime | None = None, limit: int = 8) -> MeetingsOverview:
    now = now or timezone.now()
    upcoming = Occurrence.objects.upcoming(days=14, now=now)
    overdue = ActionItem.objects.overdue(today=timezone.localdate(now))
    cadence = (
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE)
        .select_related("leader", "department")
        .with_cadence(days=90, now=now)
        .order_by("department__name", "leader__last_name")
    )
    return MeetingsOverview(
        upcoming=list(upcoming.select_related("series").order_by("start")[:limit]),
        upcoming_count=upcoming.count(),
        cadence=list(cadence),
        overdue=list(
            overdue.select_related("owner", "occurrence__series").order_by("due_date")[:limit]
        ),
        overdue_count=overdue.count(),
    )
