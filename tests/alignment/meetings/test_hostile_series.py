"""Series a hostile (or careless) user can write: unbounded rules, dates near 9999,
impossible rules, control characters, no reminders, and answer links that outlive the
meeting. Each is refused with a message or kept within the horizon; none answers 500."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alignment.meetings import feed as calendar_feed
from alignment.meetings import invites
from alignment.meetings import services as meeting_services
from alignment.meetings.forms import SeriesForm
from alignment.meetings.materialise import materialise_series
from alignment.meetings.models import (
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
)
from alignment.meetings.recurrence import RuleError, Schedule, normalise
from alignment.meetings.timezones import vtimezone
from tests import factories

pytestmark = pytest.mark.django_db

WEST = ("America/Los_Angeles", "Pacific/Honolulu")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"alignment:{name}", args=args)


def next_week() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


def series_data(**changes: str | list[str]) -> dict[str, str | list[str]]:
    """A valid custom senior-leadership series, as the form posts it."""
    data: dict[str, str | list[str]] = {
        "kind": "senior",
        "title": "Leadership",
        "preset": "custom",
        "custom_rule": "FREQ=DAILY",
        "start_date": next_week().isoformat(),
        "start_time": "09:00",
        "time_zone": "America/Los_Angeles",
        "duration_minutes": "30",
        "reminder_leads": ["60"],
    }
    data.update(changes)
    return data


def daily_series(organiser: Any, rule: str, tz: str = "America/Los_Angeles") -> MeetingSeries:
    return meeting_services.series_create(
        organiser=organiser,
        kind="senior",
        title="Daily",
        rule=rule,
        start_date=next_week(),
        start_time=dt.time(9, 0),
        time_zone=tz,
    )


@pytest.fixture
def meeting(ciso: Any, head_b: Any, dept_b: Any) -> Occurrence:
    series = factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, first=next_week(), now=timezone.now()
    )
    first = series.occurrences.order_by("start").first()
    assert first is not None
    return first


# --- Unbounded rules ------------------------------------------------------------------------


def test_an_until_past_the_horizon_is_refused_naming_the_limit(ciso: Any) -> None:
    response = client_for(ciso).post(
        url("series-create"), series_data(custom_rule="FREQ=DAILY;UNTIL=99951231")
    )
    assert response.status_code == 422
    assert "UNTIL may be at most 10 years after the first meeting" in response.content.decode()
    assert not MeetingSeries.objects.exists()


def test_the_model_refuses_the_same_until(ciso: Any) -> None:
    with pytest.raises(RuleError, match="at most 10 years"):
        normalise(
            "FREQ=DAILY;UNTIL=99951231",
            first_start=dt.datetime(2026, 3, 2, 9),
            tz="America/Los_Angeles",
        )


def test_an_open_ended_daily_series_saves_in_bounded_work(
    ciso: Any, django_assert_max_num_queries: Any
) -> None:
    # About five queries a materialised meeting (its row, its reminders): 90 days of
    # daily meetings, the same as for a ten-year series, whatever the rule says.
    with django_assert_max_num_queries(600):
        response = client_for(ciso).post(url("series-create"), series_data())
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    # The materialisation horizon (90 days) of daily meetings, not thousands of rows.
    assert 80 <= series.occurrences.count() <= 92


def test_a_stored_until_9995_expands_like_a_ten_year_series(ciso: Any) -> None:
    """A rule stored before the limit (or written past the form) stays bounded."""
    ten_years = daily_series(ciso, "FREQ=DAILY")
    hostile = daily_series(ciso, "FREQ=DAILY")
    MeetingSeries.objects.filter(pk=hostile.pk).update(rule="FREQ=DAILY;UNTIL=99951231T235959Z")
    hostile.refresh_from_db()
    schedule = hostile.schedule
    starts = list(schedule.starts())
    assert len(starts) == len(list(ten_years.schedule.starts())) <= 3660
    last = schedule.last()
    assert last is not None and last <= schedule.end()
    assert last.year == next_week().year + 10
    materialise_series(hostile)
    assert hostile.occurrences.count() == ten_years.occurrences.count()
    feed = calendar_feed.feed_calendar(ciso).to_ical()
    assert len(feed) < 20_000  # two series of a few events each, not years of data


def test_a_count_rule_is_capped_by_the_horizon_and_the_cap(ciso: Any, settings: Any) -> None:
    settings.MEETING_SERIES_MAX_OCCURRENCES = 50
    schedule = Schedule("FREQ=DAILY;COUNT=1000", dt.datetime(2026, 3, 2, 9), "UTC")
    assert len(list(schedule.starts())) == 50
    assert schedule.last() == dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC)
    settings.MEETING_SERIES_MAX_OCCURRENCES = 3660
    settings.MEETING_SERIES_HORIZON_YEARS = 1
    yearly = Schedule("FREQ=WEEKLY;COUNT=1000", dt.datetime(2026, 3, 2, 9), "UTC")
    assert len(list(yearly.starts())) == 53


@pytest.mark.parametrize("tz", [*WEST, "Pacific/Kiritimati", "UTC"])
@pytest.mark.parametrize(
    "first", [dt.datetime(9999, 12, 31, 23, 0), dt.datetime(9995, 12, 31, 20), dt.datetime(1, 1, 1)]
)
@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY", "FREQ=DAILY;UNTIL=99991231T235959Z", "FREQ=WEEKLY;COUNT=1000"]
)
def test_dates_near_the_ends_of_time_raise_nothing(first: dt.datetime, tz: str, rule: str) -> None:
    schedule = Schedule(rule, first, tz)
    low, high = dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    assert len(schedule.between(low, high)) <= 3660
    schedule.last()
    schedule.first_on_or_after(low)
    with pytest.raises(RuleError):
        normalise(rule, first_start=first, tz=tz)
    vtimezone(tz, since=first.date(), today=dt.date(2026, 11, 30))


@pytest.mark.parametrize("tz", WEST)
def test_a_late_until_in_a_west_zone_is_a_form_error(ciso: Any, tz: str) -> None:
    response = client_for(ciso).post(
        url("series-create"),
        series_data(custom_rule="FREQ=DAILY;UNTIL=99991231", time_zone=tz),
    )
    assert response.status_code == 422
    assert "UNTIL" in response.content.decode()


def test_a_first_date_far_ahead_is_a_form_error(ciso: Any) -> None:
    response = client_for(ciso).post(url("series-create"), series_data(start_date="9999-12-31"))
    assert response.status_code == 422
    assert "The first meeting must be within 10 years of today" in response.content.decode()
    assert not MeetingSeries.objects.exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=DAILY;BYSETPOS=2", "BYSETPOS picks a position"),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=3", "BYSETPOS picks a position"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "No month in this rule has that day"),
        ("FREQ=MONTHLY;BYDAY=+6MO", "no meeting in the 10 years"),
        ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", "no meeting in the 10 years"),
    ],
)
def test_an_impossible_rule_is_refused_and_leaves_no_thread(
    ciso: Any, rule: str, message: str
) -> None:
    before = threading.active_count()
    response = client_for(ciso).post(
        url("series-create"), series_data(custom_rule=rule, start_date="2030-01-07")
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert threading.active_count() <= before


# --- Ordinary mistakes ----------------------------------------------------------------------


def test_a_series_without_reminders_is_a_field_error(ciso: Any) -> None:
    data = series_data()
    del data["reminder_leads"]
    response = client_for(ciso).post(url("series-create"), data)
    assert response.status_code == 422
    assert "Tick at least one reminder time." in response.content.decode()
    assert not MeetingSeries.objects.exists()


def test_editing_away_every_reminder_is_a_field_error(ciso: Any) -> None:
    series = daily_series(ciso, "FREQ=WEEKLY")
    form = SeriesForm(
        series_data(custom_rule="FREQ=WEEKLY", reminder_leads=[], version=str(series.version)),
        instance=series,
        organiser=ciso,
    )
    assert not form.is_valid()
    assert form.errors["reminder_leads"] == ["Tick at least one reminder time."]


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "2999-01-01"])
def test_moving_a_meeting_out_of_range_is_a_form_error(
    meeting: Occurrence, ciso: Any, when: str
) -> None:
    start = meeting.start
    response = client_for(ciso).post(
        url("meeting-move", meeting.pk), {"start_date": when, "start_time": "23:30"}
    )
    assert response.status_code == 422  # an invalid form, in place
    body = response.content.decode()
    assert "within 10 years of today" in body or "still ahead" in body
    meeting.refresh_from_db()
    assert meeting.start == start and not meeting.overridden


@pytest.mark.parametrize("field", ["title", "location"])
@pytest.mark.parametrize("text", ["Board\r\nBcc: x@example.org", "a\nb", "tab\there", "nul\x00"])
def test_control_characters_in_a_one_line_field_are_refused(
    ciso: Any, field: str, text: str
) -> None:
    response = client_for(ciso).post(url("series-create"), series_data(**{field: text}))
    assert response.status_code == 422
    body = response.content.decode()
    assert "without line breaks" in body or "Null characters are not allowed" in body
    assert not MeetingSeries.objects.exists()


# --- Answer links ---------------------------------------------------------------------------


def test_an_answer_link_for_a_cancelled_meeting_records_nothing(
    meeting: Occurrence, head_b: Any
) -> None:
    attendee = meeting.series.attendees.get(user=head_b)
    link = url("meeting-answer", invites.answer_token(attendee, meeting, "accepted"))
    meeting_services.occurrence_cancel(meeting)
    meeting.refresh_from_db()
    assert meeting.status == OccurrenceStatus.CANCELLED
    for response in (Client().get(link), Client().post(link)):
        assert response.status_code == 410
        assert "is cancelled" in response.content.decode()
    assert not MeetingAnswer.objects.exists()


@pytest.mark.parametrize("whole_series", [True, False])
def test_an_answer_link_for_a_cancelled_series_records_nothing(
    meeting: Occurrence, head_b: Any, whole_series: bool
) -> None:
    series = meeting.series
    attendee = series.attendees.get(user=head_b)
    target = None if whole_series else meeting
    link = url("meeting-answer", invites.answer_token(attendee, target, "declined"))
    meeting_services.series_cancel(series)
    response = Client().post(link)
    assert response.status_code == 410
    assert "cancelled" in response.content.decode()
    assert not MeetingAnswer.objects.exists()


# --- Anything typed into the form -----------------------------------------------------------

RULE_PARTS = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY",
        "FREQ=MONTHLY",
        "FREQ=YEARLY",
        "FREQ=HOURLY",
        "INTERVAL=2",
        "INTERVAL=99",
        "INTERVAL=0",
        "COUNT=1000",
        "COUNT=5",
        "UNTIL=99991231",
        "UNTIL=99991231T235959Z",
        "UNTIL=00010101",
        "UNTIL=20301231",
        "UNTIL=2030",
        "BYDAY=MO",
        "BYDAY=+6MO,-1FR",
        "BYDAY=XX",
        "BYMONTHDAY=31",
        "BYMONTHDAY=-31,30",
        "BYMONTHDAY=99999999999999999999",
        "BYMONTH=2",
        "BYMONTH=13",
        "BYSETPOS=2",
        "BYSETPOS=-1",
        "BYSETPOS=0",
        "WKST=XX",
        "WKST=SU",
    ]
)
RULES = st.one_of(
    st.lists(RULE_PARTS, min_size=1, max_size=5).map(";".join),
    st.text(max_size=60),
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rule=RULES,
    day=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    tz=st.sampled_from([*WEST, "UTC", "Pacific/Kiritimati", "Europe/Berlin"]),
)
def test_any_rule_and_date_is_a_series_or_a_form_error(
    ciso: Any, rule: str, day: dt.date, tz: str
) -> None:
    form = SeriesForm(
        series_data(custom_rule=rule, start_date=day.isoformat(), time_zone=tz), organiser=ciso
    )
    if form.is_valid():
        schedule = Schedule(form.cleaned_data["rule"], dt.datetime.combine(day, dt.time(9, 0)), tz)
        assert len(list(schedule.starts())) <= 3660
    else:
        assert form.errors


def test_a_meeting_of_a_stored_until_9995_series_moves_in_bounded_work(
    ciso: Any, django_assert_max_num_queries: Any
) -> None:
    series = daily_series(ciso, "FREQ=DAILY")
    MeetingSeries.objects.filter(pk=series.pk).update(rule="FREQ=DAILY;UNTIL=99951231T235959Z")
    meeting = series.occurrences.order_by("start").first()
    assert meeting is not None
    local = timezone.localtime(meeting.start, series.zone) + dt.timedelta(hours=2)
    with django_assert_max_num_queries(60):
        response = client_for(ciso).post(
            url("meeting-move", meeting.pk),
            {"start_date": local.date().isoformat(), "start_time": local.strftime("%H:%M")},
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.overridden


def test_the_service_refuses_a_move_past_the_series_end(meeting: Occurrence) -> None:
    end = meeting.series.schedule.end()
    with pytest.raises(ValidationError, match="its series' end"):
        meeting_services.occurrence_move(meeting, start=end + dt.timedelta(days=1))
    meeting.refresh_from_db()
    assert not meeting.overridden


def test_the_feed_of_a_stored_until_9995_series_is_small_and_ends_at_the_horizon(
    ciso: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    series = daily_series(ciso, "FREQ=DAILY")
    MeetingSeries.objects.filter(pk=series.pk).update(rule="FREQ=DAILY;UNTIL=99951231T235959Z")
    client_for(ciso).post(url("feed-revoke"), {"confirm": "on"})  # creates the address
    token = ciso.meeting_profile.feed_token
    with django_assert_max_num_queries(15):
        feed = client.get(url("calendar-feed", token))
    body = feed.content.decode()
    assert feed.status_code == 200 and len(body) < 10_000
    year = next_week().year + 10
    assert f"UNTIL={year}" in body and "9995" not in body
