"""Reminders: an outbox of rows, claimed and sent exactly once, following their meeting."""

from __future__ import annotations

import datetime as dt
import email
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from alignment import notifications, outbox
from alignment.meetings import reminders
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    ActionItem,
    DigestMessage,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    Reminder,
    Response,
    UserProfile,
)
from alignment.meetings.services import Guest
from alignment.outbox import OutboxStatus
from departments.models import GoalStatus
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    return factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        guests=(Guest("ada@example.org", "Ada Lovelace"),),
    )


@pytest.fixture
def first(series: MeetingSeries) -> Occurrence:
    return series.occurrences.order_by("start").first()


def sent_reminders() -> list[Any]:
    return [m for m in mail.outbox if m.subject.startswith("Reminder")]


def to(address: str) -> list[Any]:
    return [m for m in sent_reminders() if m.to == [address]]


def test_there_is_one_row_per_meeting_recipient_and_lead_time(series: MeetingSeries) -> None:
    meetings = series.occurrences.count()
    assert Reminder.objects.count() == meetings * 3 * 2  # ciso, head, guest × 1 day, 1 hour
    row = Reminder.objects.order_by("due_at").first()
    assert row.due_at == row.occurrence.start - dt.timedelta(minutes=row.lead_minutes)


def test_a_series_far_ahead_sends_no_reminder_before_it_is_due(series: MeetingSeries) -> None:
    notifications.sweep(now=NOW)
    assert sent_reminders() == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}


def test_a_due_reminder_is_sent_exactly_once(first: Occurrence) -> None:
    at = first.start - DAY + dt.timedelta(minutes=1)
    notifications.sweep(now=at)
    notifications.sweep(now=at + dt.timedelta(minutes=1))
    assert len(sent_reminders()) == 3
    assert len(to("head-sales@example.com")) == 1
    sent = Reminder.objects.get(status=OutboxStatus.SENT, attendee__user__username="head-sales")
    assert (sent.lead_minutes, sent.attempts, sent.sent_at) == (1440, 1, at)


def test_only_the_nearest_lead_time_is_sent_when_several_are_due(first: Occurrence) -> None:
    notifications.sweep(now=first.start - dt.timedelta(minutes=30))
    mine = Reminder.objects.filter(occurrence=first, attendee__user__username="head-sales")
    assert dict(mine.values_list("lead_minutes", "status")) == {
        60: OutboxStatus.SENT,
        1440: OutboxStatus.SKIPPED,
    }
    assert len(to("head-sales@example.com")) == 1


def test_a_reminder_whose_meeting_has_started_expires_instead_of_going_out_late(
    first: Occurrence,
) -> None:
    notifications.sweep(now=first.start + dt.timedelta(minutes=1))
    assert sent_reminders() == []
    statuses = set(Reminder.objects.filter(occurrence=first).values_list("status", flat=True))
    assert statuses == {OutboxStatus.EXPIRED}


def test_a_cancelled_meeting_never_gets_a_reminder(
    series: MeetingSeries, first: Occurrence
) -> None:
    meeting_services.occurrence_cancel(first, now=NOW)
    statuses = set(Reminder.objects.filter(occurrence=first).values_list("status", flat=True))
    assert statuses == {OutboxStatus.CANCELLED}
    for moment in (first.start - DAY, first.start - HOUR, first.start - dt.timedelta(minutes=5)):
        notifications.sweep(now=moment)
    assert sent_reminders() == []


def test_a_claimed_reminder_of_a_meeting_cancelled_meanwhile_is_not_sent(
    first: Occurrence,
) -> None:
    at = first.start - HOUR
    Occurrence.objects.filter(pk=first.pk).update(status="cancelled")  # behind the rows' back
    notifications.sweep(now=at)
    assert sent_reminders() == []
    assert Reminder.objects.filter(occurrence=first, status=OutboxStatus.CANCELLED).exists()


def test_a_moved_meetings_reminders_follow_it(first: Occurrence) -> None:
    old_start = first.start
    new_start = old_start + 2 * DAY + 3 * HOUR
    meeting_services.occurrence_move(first, start=new_start, now=NOW)

    dues = set(Reminder.objects.filter(occurrence=first).values_list("due_at", flat=True))
    assert dues == {new_start - DAY, new_start - HOUR}
    notifications.sweep(now=old_start - HOUR)
    assert sent_reminders() == []
    notifications.sweep(now=new_start - HOUR)
    assert len(sent_reminders()) == 3
    # 12:00 in Berlin; the head has no profile, so the organisation's zone (London) applies.
    assert "Thu 12 Mar 11:00 (Europe/London)" in to("head-sales@example.com")[0].subject


