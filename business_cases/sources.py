"""What a higher app tells business cases about an initiative.

Impact assessments and alignment links live in `alignment`, above this app, which must
never import it. So this module declares what it needs and alignment registers the
answers at start-up (`AlignmentConfig.ready()`); without alignment the answers are empty.

- people-time: for each department assessed, its total added hours per week;
- supporting goals: the ids of the business goals the initiative supports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from objectives.models import Initiative


@dataclass(frozen=True)
class AssessedTime:
    """One impact assessment's weekly hours for one department (a department's total)."""

    department_id: int
    department_name: str
    hours_per_week: Decimal
    people_affected: int


PeopleTimeSource = Callable[["Initiative"], list[AssessedTime]]
GoalsSource = Callable[["Initiative"], list[int]]

_people_time: PeopleTimeSource | None = None
_supporting_goals: GoalsSource | None = None


def register(*, people_time: PeopleTimeSource, supporting_goals: GoalsSource) -> None:
    """Called once by the app that owns impact assessments and alignment links."""
    global _people_time, _supporting_goals
    _people_time = people_time
    _supporting_goals = supporting_goals


def assessed_time(initiative: Initiative) -> list[AssessedTime]:
    """The initiative's weekly people-time per department (one query in the provider)."""
    return _people_time(initiative) if _people_time else []


def supporting_goal_ids(initiative: Initiative) -> list[int]:
    """Ids of the goals the initiative supports, to pre-fill a case's business goals."""
    return _supporting_goals(initiative) if _supporting_goals else []
