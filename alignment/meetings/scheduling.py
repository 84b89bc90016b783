"""One click: a monthly one-on-one with every key leader, the quarterly joint meeting.

Both are idempotent: a leader who already has an active one-on-one with the organiser is
skipped (a database uniqueness backs this), and an organiser has one joint meeting.

Both find their time with alignment/meetings/slots.py: no meeting of the new series may
overlap a meeting of the organiser or an attendee within the horizon, and each falls in
everyone's working hours. A leader for whom no such slot exists gets no series (the page
names them) rather than a double booking.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from alignment.meetings import slots
from alignment.meetings.models import MeetingKind, MeetingSeries, profile_for
from alignment.meetings.recurrence import Preset
from alignment.meetings.services import series_create
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Tried first on each day, then every quarter of an hour of everyone's working day.
ONE_ON_ONE_SLOTS = (dt.time(10, 0), dt.time(11, 30), dt.time(14, 0), dt.time(15, 30))
ONE_ON_ONE = dt.timedelta(minutes=45)
JOINT = dt.timedelta(minutes=90)
THURSDAY = 3


def _next_monday(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    today = timezone.localtime(now, zone).date()
    return today + dt.timedelta(days=7 - today.weekday())


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


def leaders_without_one_on_one(organiser: User) -> list[tuple[Department, User]]:
    """The (department, leader) pairs the organiser has no active one-on-one with yet."""
    taken = set(
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE, organiser=organiser)
        .values_list("department_id", "leader_id")
    )
    return [(d, u) for d, u in key_leaders() if (d.pk, u.pk) not in taken and u.pk != organiser.pk]


def one_on_one_days(organiser: User) -> Counter[int]:
    """How many active one-on-ones the organiser has on each weekday (date.weekday())."""
    days = (
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE, organiser=organiser)
        .values_list("start_date", flat=True)
    )
    return Counter(day.weekday() for day in days)


@transaction.atomic
def schedule_one_on_ones(*, organiser: User, now: dt.datetime | None = None) -> list[MeetingSeries]:
    """A monthly one-on-one with every key leader who has none yet, where all are free.

    First meetings from next Monday on, in the organiser's time zone, on the weekday
    with the fewest one-on-ones so far; each series repeats on the same weekday of the
    month (the 'monthly' preset). A leader without a free slot is left out:
    `leaders_without_one_on_one` still lists them afterwards.
    """
    now = now or timezone.now()
    zone = profile_for(organiser).zone
    todo = leaders_without_one_on_one(organiser)
    if not todo:
        return []
    calendars = slots.Calendars.load([organiser, *(u for _d, u in todo)], now=now)
    load = one_on_one_days(organiser)
    first = _next_monday(now, zone)
    created = []
    for department, leader in todo:
        slot = slots.find_slot(
            calendars,
            organiser=organiser,
            attendees=[leader],
            duration=ONE_ON_ONE,
            preset=Preset.MONTHLY,
            days=slots.candidate_days(first, load=load),
            times=slots.candidate_times(ONE_ON_ONE_SLOTS),
        )
        if slot is None:
            continue
        name = leader.get_full_name() or leader.get_username()
        title = f"One-on-one: {name} ({department.name})"
        calendars.add_slot([organiser.pk, leader.pk], slot, ONE_ON_ONE, title)
        load[slot.day.weekday()] += 1
        created.append(
            series_create(
                organiser=organiser,
                kind=MeetingKind.ONE_ON_ONE,
                title=title,
                rule=slot.rule,
                start_date=slot.day,
                start_time=slot.time,
                time_zone=zone.key,
                duration_minutes=int(ONE_ON_ONE.total_seconds() // 60),
                department=department,
                leader=leader,
                now=now,
            )
        )
    return created


@transaction.atomic
def schedule_joint_meeting(
    *, organiser: User, now: dt.datetime | None = None
) -> tuple[MeetingSeries | None, bool]:
    """A quarterly meeting of all department heads; (series, created). Once per organiser.

    (None, False) when no slot within the next weeks suits everyone.
    """
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
    # The first Thursday of next month at 14:00 if everyone is free, else the next
    # free Thursday, else another day.
    day = first_of_next_month + dt.timedelta(days=(THURSDAY - first_of_next_month.weekday()) % 7)
    heads = [d.head for d in Department.objects.select_related("head") if d.head is not None]
    calendars = slots.Calendars.load([organiser, *heads], now=now)
    slot = slots.find_slot(
        calendars,
        organiser=organiser,
        attendees=heads,
        duration=JOINT,
        preset=Preset.QUARTERLY,
        days=slots.candidate_days(day, load={d: int(d != THURSDAY) for d in range(7)}),
        times=slots.candidate_times([dt.time(14, 0)]),
    )
    if slot is None:
        return None, False
    series = series_create(
        organiser=organiser,
        kind=MeetingKind.JOINT,
        title="Joint meeting of department heads",
        rule=slot.rule,
        start_date=slot.day,
        start_time=slot.time,
        time_zone=zone.key,
        duration_minutes=int(JOINT.total_seconds() // 60),
        users=heads,
        now=now,
    )
    return series, True
