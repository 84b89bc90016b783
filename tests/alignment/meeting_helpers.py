"""Building meetings for the tests: a fixed clock and a one-on-one of department B."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alignment.meetings import services as meeting_services
from alignment.meetings.models import MeetingKind, MeetingSeries
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.services import Guest

UTC = dt.UTC
# A Monday morning; Europe changes to summer time on 29 March 2026, the US on 8 March.
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def one_on_one(
    *,
    organiser: Any,
    leader: Any,
    department: Any,
    first: dt.date = dt.date(2026, 3, 10),
    at: dt.time = dt.time(9, 0),
    tz: str = "Europe/Berlin",
    preset: str = Preset.MONTHLY,
    rule: str | None = None,
    now: dt.datetime = NOW,
    guests: tuple[Guest, ...] = (),
    users: tuple[Any, ...] = (),
    leads: list[int] | None = None,
    **extra: Any,
) -> MeetingSeries:
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.ONE_ON_ONE,
        title=f"One-on-one with {leader.username}",
        rule=rule or preset_rule(preset, first),
        start_date=first,
        start_time=at,
        time_zone=tz,
        duration_minutes=45,
        department=department,
        leader=leader,
        users=users,
        guests=guests,
        reminder_leads=leads,
        now=now,
        **extra,
    )


def joint(
    *, organiser: Any, heads: list[Any], now: dt.datetime = NOW, **extra: Any
) -> MeetingSeries:
    first = dt.date(2026, 3, 5)
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.JOINT,
        title="Joint meeting",
        rule=preset_rule(Preset.QUARTERLY, first),
        start_date=first,
        start_time=dt.time(14, 0),
        time_zone="Europe/London",
        duration_minutes=90,
        users=heads,
        now=now,
        **extra,
    )
