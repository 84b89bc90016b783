"""A meeting's agenda, built from live data.

A one-on-one looks at its department: unmitigated conflicts with that department's
goals, its goals at risk or off track, impact assessments awaiting its head, and the
action items still open from earlier meetings of the series. A joint meeting looks at the
same across every department, and at every open action item from earlier meetings.

A senior-leadership meeting shows what leadership must see or decide: the board pack
awaiting approval, business cases awaiting a decision, departments over their friction
budget, impact assessments their heads refused, red and stale measures, the reviews due
(the open programme review, objectives and initiatives past their review date) and every
open action item from earlier meetings.

Every item says who may see it (`audience`, `ref`), and the agendas that look at
departments carry each department's figures, so that one agenda can be shown to each
viewer as their role allows (alignment/meetings/agenda_view.py, which also decides when
the agenda is built: live until the meeting starts, frozen from then on). A section keeps
up to ITEMS_PER_SECTION + 1 rows per department or series it covers, so that a viewer
who sees only some of them still sees theirs in full; the viewer's agenda is capped at
ITEMS_PER_SECTION. Every section is read in a fixed number of queries, however many rows
there are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, NotRequired, TypedDict, TypeVar, cast

from django.db.models import Count, F, Model, OuterRef, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from alignment.friction import Friction
from alignment.meetings.models import ActionItem, MeetingKind, Occurrence
from alignment.models import (
    AlignmentLink,
    BoardPack,
    ImpactAssessment,
    PackStatus,
    ProgrammeReview,
    ReviewStatus,
)
from business_cases.models import BusinessCase
from business_cases.templatetags.business_case_tags import money
from departments.models import Department, Goal
from objectives.models import Initiative, Measure, MeasureStatus, SecurityObjective

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ITEMS_PER_SECTION = 15

_M = TypeVar("_M", bound=Model)


# Who may see an item (alignment/meetings/agenda_view.py decides, from these):
EVERYONE = "everyone"  # whoever signs in: the security programme is open to all
DEPARTMENT = "department"  # whoever reads department `ref`: its data, its pages
SERIES = "series"  # the people of meeting series `ref` (an action item's meeting page)
LEADERSHIP = "leadership"  # security team, executives, administrators


class AgendaItem(TypedDict):
    text: str
    detail: str
    url: str  # "" for a line without a page (another department's figures)
    audience: str
    ref: int | None


class AgendaSection(TypedDict):
    key: str
    title: str
    items: list[AgendaItem]
    more: bool  # more items than shown


class DepartmentFigures(TypedDict):
    """What any head may know of another department: counts, never contents."""

    department_id: int
    name: str
    goals_at_risk: int
    conflicts: int
    hours: str  # counted hours per week, one decimal
    budget: str


class _Hours(TypedDict):
    hours: Decimal


class _LatestSample(TypedDict):
    """What `MeasureQuerySet.red_or_stale` annotates."""

    latest_value: Decimal | None
    latest_date: dt.date | None
    red_now: bool | None
    stale_now: bool | None


class _Progress(TypedDict):
    """What `ProgrammeReviewQuerySet.annotate_progress` annotates."""

    item_count: int
    done_count: int


class _Counts(TypedDict):
    goals_at_risk: int
    conflicts: int
    hours: Decimal


class Agenda(TypedDict):
    """What `Occurrence.agenda` stores, as JSON (`{}` until one is built; a snapshot
    stored before this shape has neither `audience` on its items nor `departments`)."""

    scope: str
    sections: list[AgendaSection]
    departments: NotRequired[list[DepartmentFigures]]


def _section(key: str, title: str, rows: list[AgendaItem]) -> AgendaSection:
    # Every row read is kept: the viewer's agenda is capped after filtering.
    return {"key": key, "title": title, "items": rows, "more": False}


def _item(text: str, detail: str, url: str, audience: str, ref: int | None = None) -> AgendaItem:
    return {"text": text, "detail": detail, "url": url, "audience": audience, "ref": ref}


def _limited(queryset: QuerySet[_M]) -> list[_M]:
    # One row more than shown tells whether there are more, without a COUNT query.
    return list(queryset[: ITEMS_PER_SECTION + 1])


def _per(queryset: QuerySet[_M], partition: str, *order: str) -> list[_M]:
    """The first ITEMS_PER_SECTION + 1 rows, in `order`, of each `partition` (a department,
    a series), in one query: a head who sees only their department's rows sees them all,
    however many other departments have."""
    ranked = queryset.annotate(
        agenda_rank=Window(RowNumber(), partition_by=F(partition), order_by=list(order))
    )
    return list(ranked.filter(agenda_rank__lte=ITEMS_PER_SECTION + 1).order_by(*order))


def build_agenda(occurrence: Occurrence) -> Agenda:
    """The agenda for `occurrence`, each section capped at ITEMS_PER_SECTION.

    A one-on-one looks at its department (None for the meetings that look across all);
    a senior-leadership meeting has its own sections (`_senior_agenda`).
    """
    series = occurrence.series
    if series.kind == MeetingKind.SENIOR:
        return _senior_agenda(occurrence)
    department = series.department if series.kind == MeetingKind.ONE_ON_ONE else None
    return {
        "scope": department.name if department is not None else "All departments",
        "sections": [
            _conflicts(department),
            _goals(department),
            _assessments(department),
            _actions(occurrence, department),
        ],
        "departments": _figures(department),
    }


def _where(department: Department | None, name: str) -> str:
    """An item's department, named only on an agenda that looks across all of them."""
    return f" ({name})" if department is None else ""


