"""One click: a monthly one-on-one with every key leader, the quarterly joint meeting.

Both are idempotent: a leader who already has an active one-on-one with the organiser is
skipped (a database uniqueness backs this), and an organiser has one joint meeting.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from alignment.meetings.models import MeetingKind, MeetingSeries, profile_for
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.services import series_create
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ONE_ON_ONE_SLOTS = (dt.time(10, 0), dt.time(11, 30), dt.time(14, 0), dt.time(15, 30))


def _next_monday(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    today = timezone.localtime(now, zone).date()
    return today + dt.timedelta(days=7 - today.weekday())


def _business_day(first: dt.date, offset: int) -> dt.date:
    day = first
    for _ in range(offset):
        day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    return day


def key_leaders() -> list[tuple[Department, User]]:
    """(department, leader) for every head and key leader, heads first."""
    pairs: list[tuple[Department, User]] = []
    for department in Department.objects.select_related("head").prefetch_related("key_leaders"):
        people = [department.head, *department.key_leaders.all()]
        seen: set[int] = set()
        for person in people:
            if person is not None and person.pk not in seen:
                seen.add(person.pk)
                pairs.append((department, person))
    return pairs


@transaction.atomic
def schedule_one_on_ones(*, organiser: User, now: dt.datetime | None = None) -> list[MeetingSeries]:
    """A monthly one-on-one with every key leader who has none yet, at staggered slots.

    Slots run from next Monday, four per business day, in the organiser's time zone;
    each series repeats on the same weekday of the month (the 'monthly' preset).
    """
    now = now or timezone.now()
    zone = profile_for(organiser).zone
    taken = set(
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE, organiser=organiser)
        .values_list("department_id", "leader_id")
    )
    todo = [(d, u) for d, u in key_leaders() if (d.pk, u.pk) not in taken and u.pk != organiser.pk]
    first = _next_monday(now, zone)
    created = []
    for index, (department, leader) in enumerate(todo):
        day = _business_day(first, index // len(ONE_ON_ONE_SLOTS))
        name = leader.get_full_name() or leader.get_username()
        created.append(
            series_create(
                organiser=organiser,
                kind=MeetingKind.ONE_ON_ONE,
                title=f"One-on-one: {name} ({department.name})",
                rule=preset_rule(Preset.MONTHLY, day),
                start_date=day,
                start_time=ONE_ON_ONE_SLOTS[index % len(ONE_ON_ONE_SLOTS)],
                time_zone=zone.key,
                duration_minutes=45,
                department=department,
                leader=leader,
                now=now,
            )
        )
    return created


@transaction.atomic
def schedule_joint_meeting(
    *, organiser: User, now: dt.datetime | None = None
) -> tuple[MeetingSeries, bool]:
    """A quarterly meeting of all department heads; (series, created). Once per organiser."""
    now = now or timezone.now()
    existing = (
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.JOINT, organiser=organiser)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    zone = profile_for(organiser).zone
    today = timezone.localtime(now, zone).date()
    first_of_next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    # The first Thursday of next month.
    day = first_of_next_month + dt.timedelta(days=(3 - first_of_next_month.weekday()) % 7)
    heads = [d.head for d in Department.objects.select_related("head") if d.head is not None]
    series = series_create(
        organiser=organiser,
        kind=MeetingKind.JOINT,
        title="Joint meeting of department heads",
        rule=preset_rule(Preset.QUARTERLY, day),
        start_date=day,
        start_time=dt.time(14, 0),
        time_zone=zone.key,
        duration_minutes=90,
        users=heads,
        now=now,
    )
    return series, True
