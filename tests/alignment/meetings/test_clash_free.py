"""Clash-free scheduling (issue 11): free slots, the one-click one-on-ones, the demo, the
series form's clash check, and working hours on the profile."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.meetings import scheduling as meeting_setup
from alignment.meetings import services as meeting_services
from alignment.meetings import slots
from alignment.meetings.demo import seed_meetings
from alignment.meetings.models import (
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    UserProfile,
)
from alignment.meetings.models.profiles import ALL_DAYS, MONDAY_TO_FRIDAY
from alignment.meetings.recurrence import Preset, Schedule, preset_rule
from departments.demo import seed_organisation
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
HORIZON = dt.timedelta(days=120)
Interval = tuple[dt.datetime, dt.datetime]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"alignment:{name}", args=args)


def person(username: str, zone: str, start: int = 9, end: int = 17, days: int = 31) -> Any:
    user = factories.UserFactory(username=username)
    UserProfile.objects.create(
        user=user, time_zone=zone, work_start_hour=start, work_end_hour=end, work_days=days
    )
    return user


def meeting(
    organiser: Any, attendees: list[Any], local: dt.datetime, zone: str, minutes: int, rule: str
) -> MeetingSeries:
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.SENIOR,
        title=f"Busy {local:%d %b %H:%M} {zone}",
        rule=rule,
        start_date=local.date(),
        start_time=local.time(),
        time_zone=zone,
        duration_minutes=minutes,
        users=attendees,
        now=NOW,
    )


def busy_of(user: Any, after: dt.datetime, before: dt.datetime) -> list[Interval]:
    """The oracle: every scheduled meeting of `user`, from the rows and from the rules."""
    series = MeetingSeries.objects.filter(active=True).filter(
        pk__in=[
            *MeetingSeries.objects.filter(organiser=user).values_list("pk", flat=True),
            *user.meeting_attendances.values_list("series_id", flat=True),
        ]
    )
    found = {(s, s + one.duration) for one in series for s in one.schedule.between(after, before)}
    rows = Occurrence.objects.filter(series__in=series, status=OccurrenceStatus.SCHEDULED)
    found |= {(o.start, o.end) for o in rows if o.end > after and o.start < before}
    return sorted(found)


def in_hours(user: Any, start: dt.datetime, end: dt.datetime) -> bool:
    """The oracle for working hours, written out on its own."""
    profile = UserProfile.objects.get(user=user)
    zone = ZoneInfo(profile.time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    minutes_in = local_start.hour * 60 + local_start.minute
    minutes_out = (local_end.date() - local_start.date()).days * 1440 + (
        local_end.hour * 60 + local_end.minute
    )
    return (
        bool(profile.work_days & (1 << local_start.weekday()))
        and minutes_in >= profile.work_start_hour * 60
        and minutes_out <= profile.work_end_hour * 60
    )


def overlapping(intervals: list[Interval]) -> list[tuple[Interval, Interval]]:
    ordered = sorted(intervals)
    return [(a, b) for a, b in pairwise(ordered) if b[0] < a[1]]


# --- The search -----------------------------------------------------------------------------

existing = st.tuples(
    st.integers(0, 2),  # whose: the organiser, the first or the second attendee
    st.sampled_from(ZONES),  # the zone the meeting is defined in
    st.integers(0, 130),  # first day, from NOW: across every daylight-saving change
    st.integers(6 * 4, 20 * 4),  # local start, in quarters of an hour
    st.sampled_from([30, 45, 60, 120]),
    st.sampled_from(["once", Preset.WEEKLY, Preset.FORTNIGHTLY, Preset.MONTHLY]),
)
people = st.tuples(
    st.sampled_from(ZONES),
    st.integers(6, 10),
    st.integers(15, 20),
    st.sampled_from([MONDAY_TO_FRIDAY, ALL_DAYS, 0b0001110]),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    crowd=st.lists(people, min_size=2, max_size=3),
    meetings=st.lists(existing, max_size=6),
    preset=st.sampled_from([Preset.WEEKLY, Preset.MONTHLY, Preset.QUARTERLY]),
    minutes=st.sampled_from([30, 45, 60]),
)
def test_a_free_slot_never_overlaps_anyones_meeting_and_keeps_to_working_hours(
    crowd: list[tuple[str, int, int, int]],
    meetings: list[tuple[int, str, int, int, int, str]],
    preset: str,
    minutes: int,
) -> None:
    with transaction.atomic():
        users = [person(f"p{i}", *spec) for i, spec in enumerate(crowd)]
        stranger = person("stranger", "UTC", 0, 24, ALL_DAYS)
        for whose, zone, offset, quarter, length, repeat in meetings:
            day = NOW.astimezone(ZoneInfo(zone)).date() + dt.timedelta(days=offset)
            local = dt.datetime.combine(day, dt.time(quarter // 4, quarter % 4 * 15))
            rule = "FREQ=DAILY;COUNT=1" if repeat == "once" else preset_rule(repeat, day)
            owner = users[min(whose, len(users) - 1)]
            if whose == 0:
                meeting(owner, [], local, zone, length, rule)
            else:
                meeting(stranger, [owner], local, zone, length, rule)
        organiser, attendees = users[0], users[1:]
        duration = dt.timedelta(minutes=minutes)

        slot = slots.first_free_slot(
            organiser=organiser,
            attendees=attendees,
            duration=duration,
            preset=preset,
            now=NOW,
            horizon=HORIZON,
        )

        if slot is not None:
            zone = UserProfile.objects.get(user=organiser).time_zone
            schedule = Schedule(slot.rule, dt.datetime.combine(slot.day, slot.time), zone)
            starts = schedule.between(NOW, NOW + HORIZON)
            assert starts and list(slot.starts) == starts
            assert slot.rule == preset_rule(preset, slot.day)
            for user in users:
                busy = busy_of(user, NOW, NOW + HORIZON)
                for start in starts:
                    assert not [b for b in busy if b[0] < start + duration and b[1] > start]
                    assert in_hours(user, start, start + duration)
        transaction.set_rollback(True)


def test_a_slot_is_found_across_zones_and_daylight_saving() -> None:
    # Berlin and New York overlap 15:00–17:00 Berlin while only the US is on summer time
    # (8–29 March 2026), 14:00–17:00 otherwise: a weekly slot must fit both.
    ciso = person("ciso-b", "Europe/Berlin")
    leader = person("lead-ny", "America/New_York")
    blocker = dt.datetime(2026, 3, 3, 15, 0)  # Tuesday 15:00 Berlin, every week
    meeting(leader, [], blocker, "Europe/Berlin", 60, preset_rule(Preset.WEEKLY, blocker.date()))

    slot = slots.first_free_slot(
        organiser=ciso,
        attendees=[leader],
        duration=dt.timedelta(minutes=45),
        preset=Preset.WEEKLY,
        now=NOW,
    )

    assert slot is not None
    assert len(slot.starts) >= 52  # checked over a year, not only the materialised 90 days
    for start in slot.starts:
        end = start + dt.timedelta(minutes=45)
        assert in_hours(ciso, start, end) and in_hours(leader, start, end)
        assert not [b for b in busy_of(leader, NOW, NOW + HORIZON) if b[0] < end and b[1] > start]


def test_no_slot_when_working_hours_never_meet() -> None:
    ciso = person("ciso-syd", "Australia/Sydney")
    leader = person("lead-ny", "America/New_York")
    found = slots.first_free_slot(
        organiser=ciso,
        attendees=[leader],
        duration=dt.timedelta(minutes=45),
        preset=Preset.MONTHLY,
        now=NOW,
    )
    assert found is None


# --- The one click and the demo -------------------------------------------------------------


def test_one_click_spreads_one_on_ones_over_the_week(ciso: Any) -> None:
    for n in range(5):
        head = factories.UserFactory(username=f"head-{n}")
        factories.DepartmentFactory(name=f"Department {n}", slug=f"department-{n}", head=head)

    created = meeting_setup.schedule_one_on_ones(organiser=ciso, now=NOW)

    assert len(created) == 5
    assert len({s.start_date.weekday() for s in created}) == 5
    starts = [
        (s, s + one.duration) for one in created for s in one.schedule.between(NOW, NOW + HORIZON)
    ]
    assert not overlapping(starts)


def test_one_click_names_the_leader_it_cannot_place_and_books_nothing_for_them(
    ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    UserProfile.objects.create(user=head_a, time_zone="Pacific/Auckland", work_days=0b1000000)
    head_a.first_name, head_a.last_name = "Ira", "Far"
    head_a.save()

    response = client_for(ciso).post(url("schedule-one-on-ones"))

    assert response.status_code == 302
    assert MeetingSeries.objects.filter(leader=head_b).count() == 1
    assert not MeetingSeries.objects.filter(leader=head_a).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "Ira Far (Infrastructure)" in text and "Nothing was scheduled" in text for text in texts
    )


def test_the_demo_books_the_ciso_in_no_two_meetings_at_once() -> None:
    now = timezone.now()
    organisation = seed_organisation(timezone.localdate(now))
    seed_meetings(organisation.users, now=now)
    ciso = organisation.users["ciso"]

    busy = busy_of(ciso, now, now + HORIZON)

    assert len(busy) > 20
    assert overlapping(busy) == []
    assert meeting_setup.leaders_without_one_on_one(ciso) == []
    one_on_ones = MeetingSeries.objects.filter(organiser=ciso, kind=MeetingKind.ONE_ON_ONE)
    assert len({s.start_date.weekday() for s in one_on_ones}) == 5  # spread over the week


# --- The series form ------------------------------------------------------------------------


def form_data(first: dt.date, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "senior",
        "title": "Budget walk-through",
        "preset": "monthly",
        "start_date": first.isoformat(),
        "start_time": "10:15",
        "time_zone": "Europe/Berlin",
        "duration_minutes": "60",
        "reminder_leads": ["60"],
        **extra,
    }


@pytest.fixture
def taken(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    """Head of Sales: a monthly one-on-one from next week, 10:00–10:45 Berlin."""
    first = timezone.localdate() + dt.timedelta(days=7)
    return factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=first,
        at=dt.time(10, 0),
        now=timezone.now(),
    )


def test_the_series_form_refuses_a_clash_until_confirmed(
    taken: MeetingSeries, ciso: Any, head_b: Any
) -> None:
    UserProfile.objects.create(user=ciso, time_zone="America/New_York")
    client = client_for(ciso)
    data = form_data(taken.start_date, attendees=[head_b.pk])

    refused = client.post(url("series-create"), data)

    assert refused.status_code == 422
    page = refused.content.decode()
    assert taken.title in page and "Schedule anyway" in page
    first = taken.occurrences.order_by("start")[0]
    shown = timezone.localtime(first.start, ZoneInfo("America/New_York"))
    assert f"{shown:%H:%M}" in page and "America/New_York" in page  # the viewer's zone
    assert not MeetingSeries.objects.filter(title="Budget walk-through").exists()

    saved = client.post(url("series-create"), data | {"schedule_anyway": "on"})

    assert saved.status_code == 302
    assert MeetingSeries.objects.filter(title="Budget walk-through").exists()


def test_a_free_time_needs_no_confirmation(taken: MeetingSeries, ciso: Any, head_b: Any) -> None:
    data = form_data(taken.start_date, attendees=[head_b.pk], start_time="11:00")
    assert client_for(ciso).post(url("series-create"), data).status_code == 302


def test_moving_a_series_onto_another_meeting_needs_confirmation(
    taken: MeetingSeries, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    other = factories.one_on_one(
        organiser=ciso,
        leader=head_a,
        department=dept_a,
        first=taken.start_date,
        at=dt.time(15, 0),
        now=timezone.now(),
    )
    client = client_for(ciso)
    data = {
        k: v
        for k, v in client.get(url("series-edit", other.pk)).context["form"].initial.items()
        if v is not None
    }
    data |= {
        "start_date": taken.start_date.isoformat(),
        "start_time": "10:30",
        "preset": "monthly",
        "reminder_leads": ["60"],
        "attendees": [],
        "guests": "",
    }

    refused = client.post(url("series-edit", other.pk), data)

    assert refused.status_code == 422 and taken.title in refused.content.decode()
    other.refresh_from_db()
    assert other.start_time == dt.time(15, 0)
    assert (
        client.post(url("series-edit", other.pk), data | {"schedule_anyway": "on"}).status_code
        == 302
    )
    other.refresh_from_db()
    assert other.start_time == dt.time(10, 30)
    # Renaming it afterwards keeps the confirmed time without asking again.
    data["title"] = "Renamed"
    data["version"] = other.version
    assert client.post(url("series-edit", other.pk), data).status_code == 302


# --- Working hours on the profile ------------------------------------------------------------


def test_the_profile_saves_working_hours_and_days(head_b: Any) -> None:
    client = client_for(head_b)
    assert "My working days" in client.get(url("meeting-profile")).content.decode()
    response = client.post(
        url("meeting-profile"),
        {
            "time_zone": "Asia/Kolkata",
            "work_start_hour": "8",
            "work_end_hour": "16",
            "work_days": ["0", "2", "4"],
            "use_series_leads": "on",
        },
    )
    assert response.status_code == 302
    profile = UserProfile.objects.get(user=head_b)
    assert (profile.work_start_hour, profile.work_end_hour, profile.work_days) == (8, 16, 0b10101)
    page = client.get(url("meeting-profile")).content.decode()
    assert 'value="2" checked' in page or 'checked value="2"' in page or "checked" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"work_start_hour": "17", "work_end_hour": "9"}, "The working day ends after it starts."),
        ({"work_start_hour": "9", "work_end_hour": "9"}, "The working day ends after it starts."),
        ({"work_days": []}, "Choose at least one working day."),
        ({"work_end_hour": "25"}, "Select a valid choice"),
    ],
)
def test_the_profile_refuses_impossible_working_hours(
    head_b: Any, change: dict[str, Any], error: str
) -> None:
    data = {
        "time_zone": "Europe/Berlin",
        "work_start_hour": "9",
        "work_end_hour": "17",
        "work_days": ["0", "1"],
        "use_series_leads": "on",
    } | change
    response = client_for(head_b).post(url("meeting-profile"), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not UserProfile.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"work_start_hour": 17, "work_end_hour": 9},
        {"work_end_hour": 25},
        {"work_start_hour": 24, "work_end_hour": 24},
        {"work_days": 0},
        {"work_days": 128},
    ],
)
def test_the_database_refuses_impossible_working_hours(head_b: Any, fields: dict[str, int]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfile.objects.create(user=head_b, **fields)


def test_working_hours_follow_the_wall_clock_across_daylight_saving(head_b: Any) -> None:
    profile = UserProfile(user=head_b, time_zone="Europe/Berlin")
    zone = ZoneInfo("Europe/Berlin")
    for day in (dt.date(2026, 3, 27), dt.date(2026, 3, 30)):  # a Friday in CET, Monday in CEST
        nine = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone).astimezone(dt.UTC)
        assert profile.works_during(nine, nine + dt.timedelta(hours=8))
        assert not profile.works_during(nine - dt.timedelta(minutes=15), nine)
        assert not profile.works_during(nine, nine + dt.timedelta(hours=8, minutes=15))
    saturday = dt.datetime(2026, 3, 28, 10, tzinfo=zone)
    assert not profile.works_during(saturday, saturday + dt.timedelta(hours=1))
