"""What the meeting emails and pages say: what changed, in whose time zone, to whom, and
with counts and plurals right. Emails go through the outbox sweep to the locmem backend."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from alignment import notifications
from alignment.meetings import reminders
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    InviteMessage,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    UserProfile,
)
from alignment.meetings.recurrence import Preset
from alignment.meetings.services import Guest
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
ADA = "ada@example.org"
HEAD = "head-sales@example.com"
CISO = "ciso@example.com"


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    """Weekly on Tuesdays at 09:00 Berlin from 10 March 2026; the head reads New York
    time, the guest Berlin (the series' zone), the organiser London (the default)."""
    UserProfile.objects.create(user=head_b, time_zone="America/New_York")
    return factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        preset=Preset.WEEKLY,
        guests=(Guest(ADA, "Ada Lovelace"),),
        leads=[900, 180, 45],
    )


@pytest.fixture
def first(series: MeetingSeries) -> Occurrence:
    return series.occurrences.order_by("start").first()


def to(outbox: list[EmailMessage], address: str, subject: str) -> list[Any]:
    return [m for m in outbox if m.to == [address] and m.subject.startswith(subject)]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Updates say what changed ----------------------------------------------------------------


def test_it_names_the_old_and_new_time_of_a_moved_meeting_in_each_readers_zone(
    series: MeetingSeries, mailoutbox: list[EmailMessage]
) -> None:
    second = series.occurrences.order_by("start")[1]  # Tuesday 17 March, 09:00 Berlin
    new_start = dt.datetime(2026, 3, 19, 10, tzinfo=dt.UTC)  # Thursday, 11:00 Berlin
    meeting_services.occurrence_move(second, start=new_start, now=NOW)
    notifications.sweep(now=NOW)

    (to_ada,) = to(mailoutbox, ADA, "Updated invitation")
    assert (
        'moved one meeting of "One-on-one with head-sales" from Tuesday 17 March, 09:00 '
        "to Thursday 19 March, 11:00 (Europe/Berlin)" in to_ada.body
    )
    (to_head,) = to(mailoutbox, HEAD, "Updated invitation")
    # New York is already on summer time (8 March), Berlin not yet (29 March).
    assert "from Tuesday 17 March, 04:00 to Thursday 19 March, 06:00 (America/New_York)" in (
        to_head.body
    )
    (to_ciso,) = to(mailoutbox, CISO, "Updated invitation")
    assert "You moved one meeting" in to_ciso.body
    assert "from Tuesday 17 March, 08:00 to Thursday 19 March, 10:00 (Europe/London)" in (
        to_ciso.body
    )


def test_a_changed_series_says_what_changed_and_the_next_meeting_after_now(
    series: MeetingSeries, mailoutbox: list[EmailMessage]
) -> None:
    later = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)  # two meetings have been held
    meeting_services.series_change(
        series, changes={"duration_minutes": 60, "location": "Room 4"}, now=later
    )
    notifications.sweep(now=later)

    (update,) = to(mailoutbox, ADA, "Updated invitation")
    assert "Duration: 45 minutes → 60 minutes" in update.body
    assert "Where: none → Room 4" in update.body
    assert "Next:  Tuesday 24 March, 09:00 (Europe/Berlin)" in update.body
    assert "10 March" not in update.body  # the series' first, long past, meeting


def test_a_series_moved_to_another_time_says_so_in_its_new_invitation(
    series: MeetingSeries, head_b: Any, mailoutbox: list[EmailMessage]
) -> None:
    notifications.sweep(now=NOW)
    mailoutbox.clear()  # the first invitations
    later = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    newcomer = factories.UserFactory(username="sales-ops", first_name="Sam", last_name="Ops")
    meeting_services.series_change(
        series,
        changes={"start_time": dt.time(11, 0)},
        users=[head_b, newcomer],
        now=later,
    )
    notifications.sweep(now=later)

    (cancel,) = to(mailoutbox, ADA, "Cancelled")
    assert "replaced by a new series" in cancel.body
    (invite,) = to(mailoutbox, ADA, "Invitation")
    assert "Time: 09:00 (Europe/Berlin) → 11:00 (Europe/Berlin)" in invite.body
    assert "People: added Sam Ops" in invite.body
    assert "Next:  Tuesday 17 March, 11:00 (Europe/Berlin)" in invite.body
    # The newcomer is simply invited: nothing "changed" for them.
    (welcome,) = to(mailoutbox, "sales-ops@example.com", "Invitation")
    assert "invites you to" in welcome.body and "→" not in welcome.body


