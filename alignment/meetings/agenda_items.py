"""What every agenda is made of: items, sections, who may see an item, and the rows
read for them (alignment/meetings/agenda.py builds the department agendas,
alignment/meetings/agenda_senior.py the senior-leadership one, from these).

A section keeps up to ITEMS_PER_SECTION + 1 rows per department or series it covers, so
that a viewer who sees only some of them still sees theirs in full; the viewer's agenda
is capped at ITEMS_PER_SECTION.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NotRequired, TypedDict, TypeVar

from django.db.models import F, Model, OuterRef, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber

from alignment.meetings.models import ActionItem, Occurrence
from alignment.models import ImpactAssessment

ITEMS_PER_SECTION = 15

M = TypeVar("M", bound=Model)


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
    # On a joint meeting's department items only (`SHARE_KEY`); a snapshot stored before
    # shares existed has neither.
    key: NotRequired[str]
    shared: NotRequired[bool]  # shown in full to every head of the series


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


class Hours(TypedDict):
    hours: Decimal


class LatestSample(TypedDict):
    """What `MeasureQuerySet.red_or_stale` annotates."""

    latest_value: Decimal | None
    latest_date: dt.date | None
    red_now: bool | None
    stale_now: bool | None


class Progress(TypedDict):
    """What `ProgrammeReviewQuerySet.annotate_progress` annotates."""

    item_count: int
    done_count: int


class Agenda(TypedDict):
    """What `Occurrence.agenda` stores, as JSON (`{}` until one is built; a snapshot
    stored before this shape has neither `audience` on its items nor `departments`)."""

    scope: str
    sections: list[AgendaSection]
    departments: NotRequired[list[DepartmentFigures]]


def make_section(key: str, title: str, rows: list[AgendaItem]) -> AgendaSection:
    # Every row read is kept: the viewer's agenda is capped after filtering.
    return {"key": key, "title": title, "items": rows, "more": False}


def make_item(
    text: str, detail: str, url: str, audience: str, ref: int | None = None
) -> AgendaItem:
    return {"text": text, "detail": detail, "url": url, "audience": audience, "ref": ref}


def limited(queryset: QuerySet[M]) -> list[M]:
    # One row more than shown tells whether there are more, without a COUNT query.
    return list(queryset[: ITEMS_PER_SECTION + 1])


def per(queryset: QuerySet[M], partition: str, *order: str) -> list[M]:
    """The first ITEMS_PER_SECTION + 1 rows, in `order`, of each `partition` (a department,
    a series), in one query: a head who sees only their department's rows sees them all,
    however many other departments have."""
    ranked = queryset.annotate(
        agenda_rank=Window(RowNumber(), partition_by=F(partition), order_by=list(order))
    )
    return list(ranked.filter(agenda_rank__lte=ITEMS_PER_SECTION + 1).order_by(*order))


def actions(occurrence: Occurrence) -> AgendaSection:
    """Open action items from earlier meetings of this one's series, whatever its kind:
    a one-on-one's never show on another series' agenda, not even to the security team.

    They are seen by the people of the series (their link is that meeting's page)."""
    open_items = (
        ActionItem.objects.open()
        .filter(occurrence__series=occurrence.series_id, occurrence__start__lt=occurrence.start)
        .select_related("owner", "occurrence")
        .order_by("due_date", "pk")
    )
    rows = [
        make_item(
            item.title,
            action_detail(item),
            item.get_absolute_url(),
            SERIES,
            occurrence.series_id,
        )
        for item in limited(open_items)
    ]
    return make_section("actions", "Open action items from earlier meetings", rows)


def counted_hours() -> Subquery:
    """The counted hours of the department `OuterRef("pk")`."""
    return Subquery(
        ImpactAssessment.objects.counted()
        .filter(department=OuterRef("pk"))
        .order_by()
        .values("department")
        .annotate(total=Sum("hours_per_week"))
        .values("total")
    )


def action_detail(item: ActionItem) -> str:
    owner = item.owner.get_full_name() or item.owner.get_username() if item.owner else "no owner"
    due = f", due {item.due_date:%d %b %Y}" if item.due_date else ""
    return f"{owner}{due}"
