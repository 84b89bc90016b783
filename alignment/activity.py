"""The programme's activity feed: who changed what and when, as sentences.

Read from the history the product already keeps (django-simple-history: goals, check-ins,
impact assessments, alignment links, initiatives, commitments and requests) and from the
friction budget proposals, newest first. A head or key leader sees their own departments' activity
only; what belongs to no department (initiatives) is for those who read everything.

Bounded work whatever the size of the organisation: a page asks each source for at most
one page of rows older than a cursor (the last time shown), merges them and keeps one
page; the next page starts where this one ended. Filters (department, objective, person,
dates) narrow every source in SQL; a source that cannot match a filter is left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet

from alignment.models import AlignmentLink, Commitment, ImpactAssessment, SupportRequest
from departments import roles
from departments.models import BudgetProposal, CheckIn, Department, Goal, ProposalStatus
from objectives.models import Initiative

if TYPE_CHECKING:
    from departments.roles import AnyUser

PAGE_SIZE = 50
CSV_LIMIT = 5000


@dataclass(frozen=True)
class Event:
    when: dt.datetime
    who: str
    sentence: str
    link: str
    department: str


@dataclass(frozen=True)
class Filters:
    department: Department | None = None
    objective_id: int | None = None
    person_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _name(user: Any) -> str:
    if user is None:
        return "Someone"
    return str(user.get_full_name() or user.get_username())


def _hours(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


@dataclass(frozen=True)
class Source:
    """One kind of row: where its time, author, department and objective are, and how
    it reads."""

    rows: Callable[[], QuerySet[Any]]
    when: str
    who: str
    department: str | None  # the path to the department; None: no department
    objective: str | None  # the path to the objective; None: no objective
    read: Callable[[Any], tuple[str, str]]  # the sentence (after the name) and the link


def _goal(row: Any) -> tuple[str, str]:
    department = row.department.name if row.department else "a department"
    if row.history_type == "+":
        return f"added the goal “{row.title}” to {department}", _live(Goal, row.id)
    if row.history_type == "-":
        return f"removed the goal “{row.title}” from {department}", ""
    status = row.get_status_display().lower()
    return f"updated the goal “{row.title}” of {department} ({status})", _live(Goal, row.id)


def _checkin(row: Any) -> tuple[str, str]:
    goal = row.goal
    if goal is None:
        return "logged a check-in on a goal since removed", ""
    unit = f" {goal.unit}" if goal.unit else ""
    text = f"logged {_hours(row.value)}{unit} on “{goal.title}” (confidence {row.confidence}/5)"
    return text, goal.get_absolute_url()


def _assessment(row: Any) -> tuple[str, str]:
    initiative = row.initiative.title if row.initiative else "an initiative"
    department = row.department.name if row.department else "a department"
    about = f"{initiative} on {department}: {_hours(row.hours_per_week)} h/week"
    link = row.department.get_absolute_url() + f"#assessment-row-{row.id}" if row.department else ""
    answered = (
        row.head_answered_at is not None
        and abs((row.history_date - row.head_answered_at).total_seconds()) < 5
    )
    if row.history_type == "+":
        return f"assessed {about}", link
    if answered and row.head_agreement == "disagreed":
        return f"disagreed with {about}", link
    if answered and row.head_agreement == "agreed":
        return f"agreed to {about}", link
    if row.history_type == "-":
        return f"removed the assessment of {about}", ""
    return f"updated the assessment of {about}", link


def _link(row: Any) -> tuple[str, str]:
    initiative = row.initiative.title if row.initiative else "an initiative"
    goal = row.goal.title if row.goal else "a goal"
    relation = {"supports": "supporting", "conflicts": "conflicting with"}.get(
        row.relation, "neutral to"
    )
    verb = {"+": "marked", "-": "unlinked"}.get(row.history_type, "updated")
    return f"{verb} {initiative} as {relation} “{goal}”", _live(Initiative, row.initiative_id)


def _initiative(row: Any) -> tuple[str, str]:
    if row.history_type == "+":
        return f"started the initiative {row.title}", _live(Initiative, row.id)
    if row.history_type == "-":
        return f"removed the initiative {row.title}", ""
    status = row.get_status_display().lower()
    return f"updated the initiative {row.title} ({status})", _live(Initiative, row.id)


def _close(moment: dt.datetime | None, row: Any) -> bool:
    """Whether this history row is the save that set `moment` (the same request)."""
    return moment is not None and abs((row.history_date - moment).total_seconds()) < 5


def _commitment(row: Any) -> tuple[str, str]:
    department = row.department.name if row.department else "a department"
    what = f"“{row.title}”"
    link = Commitment(pk=row.id).get_absolute_url()
    if row.history_type == "+":
        return f"committed to {what} for {department}, due {row.due_date:%d %b %Y}", link
    if row.history_type == "-":
        return f"removed the commitment {what}", ""
    if row.verdict in ("helped", "did_not_help") and _close(row.confirmed_at, row):
        verdict = "helped" if row.verdict == "helped" else "did not help"
        return f"said {what} {verdict}", link
    if row.status == "delivered" and _close(row.delivered_at, row):
        return f"delivered {what} to {department}", link
    verb = {"in_progress": "started", "dropped": "dropped"}.get(row.status, "updated")
    return f"{verb} the commitment {what} for {department}", link


def _request(row: Any) -> tuple[str, str]:
    department = row.department.name if row.department else "a department"
    need = (row.need.strip().splitlines() or [""])[0][:80]
    link = SupportRequest(pk=row.id).get_absolute_url()
    if row.history_type == "+":
        return f"asked the security team for {department}: {need}", link
    if row.status in ("accepted", "declined") and _close(row.answered_at, row):
        return f"{row.status} {department}'s request: {need}", link
    return f"updated {department}'s request: {need}", link


def _proposed(row: BudgetProposal) -> tuple[str, str]:
    text = f"proposed a friction budget of {_hours(row.hours)} h/week for {row.department.name}"
    return text, row.department.get_absolute_url() + "#friction-budget"


def _agreed(row: BudgetProposal) -> tuple[str, str]:
    text = f"agreed to a friction budget of {_hours(row.hours)} h/week for {row.department.name}"
    return text, row.department.get_absolute_url() + "#friction-budget"


def _live(model: type[Model], pk: int | None) -> str:
    # The URL pattern only: one query per row to check the object still exists would
    # not be bounded. A removed object's link answers 404.
    if pk is None:
        return ""
    instance = model(pk=pk)
    return str(instance.get_absolute_url()) if hasattr(instance, "get_absolute_url") else ""


SOURCES = (
    Source(
        lambda: Goal.history.select_related("history_user", "department"),
        "history_date",
        "history_user",
        "department",
        None,
        _goal,
    ),
    Source(
        lambda: CheckIn.history.filter(history_type="+").select_related(
            "history_user", "goal__department"
        ),
        "history_date",
        "history_user",
        "goal__department",
        None,
        _checkin,
    ),
    Source(
        lambda: ImpactAssessment.history.select_related("history_user", "department", "initiative"),
        "history_date",
        "history_user",
        "department",
        "initiative__objective",
        _assessment,
    ),
    Source(
        lambda: AlignmentLink.history.select_related(
            "history_user", "initiative", "goal__department"
        ),
        "history_date",
        "history_user",
        "goal__department",
        "initiative__objective",
        _link,
    ),
    Source(
        lambda: Initiative.history.select_related("history_user"),
        "history_date",
        "history_user",
        None,
        "objective",
        _initiative,
    ),
    Source(
        lambda: Commitment.history.select_related("history_user", "department"),
        "history_date",
        "history_user",
        "department",
        None,
        _commitment,
    ),
    Source(
        lambda: SupportRequest.history.select_related("history_user", "department"),
        "history_date",
        "history_user",
        "department",
        None,
        _request,
    ),
    Source(
        lambda: BudgetProposal.objects.select_related("proposed_by", "department"),
        "proposed_at",
        "proposed_by",
        "department",
        None,
        _proposed,
    ),
    Source(
        lambda: BudgetProposal.objects.filter(status=ProposalStatus.ACCEPTED).select_related(
            "answered_by", "department"
        ),
        "answered_at",
        "answered_by",
        "department",
        None,
        _agreed,
    ),
)


def _narrowed(source: Source, user: AnyUser, filters: Filters) -> QuerySet[Any] | None:
    """The source's rows this user may see and the filters keep; None when none can."""
    rows = source.rows()
    if not roles.reads_everything(user):
        if source.department is None:
            return None
        rows = rows.filter(**{f"{source.department}__in": roles.member_department_ids(user)})
    if filters.department is not None:
        if source.department is None:
            return None
        rows = rows.filter(**{source.department: filters.department})
    if filters.objective_id is not None:
        if source.objective is None:
            return None
        rows = rows.filter(**{f"{source.objective}_id": filters.objective_id})
    if filters.person_id is not None:
        rows = rows.filter(**{f"{source.who}_id": filters.person_id})
    if filters.since is not None:
        rows = rows.filter(**{f"{source.when}__gte": filters.since})
    if filters.until is not None:
        rows = rows.filter(**{f"{source.when}__lt": filters.until})
    return rows.filter(~Q(**{f"{source.when}__isnull": True}))


