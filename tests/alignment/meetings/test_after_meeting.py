"""After the meeting (issue 11): final minutes emailed once through the outbox, attendance,
a cadence that counts a meeting as held only when something was recorded, and reminders
to the owners of action items that respect their preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment import notifications
from alignment.meetings import after
from alignment.meetings.models import (
    ActionItem,
    ActionReminder,
    ActionReminderKind,
    Attendance,
    Decision,
    MeetingSeries,
    MinutesMessage,
    Occurrence,
    OccurrenceStatus,
    UserProfile,
)
from alignment.meetings.services import Guest
from alignment.outbox import OutboxStatus
from tests import factories

pytestmark = pytest.mark.django_db
ADA = "ada@example.org"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any, mailoutbox: list[EmailMessage]) -> MeetingSeries:
    """A one-on-one every four weeks with the head of Sales and a guest, started 62 days
    ago: three meetings are over, whatever today's date (a monthly rule anchored on a
    weekday leaves only two on some days)."""
    now = timezone.now()
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=timezone.localdate() - dt.timedelta(days=62),
        rule="FREQ=WEEKLY;INTERVAL=4",
        guests=(Guest(ADA, "Ada Lovelace"),),
        now=now,
        since=now - dt.timedelta(days=70),
    )
    notifications.sweep()
    mailoutbox.clear()
    return series


@pytest.fixture
def past(series: MeetingSeries) -> Occurrence:
    """The latest meeting that is over, with minutes and a decision."""
    occurrence = series.occurrences.filter(end__lte=timezone.now()).order_by("-start").first()
    assert occurrence is not None
    occurrence.minutes = "Agreed the pre-approved change list."
    occurrence.save(update_fields=["minutes"])
    Decision.objects.create(occurrence=occurrence, text="Trial the standard-change list")
    return occurrence


def final_url(occurrence: Occurrence) -> str:
    return reverse("alignment:meeting-minutes-final", args=[occurrence.pk])


def attendance_url(occurrence: Occurrence) -> str:
    return reverse("alignment:meeting-attendance", args=[occurrence.pk])


# --- final minutes -------------------------------------------------------------------------


def test_final_minutes_are_emailed_to_every_attendee_once(
    ciso: Any, head_b: Any, past: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    ActionItem.objects.create(
        occurrence=past, title="Send the change list", owner=head_b, due_date=timezone.localdate()
    )
    response = client_for(ciso).post(final_url(past), follow=True)
    assert "go out to 3 attendees" in response.content.decode()
    notifications.sweep()
    minutes = [m for m in mailoutbox if m.subject.startswith("Minutes: ")]
    assert sorted(m.to[0] for m in minutes) == sorted([ciso.email, head_b.email, ADA])
    body = minutes[0].body
    assert "Agreed the pre-approved change list." in body
    assert "Trial the standard-change list" in body
    assert "Send the change list" in body
    # Marking again changes nothing and sends nothing more.
    mailoutbox.clear()
    again = client_for(ciso).post(final_url(past), follow=True)
    assert "final already" in again.content.decode()
    notifications.sweep()
    assert mailoutbox == []
    assert MinutesMessage.objects.filter(occurrence=past).count() == 3


def test_final_minutes_no_longer_change(ciso: Any, past: Occurrence) -> None:
    after.finalise_minutes(past, ciso)
    client = client_for(ciso)
    minutes = reverse("alignment:meeting-minutes", args=[past.pk])
    assert client.post(minutes, {"minutes": "rewritten", "version": 99}).status_code == 403
    decisions = reverse("alignment:decision-add", args=[past.pk])
    assert client.post(decisions, {"text": "Another"}).status_code == 403
    past.refresh_from_db()
    assert past.minutes == "Agreed the pre-approved change list."
    assert past.decisions.count() == 1
    page = client.get(past.get_absolute_url()).content.decode()
    assert "Final</span> since" in page
    assert "Mark minutes final" not in page


def test_minutes_cannot_be_final_before_the_start_or_empty(
    ciso: Any, series: MeetingSeries
) -> None:
    ahead = series.occurrences.filter(start__gt=timezone.now()).first()
    assert ahead is not None
    with pytest.raises(ValidationError, match="once the meeting has started"):
        after.finalise_minutes(ahead, ciso)
    empty = series.occurrences.filter(end__lte=timezone.now()).order_by("start").first()
    assert empty is not None
    with pytest.raises(ValidationError, match="Write the minutes"):
        after.finalise_minutes(empty, ciso)
    assert not MinutesMessage.objects.exists()


def test_only_the_organiser_or_security_team_marks_minutes_final(
    head_b: Any, past: Occurrence
) -> None:
    assert client_for(head_b).post(final_url(past)).status_code == 403
    past.refresh_from_db()
    assert past.minutes_final_at is None
    assert not MinutesMessage.objects.exists()


def test_a_cancelled_meeting_between_marking_and_sending_skips_its_email(
    ciso: Any, past: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    after.finalise_minutes(past, ciso)
    MinutesMessage.objects.update(next_attempt_at=timezone.now() + dt.timedelta(hours=1))
    Occurrence.objects.filter(pk=past.pk).update(minutes_final_at=None)
    MinutesMessage.objects.update(next_attempt_at=timezone.now())
    notifications.sweep()
    assert not [m for m in mailoutbox if m.subject.startswith("Minutes")]
    assert set(MinutesMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SKIPPED}


# --- attendance and cadence ---------------------------------------------------------------


def test_cadence_counts_held_only_when_recorded(
    ciso: Any, head_b: Any, series: MeetingSeries
) -> None:
    over = list(series.occurrences.filter(end__lte=timezone.now()).order_by("start"))
    assert len(over) >= 3
    first, second, third = over[:3]
    leader = series.attendees.get(user=head_b)
    organiser = series.attendees.get(user=ciso)
    # First: both there. Second: the leader did not come. Third: cancelled.
    after.record_attendance(first, {leader.pk, organiser.pk}, ciso)
    after.record_attendance(second, {organiser.pk}, ciso)
    Occurrence.objects.filter(pk=third.pk).update(status=OccurrenceStatus.CANCELLED)
    cadence = MeetingSeries.objects.with_cadence(days=90).get(pk=series.pk)
    assert (cadence.held, cadence.no_shows, cadence.cancelled) == (1, 1, 1)
    assert cadence.planned == len(over)
    assert cadence.unrecorded == len(over) - 3
    # Minutes alone (attendance not taken) count as held too.
    if len(over) > 3:
        Occurrence.objects.filter(pk=over[3].pk).update(minutes="Short one.")
        assert MeetingSeries.objects.with_cadence(days=90).get(pk=series.pk).held == 2


def test_dashboard_shows_no_shows_and_cancellations(
    ciso: Any, head_b: Any, series: MeetingSeries
) -> None:
    over = list(series.occurrences.filter(end__lte=timezone.now()).order_by("start"))
    after.record_attendance(over[0], {series.attendees.get(user=ciso).pk}, ciso)
    Occurrence.objects.filter(pk=over[1].pk).update(status=OccurrenceStatus.CANCELLED)
    page = client_for(ciso).get(reverse("home")).content.decode()
    assert "1 no-show" in page
    assert "1 cancelled" in page


def test_attendance_is_recorded_from_the_meeting_page(
    ciso: Any, head_b: Any, past: Occurrence
) -> None:
    leader = past.series.attendees.get(user=head_b)
    response = client_for(ciso).post(
        attendance_url(past), {"present": [leader.pk]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'value="{leader.pk}" id="present-{leader.pk}" checked' in response.content.decode()
    recorded = dict(Attendance.objects.filter(occurrence=past).values_list("attendee", "present"))
    assert recorded[leader.pk] is True
    assert len(recorded) == past.series.attendees.count()
    assert sum(recorded.values()) == 1


@pytest.mark.parametrize("present", [["999999"], ["x"], ["9" * 30]])
def test_attendance_refuses_strangers_and_changes_nothing(
    ciso: Any, past: Occurrence, present: list[str]
) -> None:
    response = client_for(ciso).post(
        attendance_url(past), {"present": present}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "Tick only the people of this meeting." in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_of_another_series_attendee_is_refused(
    ciso: Any, head_a: Any, dept_a: Any, past: Occurrence
) -> None:
    other = factories.one_on_one(
        organiser=ciso, leader=head_a, department=dept_a, now=timezone.now()
    )
    stranger = other.attendees.get(user=head_a)
    response = client_for(ciso).post(attendance_url(past), {"present": [stranger.pk]})
    assert response.status_code == 302
    assert not Attendance.objects.exists()


def test_attendance_before_the_start_and_by_heads_is_refused(
    ciso: Any, head_b: Any, series: MeetingSeries
) -> None:
    ahead = series.occurrences.filter(start__gt=timezone.now()).first()
    assert ahead is not None
    response = client_for(ciso).post(attendance_url(ahead), {}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "once the meeting has started" in response.content.decode()
    over = series.occurrences.filter(end__lte=timezone.now()).first()
    assert over is not None
    assert client_for(head_b).post(attendance_url(over), {}).status_code == 403
    assert not Attendance.objects.exists()


# --- action-item reminders -----------------------------------------------------------------


def _item(past: Occurrence, owner: Any, due: dt.date, title: str = "Send the list") -> ActionItem:
    return ActionItem.objects.create(occurrence=past, title=title, owner=owner, due_date=due)


def test_owners_are_reminded_before_the_due_date_and_when_overdue(
    head_b: Any, past: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    today = timezone.localdate()
    soon = _item(past, head_b, today + dt.timedelta(days=1), "Name a deputy")
    later = _item(past, head_b, today + dt.timedelta(days=5), "Review vendor list")
    late = _item(past, head_b, today - dt.timedelta(days=1), "Send the change list")
    assert after.queue_action_reminders() == 2
    assert after.queue_action_reminders() == 2  # idempotent: the same rows
    rows = set(ActionReminder.objects.values_list("action_item", "kind"))
    assert rows == {(soon.pk, ActionReminderKind.DUE_SOON), (late.pk, ActionReminderKind.OVERDUE)}
    assert not ActionReminder.objects.filter(action_item=later).exists()
    notifications.sweep()
    subjects = sorted(m.subject for m in mailoutbox if m.to == [head_b.email])
    assert subjects == ["Due tomorrow: Name a deputy", "Overdue: Send the change list"]
    overdue = next(m for m in mailoutbox if m.subject.startswith("Overdue"))
    assert "(1 day ago)" in overdue.body


def test_reminders_follow_the_owner_preferences(
    head_b: Any, past: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    today = timezone.localdate()
    UserProfile.objects.create(user=head_b, action_reminder_days=7, overdue_reminders=False)
    week = _item(past, head_b, today + dt.timedelta(days=6), "Review vendor list")
    _item(past, head_b, today - dt.timedelta(days=2), "Send the change list")
    assert after.queue_action_reminders() == 1
    assert ActionReminder.objects.get().action_item == week
    notifications.sweep()
    (message,) = [m for m in mailoutbox if m.to == [head_b.email]]
    expected = (today + dt.timedelta(days=6)).strftime("%A")
    assert expected in message.subject
    # Switched off before the sweep: nothing is sent.
    UserProfile.objects.filter(user=head_b).update(action_reminder_days=0)
    ActionReminder.objects.all().delete()
    after.queue_action_reminders()
    assert not ActionReminder.objects.exists()


def test_a_done_or_rescheduled_item_is_not_reminded(
    head_b: Any, past: Occurrence, mailoutbox: list[EmailMessage]
) -> None:
    today = timezone.localdate()
    done = _item(past, head_b, today + dt.timedelta(days=1), "Name a deputy")
    moved = _item(past, head_b, today + dt.timedelta(days=2), "Review vendor list")
    after.queue_action_reminders()
    done.set_done(True)
    done.save()
    moved.due_date = today + dt.timedelta(days=10)
    moved.save()
    notifications.sweep()
    assert not [m for m in mailoutbox if m.to == [head_b.email]]
    assert set(ActionReminder.objects.values_list("status", flat=True)) == {OutboxStatus.SKIPPED}


def test_old_overdue_items_are_left_to_the_weekly_digest(head_b: Any, past: Occurrence) -> None:
    _item(past, head_b, timezone.localdate() - dt.timedelta(days=30))
    assert after.queue_action_reminders() == 0


def test_due_when_wording() -> None:
    today = dt.date(2026, 12, 1)
    assert after.due_when(today, today) == "today"
    assert after.due_when(dt.date(2026, 12, 2), today) == "tomorrow"
    assert after.due_when(dt.date(2026, 12, 4), today) == "on Friday 4 December"
    assert after.due_when(dt.date(2026, 11, 28), today) == "on Saturday 28 November (3 days ago)"