def _conflicts(department: Department | None) -> AgendaSection:
    links = AlignmentLink.objects.unmitigated().select_related("initiative", "goal__department")
    if department is not None:
        links = links.filter(goal__department=department)
    order = ("goal__department__name", "goal__title", "pk")
    rows = [
        _item(
            f"{link.initiative.title} conflicts with “{link.goal.title}”"
            + _where(department, link.goal.department.name),
            link.rationale,
            link.goal.get_absolute_url(),
            DEPARTMENT,
            link.goal.department_id,
        )
        for link in _per(links, "goal__department", *order)
    ]
    return _section("conflicts", "Unmitigated conflicts", rows)


def _goals(department: Department | None) -> AgendaSection:
    goals = Goal.objects.at_risk().select_related("department")
    if department is not None:
        goals = goals.filter(department=department)
    rows = [
        _item(
            goal.title + _where(department, goal.department.name),
            f"{goal.get_status_display()}, {goal.progress_percent} % of the way",
            goal.get_absolute_url(),
            DEPARTMENT,
            goal.department_id,
        )
        for goal in _per(goals, "department", "department__name", "due_date", "pk")
    ]
    return _section("goals", "Goals at risk or off track", rows)


def _assessments(department: Department | None) -> AgendaSection:
    assessments = (
        ImpactAssessment.objects.counted()
        .awaiting_head()
        .select_related("initiative", "department")
    )
    if department is not None:
        assessments = assessments.filter(department=department)
    rows = [
        _item(
            f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
            + _where(department, assessment.department.name),
            assessment.processes_touched,
            assessment.initiative.get_absolute_url(),
            DEPARTMENT,
            assessment.department_id,
        )
        for assessment in _per(assessments, "department", "department__name", "pk")
    ]
    return _section("assessments", "Impact assessments awaiting the head's agreement", rows)


def _actions(occurrence: Occurrence, department: Department | None) -> AgendaSection:
    """Open action items from meetings before this one: of its series for a one-on-one.

    Each is seen by the people of its own series (its link is that meeting's page)."""
    actions = (
        ActionItem.objects.open()
        .filter(occurrence__start__lt=occurrence.start)
        .select_related("owner", "occurrence", "review_item__review")
    )
    if department is not None:
        actions = actions.filter(occurrence__series=occurrence.series)
    rows = [
        _item(
            item.title,
            _action_detail(item),
            item.get_absolute_url(),
            SERIES,
            item.occurrence.series_id if item.occurrence is not None else None,
        )
        for item in _per(actions, "occurrence__series", "due_date", "pk")
    ]
    return _section("actions", "Open action items from earlier meetings", rows)


