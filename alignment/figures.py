"""The figures on the CISO's dashboard, each defined once, with the rule that defines it.

What counts is one rule, `objectives.models.counted`: every initiative but a cancelled
one. Friction is alignment/friction.py; the meetings' figures are
alignment/meetings/figures.py.

The list pages behind the figures (alignment:conflict-list, alignment:assessment-list,
alignment:coverage) use the same querysets, so a number and its list always agree.
Every function takes the queryset to start from, so a list page can pass what the user
may see (`visible_to(user)`) while the dashboard, shown only to people who read
everything, passes all rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from alignment import friction
from alignment.friction import Friction
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from alignment.models.links import AlignmentLinkQuerySet
from departments.models import Department, Goal, GoalQuerySet
from objectives.models import Initiative, InitiativeStatus, counted

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# --- Alignment: coverage and conflicts -------------------------------------------------


def unmitigated_conflicts(
    links: AlignmentLinkQuerySet | None = None,
) -> AlignmentLinkQuerySet:
    """Conflicts with no mitigation, of initiatives that count."""
    base = AlignmentLink.objects.all() if links is None else links
    return base.counted().unmitigated()


class SupportCount(TypedDict):
    supporting_count: int


def goals_with_support(
    goals: GoalQuerySet | None = None,
) -> QuerySet[WithAnnotations[Goal, SupportCount]]:
    """Active goals (not done), each annotated with `supporting_count`: how many counted
    initiatives support it (a goal is covered when it is at least 1)."""
    base = Goal.objects.all() if goals is None else goals
    annotated = base.active().annotate(
        supporting_count=Count(
            "links",
            filter=Q(links__relation=Relation.SUPPORTS) & counted("links__initiative__"),
        ),
    )
    # django-stubs cannot match the annotation it infers to a named TypedDict; the cast
    # names it, so callers may filter on and read `supporting_count`.
    return cast("QuerySet[WithAnnotations[Goal, SupportCount]]", annotated)


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


def goal_coverage(goals: GoalQuerySet | None = None) -> Coverage:
    """Share of active goals with at least one supporting (counted) initiative."""
    base = Goal.objects.all() if goals is None else goals
    supporting = AlignmentLink.objects.counted().supporting().filter(goal=OuterRef("pk"))
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
    def friction_worst(self) -> list[Friction]:
        """The `FRICTION_SHOWN` departments nearest to or furthest over their budget."""
        ranked = sorted(self.friction, key=lambda r: (-r.overrun, -r.percent, r.department.name))
        return ranked[:FRICTION_SHOWN]

    @property
    def initiative_count(self) -> int:
        return sum(count for _, _, count in self.initiatives_by_status)


LIST_SIZE = 8
# Departments in the dashboard's friction chart and table (every one is counted).
FRICTION_SHOWN = 10


def build_dashboard(departments: Iterable[Department]) -> Dashboard:
    """The dashboard's figures over all data, in a fixed number of queries."""
    conflicts = unmitigated_conflicts().select_related("initiative", "goal__department")
    at_risk = Goal.objects.at_risk().select_related("department")
    assessments = ImpactAssessment.objects.counted().select_related("initiative", "department")
    awaiting = assessments.awaiting_head().order_by("department__name", "initiative__title")
    refused = assessments.refused().order_by("-head_answered_at", "department__name")
    return Dashboard(
        coverage=goal_coverage(),
        friction=friction.by_department(departments),
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
