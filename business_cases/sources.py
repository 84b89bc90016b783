"""What a higher app tells business cases about an initiative.

Impact assessments and alignment links live in `alignment`, above this app, which must
never import it. So this module declares what it needs and alignment registers the
answers at start-up (`AlignmentConfig.ready()`); without alignment the answers are empty.

- people-time: for each department assessed, its total added hours per week;
- supporting goals: the ids of the business goals the initiative supports;
- the trade-off: what the initiative costs the business besides money — the goals it
  conflicts with (and how that is softened), the hours it adds to each department against
  the department's friction budget, each head's answer, and the commitments made.
"""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True)
class Conflict:
    """A business goal the initiative gets in the way of, and how that is softened."""

    goal: str
    department: str
    rationale: str
    mitigation: str

    @property
    def is_mitigated(self) -> bool:
        return bool(self.mitigation.strip())


@dataclass(frozen=True)
class DepartmentLoad:
    """The hours a week the initiative adds to one department, against its friction
    budget (all counted initiatives together), and the head's answer to the assessment."""

    department: str
    hours_per_week: Decimal
    total_hours: Decimal
    budget_hours: Decimal
    answer: str  # "pending", "agreed" or "disagreed"
    answer_label: str
    head_comment: str

    @property
    def over_budget(self) -> bool:
        return self.total_hours > self.budget_hours

    @property
    def refused(self) -> bool:
        return self.answer == "disagreed"


@dataclass(frozen=True)
class Softening:
    """A commitment made to a department to soften the initiative's impact."""

    title: str
    department: str
    status: str
    due_date: dt.date


@dataclass(frozen=True)
class TradeOff:
    """The business side of an initiative, for a case's page, print, PDF and decision."""

    conflicts: tuple[Conflict, ...] = ()
    loads: tuple[DepartmentLoad, ...] = ()
    commitments: tuple[Softening, ...] = ()

    @property
    def warnings(self) -> list[str]:
        """What an executive must acknowledge before approving: each unmitigated conflict
        and each assessment its department's head refused, in words."""
        found = [
            f"It conflicts with the goal “{c.goal}” ({c.department}) and nothing softens it yet."
            for c in self.conflicts
            if not c.is_mitigated
        ]
        found += [
            f"The head of {load.department} refused the assessment of "
            f"{load.hours_per_week} hours a week"
            + (f": “{load.head_comment}”" if load.head_comment else ".")
            for load in self.loads
            if load.refused
        ]
        return found

    @property
    def is_empty(self) -> bool:
        return not (self.conflicts or self.loads or self.commitments)


PeopleTimeSource = Callable[["Initiative"], list[AssessedTime]]
GoalsSource = Callable[["Initiative"], list[int]]
TradeOffSource = Callable[["Initiative"], TradeOff]

_people_time: PeopleTimeSource | None = None
_supporting_goals: GoalsSource | None = None
_trade_off: TradeOffSource | None = None


def register(
    *,
    people_time: PeopleTimeSource,
    supporting_goals: GoalsSource,
    trade_off: TradeOffSource | None = None,
) -> None:
    """Called once by the app that owns impact assessments and alignment links."""
    global _people_time, _supporting_goals, _trade_off
    _people_time = people_time
    _supporting_goals = supporting_goals
    _trade_off = trade_off


def assessed_time(initiative: Initiative) -> list[AssessedTime]:
    """The initiative's weekly people-time per department (one query in the provider)."""
    return _people_time(initiative) if _people_time else []


def supporting_goal_ids(initiative: Initiative) -> list[int]:
    """Ids of the goals the initiative supports, to pre-fill a case's business goals."""
    return _supporting_goals(initiative) if _supporting_goals else []


def trade_off(initiative: Initiative) -> TradeOff:
    """The initiative's conflicts, added hours, heads' answers and commitments (a fixed
    number of queries in the provider)."""
    return _trade_off(initiative) if _trade_off else TradeOff()
