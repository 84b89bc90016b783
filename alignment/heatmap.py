"""The all-departments heatmap: departments × security objectives.

Each cell is (links that support) − (links that conflict) between the department's goals
and the objective's initiatives. One aggregate query, whatever the size of the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from alignment.models import AlignmentLink, Relation
from departments.models import Department
from objectives.models import SecurityObjective


@dataclass(frozen=True)
class Cell:
    department: Department
    objective: SecurityObjective
    supports: int = 0
    conflicts: int = 0

    @property
    def score(self) -> int:
        """supports − conflicts"""
        return self.supports - self.conflicts

    @property
    def tone(self) -> str:
        """A CSS class for the cell; the number is always printed too."""
        if self.supports == 0 and self.conflicts == 0:
            return "heat-none"
        if self.score > 0:
            return "heat-pos-2" if self.score >= 3 else "heat-pos-1"
        if self.score < 0:
            return "heat-neg-2" if self.score <= -2 else "heat-neg-1"
        return "heat-zero"


@dataclass
class Heatmap:
    objectives: list[SecurityObjective]
    rows: list[tuple[Department, list[Cell]]] = field(default_factory=list)


def build_heatmap(
    departments: Iterable[Department], objectives: Iterable[SecurityObjective]
) -> Heatmap:
    """Cells for every department × objective given (already filtered for the user)."""
    departments, objectives = list(departments), list(objectives)
    counts = (
        AlignmentLink.objects.filter(
            goal__department__in=departments, initiative__objective__in=objectives
        )
        .counted()
        .values("goal__department", "initiative__objective")
        .annotate(
            supports=Count("pk", filter=Q(relation=Relation.SUPPORTS)),
            conflicts=Count("pk", filter=Q(relation=Relation.CONFLICTS)),
        )
        .order_by()
    )
    by_pair = {(row["goal__department"], row["initiative__objective"]): row for row in counts}
    heatmap = Heatmap(objectives=objectives)
    for department in departments:
        cells = []
        for objective in objectives:
            row = by_pair.get((department.pk, objective.pk), {})
            cells.append(
                Cell(
                    department=department,
                    objective=objective,
                    supports=row.get("supports", 0),
                    conflicts=row.get("conflicts", 0),
                )
            )
        heatmap.rows.append((department, cells))
    return heatmap