def test_a_new_invite_names_the_next_meeting_never_a_past_one(
    ciso: Any, head_b: Any, dept_b: Any, mailoutbox: list[EmailMessage]
) -> None:
    factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        preset=Preset.WEEKLY,
        first=dt.date(2026, 2, 3),  # weeks before NOW, Monday 2 March
        guests=(Guest(ADA),),
    )
    notifications.sweep(now=NOW)

    (invite,) = to(mailoutbox, ADA, "Invitation")
    assert "invites you to" in invite.body
    assert "Next:  Tuesday 3 March, 09:00 (Europe/Berlin)" in invite.body
    assert "February" not in invite.body


def test_a_cancelled_meeting_names_its_time_in_the_readers_zone(
    first: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    meeting_services.occurrence_cancel(first, now=NOW)
    notifications.sweep(now=NOW)
    (cancel,) = to(mailoutbox, HEAD, "Cancelled")
    assert "on Tuesday 10 March, 04:00 (America/New_York) is cancelled" in cancel.body
    assert "/meetings/answer/" not in cancel.body


# --- The organiser ---------------------------------------------------------------------------


def test_the_organiser_gets_exactly_one_row_per_change_and_no_answer_links(
    series: MeetingSeries, first: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    meeting_services.occurrence_move(first, start=first.start + HOUR, now=NOW)
    meeting_services.series_change(series, changes={"title": "Sales one-on-one"}, now=NOW)
    meeting_services.occurrence_cancel(series.occurrences.order_by("start")[2], now=NOW)
    meeting_services.series_change(series, changes={"start_time": dt.time(10, 0)}, now=NOW)
    meeting_services.series_cancel(series, now=NOW)

    rows = list(InviteMessage.objects.filter(recipient=CISO).order_by("pk"))
    # Invite, move, rename, one cancelled, old UID cancelled + new invite, series cancelled.
    assert len(rows) == 7
    assert len({(r.uid, r.sequence) for r in rows}) == len(rows)
    every_change = set(InviteMessage.objects.values_list("uid", "sequence"))
    assert {(r.uid, r.sequence) for r in rows} == every_change

    notifications.sweep(now=NOW)
    mine = [m for m in mailoutbox if m.to == [CISO]]
    assert len(mine) == 7
    for message in mine:
        assert "/meetings/answer/" not in message.body
        assert "Accept" not in message.body and "Decline" not in message.body
    theirs = to(mailoutbox, ADA, "Invitation")
    assert "/meetings/answer/" in theirs[0].body


def test_the_organiser_is_an_accepted_chair_in_the_calendar(series: MeetingSeries) -> None:
    row = InviteMessage.objects.get(recipient=CISO)
    calendar = Calendar.from_ical(row.ics)
    (event,) = calendar.walk("VEVENT")
    people = {str(a): a.params for a in event["ATTENDEE"]}
    assert people[f"mailto:{CISO}"]["PARTSTAT"] == "ACCEPTED"
    assert people[f"mailto:{CISO}"]["RSVP"] == "FALSE"
    assert people[f"mailto:{ADA}"]["PARTSTAT"] == "NEEDS-ACTION"


def test_the_organiser_is_not_asked_whether_they_come(
    first: Occurrence, ciso: Any, mailoutbox: list[EmailMessage]
) -> None:
    notifications.sweep(now=first.start - 3 * HOUR)
    (reminder,) = to(mailoutbox, CISO, "Reminder")
    assert "Coming?" not in reminder.body
    assert "Coming?" not in str(reminder.alternatives[0].content)
    (theirs,) = to(mailoutbox, ADA, "Reminder")
    assert "Coming?" in theirs.body

    page = client_for(ciso).get(first.get_absolute_url()).content.decode()
    assert "I'll be there" not in page


# --- Reminders say when -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "address", "wording"),
    [
        # 10 March 09:00 Berlin (08:00 UTC); 15 hours earlier is 18:00 the day before.
        (dt.timedelta(hours=15), ADA, "starts tomorrow at 09:00"),
        (dt.timedelta(hours=15), HEAD, "starts tomorrow at 04:00"),
        (dt.timedelta(hours=3), ADA, "starts in 3 hours"),
        # The sweep runs a little after the due time: still "3 hours", not "2 hours 59".
        (dt.timedelta(hours=3) - dt.timedelta(minutes=1), HEAD, "starts in 3 hours"),
        (dt.timedelta(minutes=45), ADA, "starts in 45 minutes"),
    ],
)
def test_a_reminder_says_when_the_meeting_starts(
    first: Occurrence,
    mailoutbox: list[EmailMessage],
    before: dt.timedelta,
    address: str,
    wording: str,
) -> None:
    notifications.sweep(now=first.start - before)
    (reminder,) = to(mailoutbox, address, "Reminder")
    assert wording in reminder.body
    assert wording in str(reminder.alternatives[0].content)
    assert "1 day" not in reminder.body


def test_a_reminder_counts_days_in_the_readers_zone_across_midnight(
    first: Occurrence, head_b: Any, mailoutbox: list[EmailMessage]
) -> None:
    UserProfile.objects.filter(user=head_b).update(time_zone="Asia/Tokyo")
    # 9 March 17:00 UTC is already 10 March 02:00 in Tokyo, the meeting's day there.
    notifications.sweep(now=first.start - 15 * HOUR)
    (reminder,) = to(mailoutbox, HEAD, "Reminder")
    assert "starts today at 17:00" in reminder.body


@pytest.mark.parametrize(
    ("ahead", "wording"),
    [
        (dt.timedelta(minutes=1), "in 1 minute"),
        (dt.timedelta(minutes=59), "in 59 minutes"),
        (dt.timedelta(hours=1), "in 1 hour"),
        (dt.timedelta(minutes=90), "in 1 hour 30 minutes"),
        (dt.timedelta(hours=5, minutes=59), "in 6 hours"),
        (dt.timedelta(hours=7), "today at 23:00"),
        (dt.timedelta(hours=9), "tomorrow at 01:00"),
        (dt.timedelta(days=7), "on Monday 9 March at 16:00"),
    ],
)
def test_starts_when(ahead: dt.timedelta, wording: str) -> None:
    now = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)  # 16:00 in Berlin
    assert reminders.starts_when(now + ahead, now, ZoneInfo("Europe/Berlin")) == wording


# --- Counts and plurals -------------------------------------------------------------------------


def test_the_list_counts_everyone_in_the_meeting_not_only_the_viewer(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    heads = [head_b, *(factories.UserFactory(username=f"head-{n}") for n in range(5))]
    factories.joint(organiser=ciso, heads=heads)  # the organiser and six heads
    alone = meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.JOINT,
        title="Planning with myself",
        rule="FREQ=WEEKLY;BYDAY=FR",
        start_date=dt.date(2026, 3, 6),
        start_time=dt.time(16, 0),
        time_zone="Europe/London",
        now=NOW,
    )

    page = client_for(head_b).get(reverse("alignment:meeting-list")).content.decode()
    assert "7 people" in page
    page = client_for(ciso).get(reverse("alignment:meeting-list")).content.decode()
    assert "7 people" in page and alone.title in page and "1 person" in page


def test_one_click_says_one_one_on_one_in_the_singular(ciso: Any, head_a: Any, dept_a: Any) -> None:
    response = client_for(ciso).post(reverse("alignment:schedule-one-on-ones"), follow=True)
    assert "1 monthly one-on-one scheduled." in response.content.decode()