def test_a_meeting_moved_after_its_reminder_went_out_is_reminded_again(
    first: Occurrence,
) -> None:
    notifications.sweep(now=first.start - DAY)  # one-day reminders out
    new_start = first.start + 3 * DAY
    meeting_services.occurrence_move(first, start=new_start, now=first.start - DAY + HOUR)
    notifications.sweep(now=new_start - DAY)
    head = to("head-sales@example.com")
    assert len(head) == 2
    assert head[0].extra_headers["Message-ID"] != head[1].extra_headers["Message-ID"]


def test_smtp_errors_are_retried_with_back_off(first: Occurrence, settings: Any) -> None:
    at = first.start - HOUR
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    notifications.sweep(now=at)
    row = Reminder.objects.get(occurrence=first, lead_minutes=60, attendee__email="ada@example.org")
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.next_attempt_at == at + outbox.retry_delay(1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notifications.sweep(now=at + dt.timedelta(seconds=10))  # too early for the retry
    assert sent_reminders() == []
    notifications.sweep(now=at + outbox.retry_delay(1))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, "")
    assert len(sent_reminders()) == 3


def test_the_back_off_doubles_up_to_an_hour(settings: Any) -> None:
    settings.OUTBOX_RETRY_SECONDS = 60
    delays = [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 10)]
    assert delays == [60, 120, 240, 480, 3600]


def test_only_one_claim_of_a_row_succeeds(first: Occurrence) -> None:
    row = Reminder.objects.filter(occurrence=first).first()
    at = row.due_at
    tokens = [outbox.claim(Reminder, row.pk, at), outbox.claim(Reminder, row.pk, at)]
    assert tokens[0] is not None and tokens[1] is None


def test_a_crashed_workers_claim_is_taken_over_after_its_lease(
    first: Occurrence, settings: Any
) -> None:
    at = first.start - HOUR
    rows = Reminder.objects.filter(occurrence=first, lead_minutes=60)
    stale = [outbox.claim(Reminder, pk, at) for pk in rows.values_list("pk", flat=True)]
    assert all(stale)  # claimed by a worker that then died

    notifications.sweep(now=at + dt.timedelta(seconds=30))  # within the lease: left alone
    assert sent_reminders() == []
    notifications.sweep(now=at + outbox.lease() + dt.timedelta(seconds=1))
    assert len(sent_reminders()) == 3
    assert set(rows.values_list("status", "attempts")) == {(OutboxStatus.SENT, 2)}


def test_a_worker_presumed_dead_cannot_mark_a_row_taken_over(first: Occurrence) -> None:
    row = Reminder.objects.filter(occurrence=first).first()
    slow = outbox.claim(Reminder, row.pk, row.due_at)
    later = row.due_at + outbox.lease() + dt.timedelta(seconds=1)
    fresh = outbox.claim(Reminder, row.pk, later)
    assert fresh is not None
    assert outbox.mark_sent(Reminder, row.pk, slow, later) is False
    assert outbox.mark_sent(Reminder, row.pk, fresh, later) is True


def test_the_email_has_text_and_html_the_agenda_a_link_and_a_stable_message_id(
    first: Occurrence, head_b: Any, dept_b: Any
) -> None:
    UserProfile.objects.create(user=head_b, time_zone="America/New_York")
    # The agenda is built when the email is (alignment/meetings/agenda_view.py).
    factories.GoalFactory(department=dept_b, title="Triple revenue", status=GoalStatus.AT_RISK)
    notifications.sweep(now=first.start - HOUR)

    (message,) = to("head-sales@example.com")
    row = Reminder.objects.get(occurrence=first, lead_minutes=60, attendee__user=head_b)
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert parsed["Message-ID"].strip() == row.message_id
    assert row.message_id == f"<reminder.{row.pk}.20260310T080000Z@127.0.0.1>"
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert "text/plain" in kinds and "text/html" in kinds
    text = message.body
    html = message.alternatives[0].content
    # 09:00 in Berlin is 04:00 in New York on 10 March (the US is already on summer time).
    assert "04:00" in text and "America/New_York" in text and "04:00" in html
    assert "Triple revenue" in text and "Triple revenue" in html
    assert f"Agenda ({dept_b.name}):" in text and f"<small>({dept_b.name})</small>" in html
    assert f"http://127.0.0.1:8000/meetings/{first.pk}/" in text
    assert "/meetings/answer/" in text


def test_a_guest_sees_the_series_time_zone(first: Occurrence) -> None:
    notifications.sweep(now=first.start - HOUR)
    (message,) = to("ada@example.org")
    assert "09:00" in message.body and "Europe/Berlin" in message.body


