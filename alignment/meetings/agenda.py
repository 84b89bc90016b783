"""A meeting's agenda, built from live data.

A one-on-one looks at its department: unmitigated conflicts with that department's
goals, its goals at risk or off track, impact assessments awaiting its head, and the
action items still open from earlier meetings of the series. Joint and senior-leadership
meetings look across every department, and at every open action item from earlier
meetings.

The agenda is stored on the occurrence as JSON (a snapshot: what was on the table then),
and rebuilt on request or when the meeting is near (alignment/meetings/materialise.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

from alignment.meetings.models import ActionItem, MeetingKind, Occurrence
from alignment.models import AlignmentLink, ImpactAssessment
from departments.models import Department, Goal

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
    """The agenda for `occurrence`: four sections, each capped at ITEMS_PER_SECTION.

    A one-on-one looks at its department (None for the meetings that look across all).
    """
    series = occurrence.series
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