def events(
    user: AnyUser, filters: Filters, *, before: dt.datetime | None = None, limit: int = PAGE_SIZE
) -> list[Event]:
    """The newest `limit` events before `before`: one query per source, whatever the size."""
    found: list[Event] = []
    for source in SOURCES:
        rows = _narrowed(source, user, filters)
        if rows is None:
            continue
        if before is not None:
            rows = rows.filter(**{f"{source.when}__lt": before})
        for row in rows.order_by(f"-{source.when}")[:limit]:
            sentence, link = source.read(row)
            who = _name(getattr(row, source.who))
            department = _department_name(row, source.department)
            found.append(
                Event(getattr(row, source.when), who, f"{who} {sentence}", link, department)
            )
    found.sort(key=lambda event: event.when, reverse=True)
    return found[:limit]


def _department_name(row: Any, path: str | None) -> str:
    if path is None:
        return ""
    value: Any = row
    for step in path.split("__"):
        value = getattr(value, step, None)
        if value is None:
            return ""
    return str(value.name)


def all_events(user: AnyUser, filters: Filters) -> Iterator[Event]:
    """Every event the filters keep, newest first, page by page, at most CSV_LIMIT."""
    before = None
    given = 0
    while given < CSV_LIMIT:
        page = events(user, filters, before=before, limit=min(500, CSV_LIMIT - given))
        if not page:
            return
        yield from page
        given += len(page)
        before = page[-1].when