def test_a_users_own_lead_times_replace_the_series_ones(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    UserProfile.objects.create(user=head_b, use_series_leads=False, reminder_leads=[15])
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    leads = set(
        Reminder.objects.filter(occurrence__series=series, attendee__user=head_b).values_list(
            "lead_minutes", flat=True
        )
    )
    assert leads == {15}


def test_declining_cancels_the_reminders_and_accepting_brings_them_back(
    series: MeetingSeries, first: Occurrence, head_b: Any
) -> None:
    attendee = series.attendees.get(user=head_b)
    meeting_services.record_answer(attendee, first, Response.DECLINED, now=NOW)
    mine = Reminder.objects.filter(occurrence=first, attendee=attendee)
    assert set(mine.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    meeting_services.record_answer(attendee, first, Response.ACCEPTED, now=NOW)
    assert set(mine.values_list("status", flat=True)) == {OutboxStatus.PENDING}


def test_the_weekly_digest_lists_overdue_items_once_per_owner(
    first: Occurrence, head_b: Any
) -> None:
    today = dt.date(2026, 4, 6)
    ActionItem.objects.create(
        occurrence=first,
        title="Send the access list",
        owner=head_b,
        due_date=today - dt.timedelta(days=3),
    )
    ActionItem.objects.create(
        occurrence=first, title="Not yet due", owner=head_b, due_date=today + dt.timedelta(days=3)
    )
    monday = dt.datetime(2026, 4, 6, 7, tzinfo=dt.UTC)
    assert reminders.queue_digests(today=today, now=monday) == 1
    assert reminders.queue_digests(today=today, now=monday) == 1  # the same row, no second one
    assert DigestMessage.objects.count() == 1
    notifications.sweep(now=monday)
    digests = [m for m in mail.outbox if "overdue" in m.subject]
    assert len(digests) == 1 and digests[0].to == ["head-sales@example.com"]
    assert "Send the access list" in digests[0].body
    assert "Not yet due" not in digests[0].body


def test_a_digest_with_nothing_left_overdue_is_skipped(first: Occurrence, head_b: Any) -> None:
    item = ActionItem.objects.create(
        occurrence=first, title="x", owner=head_b, due_date=dt.date(2026, 4, 1)
    )
    monday = dt.datetime(2026, 4, 6, 7, tzinfo=dt.UTC)
    reminders.queue_digests(today=monday.date(), now=monday)
    item.set_done(True)
    item.save()
    notifications.sweep(now=monday)
    assert DigestMessage.objects.get().status == OutboxStatus.SKIPPED
    assert not [m for m in mail.outbox if "overdue" in m.subject]


def test_removing_an_attendee_drops_their_reminders(series: MeetingSeries, head_b: Any) -> None:
    meeting_services.series_change(series, changes={}, users=[head_b], guests=[], now=NOW)
    assert not Reminder.objects.filter(attendee__email="ada@example.org").exists()
    newcomer = factories.UserFactory(username="sales-ops")
    meeting_services.series_change(series, changes={}, users=[head_b, newcomer], now=NOW)
    assert (
        Reminder.objects.filter(attendee__user=newcomer).count() == series.occurrences.count() * 2
    )


def test_a_reader_whose_decline_came_in_after_the_claim_is_skipped(
    series: MeetingSeries, first: Occurrence, head_b: Any, ciso: Any
) -> None:
    """An answer written while the sweep held the rows (it cancels only rows still
    pending): the batch reads it, for this meeting or the whole series, and skips them."""
    head = series.attendees.get(user=head_b)
    organiser = series.attendees.get(user=ciso)
    guest = series.attendees.get(email="ada@example.org")
    MeetingAnswer.objects.bulk_create(  # no service: the rows stay pending
        [
            MeetingAnswer(attendee=head, occurrence=first, response=Response.DECLINED),
            MeetingAnswer(attendee=guest, occurrence=None, response=Response.DECLINED),
            MeetingAnswer(attendee=organiser, occurrence=None, response=Response.DECLINED),
            MeetingAnswer(attendee=organiser, occurrence=first, response=Response.ACCEPTED),
        ]
    )

    notifications.sweep(now=first.start - DAY + dt.timedelta(minutes=1))  # the day-ahead ones

    assert [m.to for m in sent_reminders()] == [[ciso.email]]
    skipped = Reminder.objects.filter(occurrence=first, status=OutboxStatus.SKIPPED)
    assert set(skipped.values_list("attendee", flat=True)) == {head.pk, guest.pk}