def _figures(department: Department | None) -> list[DepartmentFigures]:
    """Each department's counts (`department`'s alone for a one-on-one), in one query."""
    at_risk = Goal.objects.at_risk().filter(department=OuterRef("pk"))
    conflicts = AlignmentLink.objects.unmitigated().filter(goal__department=OuterRef("pk"))
    departments = cast(
        "QuerySet[WithAnnotations[Department, _Counts]]",
        Department.objects.annotate(
            goals_at_risk=Coalesce(Subquery(_count(at_risk, "department")), 0),
            conflicts=Coalesce(Subquery(_count(conflicts, "goal__department")), 0),
            hours=Coalesce(_counted_hours(), Value(Decimal(0))),
        ).order_by("name"),
    )
    if department is not None:
        departments = departments.filter(pk=department.pk)
    return [
        {
            "department_id": d.pk,
            "name": d.name,
            "goals_at_risk": d.goals_at_risk,
            "conflicts": d.conflicts,
            "hours": f"{d.hours:.1f}",
            "budget": f"{d.friction_budget_hours:.1f}",
        }
        for d in departments
    ]


def _count(rows: QuerySet[_M], group: str) -> QuerySet[_M]:
    return rows.order_by().values(group).annotate(n=Count("pk")).values("n")


def _counted_hours() -> Subquery:
    """The counted hours of the department `OuterRef("pk")`."""
    return Subquery(
        ImpactAssessment.objects.counted()
        .filter(department=OuterRef("pk"))
        .order_by()
        .values("department")
        .annotate(total=Sum("hours_per_week"))
        .values("total")
    )


def _action_detail(item: ActionItem) -> str:
    owner = item.owner.get_full_name() or item.owner.get_username() if item.owner else "no owner"
    due = f", due {item.due_date:%d %b %Y}" if item.due_date else ""
    return f"{owner}{due}"


# --- senior leadership ---------------------------------------------------------------------


def _senior_agenda(occurrence: Occurrence) -> Agenda:
    today = timezone.localdate()
    return {
        "scope": "All departments",
        "sections": [
            _packs(),
            _cases(),
            _friction(),
            _refused(),
            _measures(today),
            _reviews(),
            _actions(occurrence, None),
        ],
    }


def _packs() -> AgendaSection:
    # pack_one_draft allows one draft at a time; the section is still capped like the rest.
    packs = BoardPack.objects.filter(status=PackStatus.DRAFT).only("number", "period", "frozen_at")
    rows = [
        _item(
            str(pack),
            f"frozen {timezone.localtime(pack.frozen_at):%d %b %Y}",
            pack.get_absolute_url(),
            LEADERSHIP,
        )
        for pack in _limited(packs.order_by("-number"))
    ]
    return _section("packs", "Board packs awaiting approval", rows)


def _cases() -> AgendaSection:
    # with_lines reads what the figures need in a fixed number of queries, and only for
    # the cases shown (the slice comes first).
    cases = BusinessCase.objects.awaiting_decision().with_lines().order_by("submitted_at", "pk")
    rows = [
        _item(
            f"{case.title} (revision {case.revision})",
            _case_detail(case),
            case.get_absolute_url(),
            LEADERSHIP,
        )
        for case in _limited(cases)
    ]
    return _section("cases", "Business cases awaiting a decision", rows)


def _case_detail(case: BusinessCase) -> str:
    tco = f"total cost of ownership {money(case.figures.total_cost_of_ownership, case.currency)}"
    if case.submitted_at is None:
        return tco
    return f"submitted {timezone.localtime(case.submitted_at):%d %b %Y}, {tco}"


