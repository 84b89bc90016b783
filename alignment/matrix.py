"""The alignment matrix of one department: its goals × the initiatives, grouped by objective.

Only one department's goals are ever laid out as columns, and by default only the
initiatives relevant to it (linked to its goals or assessed on it) as rows, a page at a
time, so a page never holds the cross product of every initiative with every goal.
Everything here costs a fixed number of queries, whatever the number of goals,
initiatives and links; the counters are SQL aggregates over the current rows (never
cached, so never stale after a save).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from alignment.models import AlignmentLink, ImpactAssessment, Relation
from alignment.models.links import unmitigated
from departments.models import Department, Goal
from objectives.models import Initiative, SecurityObjective


@dataclass(frozen=True)
class Counters:
    """Coverage of one department's goals by the security programme."""

    goals: int = 0
    goals_supported: int = 0
    supports: int = 0
    neutral: int = 0
    conflicts: int = 0
    unmitigated: int = 0

    @property
    def coverage_percent(self) -> int:
        """goals with at least one supporting initiative ÷ goals, in whole per cent"""
        return self.goals_supported * 100 // self.goals if self.goals else 0


def counters_for(department: Department) -> Counters:
    """The department's counters in one aggregate query (goals LEFT JOIN links)."""
    supports = Q(links__relation=Relation.SUPPORTS)
    conflicts = Q(links__relation=Relation.CONFLICTS)
    row = Goal.objects.filter(department=department).aggregate(
        goals=Count("pk", distinct=True),
        goals_supported=Count("pk", filter=supports, distinct=True),
        supports=Count("links", filter=supports),
        neutral=Count("links", filter=Q(links__relation=Relation.NEUTRAL)),
        conflicts=Count("links", filter=conflicts),
        unmitigated=Count("links", filter=unmitigated("links__")),
    )
    return Counters(**row)


class Choice(NamedTuple):
    """A department in the matrix's chooser, with its conflicts (a tuple: 600 are made)."""

    pk: int
    slug: str
    name: str
    conflicts: int
    unmitigated: int


def department_choices(departments: QuerySet[Department]) -> list[Choice]:
    """Every department given, by name, with its conflicts and unmitigated conflicts: two
    queries, the second counting the conflict links per department (a fraction of the
    links, grouped without the department rows) rather than joining every link to every
    department."""
    counted = (
        AlignmentLink.objects.filter(
            relation=Relation.CONFLICTS, goal__department__in=departments.values("pk")
        )
        .values_list("goal__department")
        .annotate(conflicts=Count("pk"), unmitigated=Count("pk", filter=unmitigated()))
        .order_by()
    )
    counts = {pk: (conflicts, open_) for pk, conflicts, open_ in counted}
    return [
        Choice(pk, slug, name, *counts.get(pk, (0, 0)))
        for pk, slug, name in departments.order_by("name", "pk").values_list("pk", "slug", "name")
    ]


@dataclass(frozen=True)
class MatrixCell:
    goal: Goal
    link: AlignmentLink | None


@dataclass
class MatrixRow:
    initiative: Initiative
    cells: list[MatrixCell]


@dataclass
class ObjectiveGroup:
    objective: SecurityObjective
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class Matrix:
    department: Department
    goals: list[Goal]
    groups: list[ObjectiveGroup]
    page: Page[Initiative] | None = None

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)


# Initiatives (rows) on one page of a matrix: at most MATRIX_ROWS, fewer for a department
# with many goals, so that a page holds about MATRIX_CELLS cells (at 100×, about 4 goals a
# department: 50 rows, 200 cells), whatever the number of initiatives.
MATRIX_ROWS = 50
MATRIX_CELLS = 400
MIN_ROWS = 10


def rows_per_page(goals: int) -> int:
    """min(MATRIX_ROWS, max(MIN_ROWS, MATRIX_CELLS ÷ goals))"""
    return min(MATRIX_ROWS, max(MIN_ROWS, MATRIX_CELLS // max(goals, 1)))


def relevant_to(department: Department) -> Q:
    """An initiative linked to one of the department's goals, or assessed on it."""
    linked = AlignmentLink.objects.filter(goal__department=department).values("initiative")
    assessed = ImpactAssessment.objects.filter(department=department).values("initiative")
    return Q(pk__in=linked) | Q(pk__in=assessed)


def build_matrix(
    department: Department,
    *,
    objective: SecurityObjective | None = None,
    show_all: bool = False,
    q: str = "",
    page: int | str | None = 1,
) -> Matrix:
    """The department's goals as columns × initiatives as rows, grouped by objective,
    `rows_per_page` initiatives a page.

    By default only the initiatives relevant to the department (`relevant_to`);
    `show_all` every initiative; `objective` keeps that objective's; `q` those whose title
    contains it. Four queries (goals, count, the page of initiatives, their links).
    """
    goals = list(Goal.objects.filter(department=department).order_by("due_date", "title"))
    initiatives: QuerySet[Initiative] = Initiative.objects.select_related("objective").order_by(
        "objective__title", "objective_id", "title", "pk"
    )
    if not show_all:
        initiatives = initiatives.filter(relevant_to(department))
    if objective is not None:
        initiatives = initiatives.filter(objective=objective)
    if q:
        initiatives = initiatives.filter(title__icontains=q)
    if not goals:
        return Matrix(department=department, goals=goals, groups=[])
    shown = Paginator(initiatives, rows_per_page(len(goals))).get_page(page)
    links = AlignmentLink.objects.filter(
        goal__department=department, initiative__in=[i.pk for i in shown]
    )
    by_pair = {(link.initiative_id, link.goal_id): link for link in links}
    groups: list[ObjectiveGroup] = []
    for initiative in shown:
        if not groups or groups[-1].objective.pk != initiative.objective_id:
            groups.append(ObjectiveGroup(objective=initiative.objective))
        cells = [
            MatrixCell(goal=goal, link=by_pair.get((initiative.pk, goal.pk))) for goal in goals
        ]
        groups[-1].rows.append(MatrixRow(initiative=initiative, cells=cells))
    return Matrix(department=department, goals=goals, groups=groups, page=shown)


def link_between(initiative: Initiative, goal: Goal) -> AlignmentLink | None:
    return AlignmentLink.objects.filter(initiative=initiative, goal=goal).first()
