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

Every section is capped at ITEMS_PER_SECTION and read in a fixed number of queries,
however many rows there are.

The agenda is stored on the occurrence as JSON (a snapshot: what was on the table then),
and rebuilt on request or when the meeting is near (alignment/meetings/materialise.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, TypeVar, cast

from django.db.models import F, Model, OuterRef, QuerySet, Subquery, Sum
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


class AgendaItem(TypedDict):
    text: str
    detail: str
    url: str


class AgendaSection(TypedDict):
    key: str
    title: str
    items: list[AgendaItem]
    more: bool  # more items than shown


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


class Agenda(TypedDict):
    """What `Occurrence.agenda` stores, as JSON (`{}` until one is built)."""

    scope: str
    sections: list[AgendaSection]


def _section(key: str, title: str, rows: list[AgendaItem]) -> AgendaSection:
    more = len(rows) > ITEMS_PER_SECTION
    return {"key": key, "title": title, "items": rows[:ITEMS_PER_SECTION], "more": more}


def _limited(queryset: QuerySet[_M]) -> list[_M]:
    # One row more than shown tells whether there are more, without a COUNT query.
    return list(queryset[: ITEMS_PER_SECTION + 1])


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
    }


def _where(department: Department | None, name: str) -> str:
    """An item's department, named only on an agenda that looks across all of them."""
    return f" ({name})" if department is None else ""


def _conflicts(department: Department | None) -> AgendaSection:
    links = AlignmentLink.objects.unmitigated().select_related("initiative", "goal__department")
    if department is not None:
        links = links.filter(goal__department=department)
    rows: list[AgendaItem] = [
        {
            "text": f"{link.initiative.title} conflicts with “{link.goal.title}”"
            + _where(department, link.goal.department.name),
            "detail": link.rationale,
            "url": link.goal.get_absolute_url(),
        }
        for link in _limited(links.order_by("goal__department__name", "goal__title"))
    ]
    return _section("conflicts", "Unmitigated conflicts", rows)


def _goals(department: Department | None) -> AgendaSection:
    goals = Goal.objects.at_risk().select_related("department")
    if department is not None:
        goals = goals.filter(department=department)
    rows: list[AgendaItem] = [
        {
            "text": goal.title + _where(department, goal.department.name),
            "detail": f"{goal.get_status_display()}, {goal.progress_percent} % of the way",
            "url": goal.get_absolute_url(),
        }
        for goal in _limited(goals.order_by("department__name", "due_date"))
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
    rows: list[AgendaItem] = [
        {
            "text": f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
            + _where(department, assessment.department.name),
            "detail": assessment.processes_touched,
            "url": assessment.initiative.get_absolute_url(),
        }
        for assessment in _limited(assessments.order_by("department__name", "pk"))
    ]
    return _section("assessments", "Impact assessments awaiting the head's agreement", rows)


def _actions(occurrence: Occurrence, department: Department | None) -> AgendaSection:
    """Open action items from meetings before this one: of its series for a one-on-one."""
    actions = (
        ActionItem.objects.open()
        .filter(occurrence__start__lt=occurrence.start)
        .select_related("owner", "occurrence__series", "review_item__review")
        .order_by("due_date", "pk")
    )
    if department is not None:
        actions = actions.filter(occurrence__series=occurrence.series)
    rows: list[AgendaItem] = [
        {
            "text": item.title,
            "detail": _action_detail(item),
            "url": item.get_absolute_url(),
        }
        for item in _limited(actions)
    ]
    return _section("actions", "Open action items from earlier meetings", rows)


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
    rows: list[AgendaItem] = [
        {
            "text": str(pack),
            "detail": f"frozen {timezone.localtime(pack.frozen_at):%d %b %Y}",
            "url": pack.get_absolute_url(),
        }
        for pack in _limited(packs.order_by("-number"))
    ]
    return _section("packs", "Board packs awaiting approval", rows)


def _cases() -> AgendaSection:
    # with_lines reads what the figures need in a fixed number of queries, and only for
    # the cases shown (the slice comes first).
    cases = BusinessCase.objects.awaiting_decision().with_lines().order_by("submitted_at", "pk")
    rows: list[AgendaItem] = [
        {
            "text": f"{case.title} (revision {case.revision})",
            "detail": _case_detail(case),
            "url": case.get_absolute_url(),
        }
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
    hours = (
        ImpactAssessment.objects.counted()
        .filter(department=OuterRef("pk"))
        .values("department")
        .annotate(total=Sum("hours_per_week"))
        .values("total")
    )
    departments = cast(
        "QuerySet[WithAnnotations[Department, _Hours]]",
        Department.objects.annotate(hours=Subquery(hours))
        .filter(hours__gt=F("friction_budget_hours"))
        .order_by("name"),
    )
    rows = [_friction_item(department) for department in _limited(departments)]
    return _section("friction", "Departments over their friction budget", rows)


def _friction_item(department: WithAnnotations[Department, _Hours]) -> AgendaItem:
    friction = Friction(department, department.hours, department.friction_budget_hours)
    return {
        # One decimal, as hours are stored: SQLite hands a sum back without its scale.
        "text": f"{department.name}: {friction.hours:.1f} h/week",
        "detail": f"budget {friction.budget:.1f} h/week, {friction.overrun:.1f} h over "
        f"({friction.percent} %)",
        "url": department.get_absolute_url(),
    }


def _refused() -> AgendaSection:
    assessments = (
        ImpactAssessment.objects.counted().refused().select_related("initiative", "department")
    )
    rows: list[AgendaItem] = [
        {
            "text": f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
            f" ({assessment.department.name})",
            "detail": assessment.head_comment,
            "url": assessment.initiative.get_absolute_url(),
        }
        for assessment in _limited(assessments.order_by("department__name", "pk"))
    ]
    return _section("refused", "Impact assessments refused by heads", rows)


def _measures(today: dt.date) -> AgendaSection:
    measures = cast(
        "QuerySet[WithAnnotations[Measure, _LatestSample]]",
        Measure.objects.red_or_stale(today)
        .select_related("objective")
        .order_by("objective__position", "objective__title", "title"),
    )
    rows: list[AgendaItem] = [
        {
            "text": f"{measure.title} ({measure.objective.title})",
            "detail": _measure_detail(measure),
            "url": measure.get_absolute_url(),
        }
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
        {
            "text": f"{subject} needs review",
            "detail": f"due {subject.next_review:%d %b %Y}",
            "url": subject.get_absolute_url(),
        }
        for subject in subjects
    ]
    return _section("reviews", "Reviews due", rows)


def _review_item(review: WithAnnotations[ProgrammeReview, _Progress]) -> AgendaItem:
    return {
        "text": f"{review} is open",
        "detail": f"{review.done_count} of {review.item_count} items reviewed",
        "url": review.get_absolute_url(),
    }


def refresh_agenda(occurrence: Occurrence, *, now: dt.datetime | None = None) -> None:
    occurrence.agenda = build_agenda(occurrence)
    occurrence.agenda_built_at = now or timezone.now()
    occurrence.save(update_fields=["agenda", "agenda_built_at", "updated_at"])


def agenda_lines(agenda: Agenda) -> list[str]:
    """The agenda as plain-text lines, for the text part of emails."""
    lines: list[str] = []
    for section in agenda.get("sections", []):
        if not section["items"]:
            continue
        lines.append(f"{section['title']}:")
        lines += [f"  - {item['text']}" for item in section["items"]]
        if section.get("more"):
            lines.append("  - … and more on the meeting page")
    return lines or ["Nothing open: a good time to look ahead."]
