"""The meetings' figures on the CISO's dashboard: what is coming, cadence, overdue actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from alignment.meetings.models import (
    ActionItem,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
)
from alignment.meetings.models.series import held_condition


@dataclass
class MeetingsOverview:
    """The meeting figures of the dashboard.

    - upcoming: scheduled meetings that start within the next 14 days;
    - cadence: the active one-on-ones furthest behind (`furthest_behind`), each with
      `planned` (meetings due in the last 90 days) and `held`; cadence_count: how many
      active one-on-ones there are in all;
    - overdue: open action items whose due date has passed.
    """

    upcoming: list[Occurrence]
    upcoming_count: int
    cadence: list[MeetingSeries]
    cadence_count: int
    overdue: list[ActionItem]
    overdue_count: int


def one_on_ones(*, now: dt.datetime) -> QuerySet[MeetingSeries]:
    """Every active one-on-one with its cadence over the last 90 days (`with_cadence`)."""
    return (
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE)
        .with_cadence(days=90, now=now)
    )


def furthest_behind(series: QuerySet[MeetingSeries], limit: int) -> list[MeetingSeries]:
    """The `limit` one-on-ones furthest behind, ranked by the database in one query:
    held ÷ planned lowest first (nothing planned counts as on track), then the most
    planned, then by department. At 600 departments a page names these, not every one."""
    ratio = Cast("held", FloatField()) / NullIf(Cast("planned", FloatField()), Value(0.0))
    ranked = series.annotate(health=Coalesce(ratio, Value(1.0), output_field=FloatField()))
    return list(
        ranked.select_related("leader", "department").order_by(
            "health", "-planned", "department__name", "pk"
        )[:limit]
    )


def cadence_totals(*, now: dt.datetime, days: int = 90) -> dict[str, int]:
    """Over every active one-on-one: meetings planned and held in the last `days` (as
    `with_cadence` counts them), and how many series — two aggregate queries."""
    ones = MeetingSeries.objects.active().filter(kind=MeetingKind.ONE_ON_ONE)
    due = Occurrence.objects.filter(
        series__in=ones, start__gte=now - dt.timedelta(days=days), end__lte=now
    )
    held = Q(status=OccurrenceStatus.SCHEDULED) & held_condition()
    totals = due.aggregate(planned=Count("pk"), held=Count("pk", filter=held))
    return {
        "planned": totals["planned"],
        "held": totals["held"],
        "count": ones.count(),
    }


def meetings_overview(
    *, now: dt.datetime | None = None, limit: int = 8, cadence_rows: int = 10
) -> MeetingsOverview:
    now = now or timezone.now()
    upcoming = Occurrence.objects.upcoming(days=14, now=now)
    overdue = ActionItem.objects.overdue(today=timezone.localdate(now))
    cadence = one_on_ones(now=now)
    return MeetingsOverview(
        upcoming=list(upcoming.select_related("series").order_by("start")[:limit]),
        upcoming_count=upcoming.count(),
        cadence=furthest_behind(cadence, cadence_rows),
        cadence_count=MeetingSeries.objects.active().filter(kind=MeetingKind.ONE_ON_ONE).count(),
        overdue=list(
            overdue.select_related("owner", "occurrence__series", "review_item__review").order_by(
                "due_date"
            )[:limit]
        ),
        overdue_count=overdue.count(),
    )
