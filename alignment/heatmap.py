"""The alignment heatmap: departments × security objectives, summarised before it is shown.

A cell is (links that support) − (links that conflict) between one department's goals and
one objective's initiatives, counting only initiatives that count
(objectives.models.counted). At 600 departments × 50 objectives nobody reads 30,000
cells, so the pages read totals first:

- per department (and per objective): supports, conflicts, unmitigated conflicts and
  net = supports − conflicts, worst first (most unmitigated, then most conflicts, then the
  lowest net), computed by the database in one aggregate query;
- the cells of one department (or one objective) only when the reader opens it.

Everything is an SQL aggregate over the current rows, never a cache, so a figure is never
stale after a save. Every function costs a fixed number of queries, whatever the size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from django.db.models import Count, F, Q, QuerySet

from alignment.models import AlignmentLink, Relation
from alignment.models.links import AlignmentLinkQuerySet, unmitigated
from departments.models import Department
from objectives.models import SecurityObjective, counted

if TYPE_CHECKING:
    from django.db.models import Model

M = TypeVar("M", bound="Model")

# Departments in the dashboard's summary.
WORST_SHOWN = 5
# Cells listed when a department or an objective is opened (the worst; the rest counted).
OBJECTIVE_CELLS = 30
WORST_FIRST = ("-unmitigated", "-conflicts", "net")


def tone(supports: int, conflicts: int) -> str:
    """A CSS class for a cell or a total; the numbers are always printed too."""
    score = supports - conflicts
    if supports == 0 and conflicts == 0:
        return "heat-none"
    if score > 0:
        return "heat-pos-2" if score >= 3 else "heat-pos-1"
    if score < 0:
        return "heat-neg-2" if score <= -2 else "heat-neg-1"
    return "heat-zero"


@dataclass(frozen=True)
class Cell:
    department: Department
    objective: SecurityObjective
    supports: int = 0
    conflicts: int = 0
    unmitigated: int = 0
    neutral: int = 0

    @property
    def score(self) -> int:
        """supports − conflicts"""
        return self.supports - self.conflicts

    @property
    def tone(self) -> str:
        return tone(self.supports, self.conflicts)


@dataclass(frozen=True)
class Total:
    """One row of a summary: a department or an objective with its totals."""

    item: Department | SecurityObjective
    supports: int
    conflicts: int
    unmitigated: int
    linked: int

    @property
    def net(self) -> int:
        """supports − conflicts"""
        return self.supports - self.conflicts

    @property
    def tone(self) -> str:
        return tone(self.supports, self.conflicts)

    @classmethod
    def of_figures(cls, item: Department, figures: Figures) -> Total:
        return cls(item, figures.supports, figures.conflicts, figures.unmitigated, figures.linked)

    @classmethod
    def of(cls, item: Department | SecurityObjective) -> Total:
        """From a row annotated by `departments_worst_first` or `objectives_worst_first`."""
        return cls(
            item,
            supports=item.supports,  # type: ignore[union-attr]
            conflicts=item.conflicts,  # type: ignore[union-attr]
            unmitigated=item.unmitigated,  # type: ignore[union-attr]
            linked=item.linked,  # type: ignore[union-attr]
        )


def _totals(queryset: QuerySet[M], prefix: str, only: Q | None = None) -> QuerySet[M]:
    """Annotate supports, conflicts, unmitigated, linked and net over the links reached by
    `prefix` (`"goals__links__"` from a department, `"initiatives__links__"` from an
    objective); `only` narrows the links counted (one objective, some departments)."""
    base = counted(f"{prefix}initiative__")
    if only is not None:
        base &= only
    links = prefix.removesuffix("__")
    return queryset.annotate(
        linked=Count(links, filter=base),
        supports=Count(links, filter=base & Q(**{f"{prefix}relation": Relation.SUPPORTS})),
        conflicts=Count(links, filter=base & Q(**{f"{prefix}relation": Relation.CONFLICTS})),
        unmitigated=Count(links, filter=base & unmitigated(prefix)),
    ).annotate(net=F("supports") - F("conflicts"))


def departments_worst_first(departments: QuerySet[Department]) -> QuerySet[Department]:
    """The departments given, each with its totals over every objective, worst first."""
    return _totals(departments, "goals__links__").order_by(*WORST_FIRST, "name", "pk")


def objectives_worst_first(
    objectives: QuerySet[SecurityObjective], departments: QuerySet[Department]
) -> QuerySet[SecurityObjective]:
    """The objectives given, each with its totals over the departments given (a head's
    totals count their own goals only), worst first."""
    mine = Q(initiatives__links__goal__department__in=departments.values("pk"))
    return _totals(objectives, "initiatives__links__", mine).order_by(*WORST_FIRST, "title", "pk")


@dataclass
class Summary:
    """What the dashboard and the top of the heatmap say about every department."""

    departments: int = 0
    with_unmitigated: int = 0
    conflict_heavy: int = 0
    unlinked: int = 0
    worst: list[Department] = field(default_factory=list)


class Figures(NamedTuple):
    """One department's totals as plain numbers: a row of
    `departments_worst_first(…).values_list(*FIGURES)`, 600 of which cost far less to
    read than 600 department objects."""

    pk: int
    supports: int
    conflicts: int
    unmitigated: int
    linked: int
    net: int


FIGURES = Figures._fields


def summarise(departments: QuerySet[Department], *, worst: int = WORST_SHOWN) -> Summary:
    """Counts over every department given and the `worst` first: one query (the rows are
    a handful of integers per department, counted here rather than in a second query)."""
    rows = list(departments_worst_first(departments))
    summary = summary_of(Figures(*(getattr(row, name) for name in FIGURES)) for row in rows)
    summary.worst = [row for row in rows if row.conflicts][:worst]  # type: ignore[attr-defined]
    return summary


def summary_of(rows: Iterable[Figures]) -> Summary:
    """The counts of `summarise` over figures read already (the heatmap's page of
    departments is a slice of the same rows: one aggregate query serves both)."""
    summary = Summary()
    for row in rows:
        summary.departments += 1
        summary.with_unmitigated += row.unmitigated > 0
        summary.conflict_heavy += row.net < 0
        summary.unlinked += row.linked == 0
    return summary


def _cells(
    links: AlignmentLinkQuerySet,
    departments: dict[int, Department],
    objectives: dict[int, SecurityObjective],
) -> list[Cell]:
    counts = (
        links.counted()
        .values("goal__department", "initiative__objective")
        .annotate(
            supports=Count("pk", filter=Q(relation=Relation.SUPPORTS)),
            conflicts=Count("pk", filter=Q(relation=Relation.CONFLICTS)),
            unmitigated=Count("pk", filter=unmitigated()),
            neutral=Count("pk", filter=Q(relation=Relation.NEUTRAL)),
        )
        .order_by()
    )
    cells = [
        Cell(
            department=departments[row["goal__department"]],
            objective=objectives[row["initiative__objective"]],
            supports=row["supports"],
            conflicts=row["conflicts"],
            unmitigated=row["unmitigated"],
            neutral=row["neutral"],
        )
        for row in counts
        if row["goal__department"] in departments and row["initiative__objective"] in objectives
    ]
    cells.sort(key=lambda c: (-c.unmitigated, -c.conflicts, c.score, c.objective.title))
    return cells


def department_cells(department: Department, objectives: Iterable[SecurityObjective]) -> list[Cell]:
    """The department's cells with at least one link, worst first: one query."""
    by_pk = {objective.pk: objective for objective in objectives}
    links = AlignmentLink.objects.filter(goal__department=department)
    return _cells(links, {department.pk: department}, by_pk)


def objective_cells(
    objective: SecurityObjective, departments: QuerySet[Department]
) -> tuple[list[Cell], int]:
    """The cells of one objective in the worst `OBJECTIVE_CELLS` departments linked to
    it, and how many departments are linked to it at all: two queries."""
    this = Q(goals__links__initiative__objective=objective)
    linked = (
        _totals(departments, "goals__links__", this)
        .filter(**{"linked__gt": 0})  # an annotation, which django-stubs cannot see
        .order_by(*WORST_FIRST, "name", "pk")
    )
    shown = list(linked[:OBJECTIVE_CELLS])
    cells = [
        Cell(
            department=d,
            objective=objective,
            supports=d.supports,  # type: ignore[attr-defined]
            conflicts=d.conflicts,  # type: ignore[attr-defined]
            unmitigated=d.unmitigated,  # type: ignore[attr-defined]
            neutral=d.linked - d.supports - d.conflicts,  # type: ignore[attr-defined]
        )
        for d in shown
    ]
    # Always counted (not only when the list is full): the same queries at every size.
    return cells, linked.count()
