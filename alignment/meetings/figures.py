"""The meetings' figures on the CISO's dashboard: what is coming, cadence, overdue actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from alignment.meetings.models import ActionItem, MeetingKind, MeetingSeries, Occurrence


@dataclass
class MeetingsOverview:
    """The meeting figures of the dashboard.

    - upcoming: scheduled meetings that start within the next 14 days;
    - cadence: each active one-on-one with `planned` (meetings due in the last 90 days)
      and `held` (of those, not cancelled); health = held ÷ planned;
    - overdue: open action items whose due date has passed.
    """

    upcoming: list[Occurrence]
    upcoming_count: int
    cadence: list[MeetingSeries]
    overdue: list[ActionItem]
    overdue_count: int


def meetings_overview(*, now: dt.datetime | None = None, limit: int = 8) -> MeetingsOverview:
    now = now or timezone.now()
    upcoming = Occurrence.objects.upcoming(days=14, now=now)
    overdue = ActionItem.objects.overdue(today=timezone.localdate(now))
    cadence = (
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE)
        .select_related("leader", "department")
        .with_cadence(days=90, now=now)
        .order_by("department__name", "leader__last_name")
    )
    return MeetingsOverview(
        upcoming=list(upcoming.select_related("series").order_by("start")[:limit]),
        upcoming_count=upcoming.count(),
        cadence=list(cadence),
        overdue=list(
            overdue.select_related("owner", "occurrence__series", "review_item__review").order_by(
                "due_date"
            )[:limit]
        ),
        overdue_count=overdue.count(),
    )