def _friction() -> AgendaSection:
    """Departments whose counted hours exceed their budget (`Friction.over_budget`),
    chosen in SQL: one query, however many departments."""
    departments = cast(
        "QuerySet[WithAnnotations[Department, _Hours]]",
        Department.objects.annotate(hours=_counted_hours())
        .filter(hours__gt=F("friction_budget_hours"))
        .order_by("name"),
    )
    rows = [_friction_item(department) for department in _limited(departments)]
    return _section("friction", "Departments over their friction budget", rows)


def _friction_item(department: WithAnnotations[Department, _Hours]) -> AgendaItem:
    friction = Friction(department, department.hours, department.friction_budget_hours)
    return _item(
        # One decimal, as hours are stored: SQLite hands a sum back without its scale.
        f"{department.name}: {friction.hours:.1f} h/week",
        f"budget {friction.budget:.1f} h/week, {friction.overrun:.1f} h over "
        f"({friction.percent} %)",
        department.get_absolute_url(),
        DEPARTMENT,
        department.pk,
    )


def _refused() -> AgendaSection:
    assessments = (
        ImpactAssessment.objects.counted().refused().select_related("initiative", "department")
    )
    rows = [
        _item(
            f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
            f" ({assessment.department.name})",
            assessment.head_comment,
            assessment.initiative.get_absolute_url(),
            DEPARTMENT,
            assessment.department_id,
        )
        for assessment in _per(assessments, "department", "department__name", "pk")
    ]
    return _section("refused", "Impact assessments refused by heads", rows)


def _measures(today: dt.date) -> AgendaSection:
    measures = cast(
        "QuerySet[WithAnnotations[Measure, _LatestSample]]",
        Measure.objects.red_or_stale(today)
        .select_related("objective")
        .order_by("objective__position", "objective__title", "title"),
    )
    rows = [
        _item(
            f"{measure.title} ({measure.objective.title})",
            _measure_detail(measure),
            measure.get_absolute_url(),
            EVERYONE,
        )
        for measure in _limited(measures)
    ]
    return _section("measures", "Red and stale measures", rows)


def _measure_detail(measure: WithAnnotations[Measure, _LatestSample]) -> str:
    """From the annotations of `MeasureQuerySet.red_or_stale`: no query per measure."""
    if measure.latest_date is None:
        return "no sample yet"
    found = []
    if measure.red_now:
        # Two decimals, as samples are stored (SQLite hands a subquery's back without them).
        value = f"{measure.latest_value:.2f} {measure.unit}".rstrip()
        found.append(f"{MeasureStatus.RED.label} at {value}")
    if measure.stale_now:
        found.append("stale")
    return f"{', '.join(found)}: last sample {measure.latest_date:%d %b %Y}"


def _reviews() -> AgendaSection:
    """The open programme review, then the objectives and initiatives it should cover
    whose next review date has passed."""
    open_reviews = cast(
        "QuerySet[WithAnnotations[ProgrammeReview, _Progress]]",
        ProgrammeReview.objects.filter(status=ReviewStatus.OPEN).annotate_progress(),
    )
    rows = [_review_item(review) for review in _limited(open_reviews)]
    objectives = SecurityObjective.objects.active().needs_review().order_by("next_review", "pk")
    initiatives = Initiative.objects.unfinished().needs_review().order_by("next_review", "pk")
    subjects: list[SecurityObjective | Initiative] = [*_limited(objectives), *_limited(initiatives)]
    rows += [
        _item(
            f"{subject} needs review",
            f"due {subject.next_review:%d %b %Y}",
            subject.get_absolute_url(),
            EVERYONE,
        )
        for subject in subjects
    ]
    return _section("reviews", "Reviews due", rows)


def _review_item(review: WithAnnotations[ProgrammeReview, _Progress]) -> AgendaItem:
    return _item(
        f"{review} is open",
        f"{review.done_count} of {review.item_count} items reviewed",
        review.get_absolute_url(),
        LEADERSHIP,
    )
