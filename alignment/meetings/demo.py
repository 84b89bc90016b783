"""The meetings of the demo company, called at the end of `seed_demo`.

- a monthly one-on-one with every department head, with three months of history
  (attendance taken at every past meeting; one meeting cancelled and, in Finance, one
  no-show, so cadence health is not all green), minutes — the latest final and emailed —,
  decisions and action items — one of them overdue; and one with every other key leader,
  from next week;
- the quarterly joint meeting of the heads and a monthly senior-leadership meeting;
- none of the CISO's meetings overlaps another: each series after the briefing is placed
  by the clash-free search (alignment/meetings/slots.py), inside working hours;
- a weekly security briefing whose next meeting starts about 30 minutes after seeding
  with a one-hour reminder: that reminder is due at once, so `make run` delivers it to
  var/mail/ within a minute or two (the first sweep of beat, or the one the seed itself
  enqueued).

Runs once: when the CISO already organises a series, nothing is added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from alignment.meetings import after, slots
from alignment.meetings import scheduling as meeting_setup
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    ActionItem,
    Decision,
    MeetingKind,
    MeetingSeries,
    OccurrenceStatus,
    profile_for,
)
from alignment.meetings.recurrence import Preset, preset_rule
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HISTORY = dt.timedelta(days=92)
BRIEFING_LEAD_MINUTES = 60
TUESDAY = 1
MINUTES = (
    "Walked through the open conflicts. The change-approval gate slows urgent fixes; "
    "agreed to trial a pre-approved list of standard changes. Access reviews: fine outside "
    "the close week."
)


def _next_slot(now: dt.datetime, zone: ZoneInfo, minutes: int) -> dt.datetime:
    """`minutes` from now, rounded up to the next five minutes, in `zone`."""
    local = timezone.localtime(now + dt.timedelta(minutes=minutes), zone)
    extra = (5 - local.minute % 5) % 5
    return (local + dt.timedelta(minutes=extra)).replace(second=0, microsecond=0)


def seed_meetings(users: Mapping[str, User], *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    ciso = users["ciso"]
    if MeetingSeries.objects.filter(organiser=ciso).exists():
        return
    zone = profile_for(ciso).zone
    # The briefing first: its time is fixed (its reminder is due at once); every other
    # series is placed where the CISO and its attendees are free (alignment/meetings/slots.py).
    _briefing(users, zone, now)
    _heads(ciso, zone, now)
    meeting_setup.schedule_one_on_ones(organiser=ciso, now=now)
    meeting_setup.schedule_joint_meeting(organiser=ciso, now=now)
    _senior_leadership(users, zone, now)


def _heads(ciso: User, zone: ZoneInfo, now: dt.datetime) -> None:
    """A monthly one-on-one with every head, begun three months ago, where all are free."""
    departments = list(Department.objects.select_related("head").order_by("name"))
    heads = [department.head for department in departments]
    # seed_organisation gives each of its departments a head; a department made by
    # hand without one stops the seed (and its transaction) here.
    assert None not in heads, "a department has no head"
    calendars = slots.Calendars.load([ciso, *(h for h in heads if h)], now=now)
    first_day = timezone.localtime(now - HISTORY, zone).date()
    load = meeting_setup.one_on_one_days(ciso)
    for index, department in enumerate(departments):
        head = department.head
        assert head is not None
        preferred = dt.time(10, 0) if index % 2 else dt.time(14, 30)
        slot = slots.find_slot(
            calendars,
            organiser=ciso,
            attendees=[head],
            duration=meeting_setup.ONE_ON_ONE,
            preset=Preset.MONTHLY,
            days=slots.candidate_days(first_day, load=load),
            times=slots.candidate_times([preferred]),
            started=True,
        )
        if slot is None:  # pragma: no cover - the demo's calendars are nearly empty
            continue
        title = f"One-on-one: {head.get_full_name()} ({department.name})"
        calendars.add_slot([ciso.pk, head.pk], slot, meeting_setup.ONE_ON_ONE, title)
        load[slot.day.weekday()] += 1
        series = meeting_services.series_create(
            organiser=ciso,
            kind=MeetingKind.ONE_ON_ONE,
            title=title,
            rule=slot.rule,
            start_date=slot.day,
            start_time=slot.time,
            time_zone=zone.key,
            duration_minutes=45,
            department=department,
            leader=head,
            location="CISO's office",
            now=now,
            since=now - HISTORY,
        )
        _history(series, department, missed=department.slug == "sales", now=now)


def _history(
    series: MeetingSeries, department: Department, *, missed: bool, now: dt.datetime
) -> None:
    # Meetings that are over: one under way now (seeding at 15:00 a meeting of 14:30)
    # has no attendance yet, or the demo would depend on the hour it is seeded at.
    past = list(series.occurrences.filter(end__lte=now).order_by("start"))
    if not past:
        return
    if missed and len(past) > 2:
        # The meeting before the latest: inside the dashboard's 90 days.
        cancelled = past.pop(-2)
        cancelled.status = OccurrenceStatus.CANCELLED
        cancelled.overridden = True
        cancelled.save(update_fields=["status", "overridden", "updated_at"])
    latest = past[-1]
    for occurrence in past:
        # Finance's head missed the meeting before the latest: a no-show; all others came.
        no_show = department.slug == "finance" and len(past) > 1 and occurrence == past[-2]
        absent = {series.leader_id} if no_show else set()
        present = {a.pk for a in series.attendees.all() if a.user_id not in absent}
        after.record_attendance(occurrence, present, series.organiser, now=now)
    latest.minutes = MINUTES if department.slug == "infrastructure" else "Reviewed the agenda."
    latest.save(update_fields=["minutes", "updated_at"])
    Decision.objects.create(
        occurrence=latest,
        text=f"{department.name} reviews its open conflicts with the security team monthly.",
        recorded_by=series.organiser,
    )
    # Final, emailed to both with the decision and the action item below (`make run`
    # delivers them to var/mail/).
    today = timezone.localdate(now)
    ActionItem.objects.create(
        occurrence=latest,
        title="Send the list of standard changes for pre-approval",
        owner=department.head,
        due_date=today - dt.timedelta(days=5),  # overdue: it shows on the dashboard
        created_by=series.organiser,
    )
    done = ActionItem(
        occurrence=past[0],
        title="Name a deputy for access reviews",
        owner=department.head,
        due_date=today - dt.timedelta(days=40),
        created_by=series.organiser,
    )
    done.set_done(True, at=now - dt.timedelta(days=42))
    done.save()
    after.finalise_minutes(latest, series.organiser, now=min(latest.end, now))


def _senior_leadership(users: Mapping[str, User], zone: ZoneInfo, now: dt.datetime) -> None:
    """Monthly, a Tuesday at 16:00 from ten days on, or the first time all are free."""
    ciso, people = users["ciso"], [users["exec"], users["cfo"]]
    day = timezone.localtime(now, zone).date() + dt.timedelta(days=10)
    slot = slots.find_slot(
        slots.Calendars.load([ciso, *people], now=now),
        organiser=ciso,
        attendees=people,
        duration=dt.timedelta(minutes=60),
        preset=Preset.MONTHLY,
        days=slots.candidate_days(day, load={d: int(d != TUESDAY) for d in range(7)}),
        times=slots.candidate_times([dt.time(16, 0)]),
    )
    if slot is None:  # pragma: no cover - the demo's calendars are nearly empty
        return
    meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.SENIOR,
        title="Security with senior leadership",
        rule=slot.rule,
        start_date=slot.day,
        start_time=slot.time,
        time_zone=zone.key,
        duration_minutes=60,
        users=people,
        location="Board room",
        now=now,
    )


def _briefing(users: Mapping[str, User], zone: ZoneInfo, now: dt.datetime) -> None:
    start = _next_slot(now, zone, 30)
    meeting_services.series_create(
        organiser=users["ciso"],
        kind=MeetingKind.SENIOR,
        title="Weekly security briefing",
        rule=preset_rule(Preset.WEEKLY, start.date()),
        start_date=start.date(),
        start_time=start.time(),
        time_zone=zone.key,
        duration_minutes=30,
        users=[users["exec"], users["head-infrastructure"]],
        video_link="https://meet.example.com/security-briefing",
        reminder_leads=[BRIEFING_LEAD_MINUTES],
        now=now,
    )
