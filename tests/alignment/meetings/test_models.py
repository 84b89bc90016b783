"""The meeting tables' rules live in the database: every uniqueness and range is a constraint;
and the tasks and schedules that drive them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from alignment import outbox, tasks
from alignment.meetings import tasks as meeting_tasks
from alignment.meetings.models import (
    ActionItem,
    MeetingAnswer,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    Reminder,
    SeriesAttendee,
    UserProfile,
)
from alignment.meetings.models.profiles import profile_for
from alignment.outbox import OutboxStatus
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    return factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)


def test_an_occurrence_is_unique_per_series_and_original_start(series: MeetingSeries) -> None:
    first = series.occurrences.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.create(
            series=series, original_start=first.original_start, start=first.start, end=first.end
        )


def test_an_occurrence_ends_after_it_starts(series: MeetingSeries) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.create(series=series, original_start=NOW, start=NOW, end=NOW)


def test_a_series_lasts_more_than_nothing(series: MeetingSeries) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingSeries.objects.filter(pk=series.pk).update(duration_minutes=0)


def test_a_one_on_one_has_a_leader_in_the_database_too(series: MeetingSeries) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingSeries.objects.filter(pk=series.pk).update(leader=None)


def test_one_active_one_on_one_per_leader(series: MeetingSeries, ciso: Any, head_b: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingSeries.objects.create(
            kind=MeetingKind.ONE_ON_ONE,
            title="Twice",
            organiser=ciso,
            leader=head_b,
            department=series.department,
            rule="FREQ=WEEKLY",
            start_date=dt.date(2026, 3, 10),
            start_time=dt.time(9),
        )


def test_a_reminder_is_unique_per_meeting_recipient_and_lead(series: MeetingSeries) -> None:
    row = Reminder.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            occurrence=row.occurrence,
            attendee=row.attendee,
            lead_minutes=row.lead_minutes,
            due_at=row.due_at,
        )


def test_a_reminder_being_sent_has_a_lease(series: MeetingSeries) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.filter(pk=Reminder.objects.first().pk).update(status=OutboxStatus.SENDING)


def test_an_attendee_is_a_user_or_an_email_once_per_series(
    series: MeetingSeries, head_b: Any
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesAttendee.objects.create(series=series)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesAttendee.objects.create(series=series, user=head_b)
    SeriesAttendee.objects.create(series=series, email="guest@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesAttendee.objects.create(series=series, email="guest@example.org")


def test_one_answer_per_attendee_and_meeting_or_series(series: MeetingSeries) -> None:
    attendee = series.attendees.first()
    occurrence = series.occurrences.first()
    MeetingAnswer.objects.create(attendee=attendee, occurrence=occurrence, response="accepted")
    MeetingAnswer.objects.create(attendee=attendee, occurrence=None, response="declined")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingAnswer.objects.create(attendee=attendee, occurrence=None, response="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingAnswer.objects.create(attendee=attendee, occurrence=occurrence, response="declined")


def test_an_action_item_is_done_with_a_date_or_open_without(series: MeetingSeries) -> None:
    occurrence = series.occurrences.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(occurrence=occurrence, title="x", done=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(occurrence=occurrence, title="x", done_at=timezone.now())


def test_series_occurrences_and_action_items_keep_history(series: MeetingSeries) -> None:
    occurrence = series.occurrences.first()
    item = ActionItem.objects.create(occurrence=occurrence, title="x")
    item.set_done(True)
    item.save()
    assert series.history.count() >= 1
    assert occurrence.history.count() >= 1
    assert item.history.count() == 2


def test_reading_a_profile_never_creates_one(head_b: Any) -> None:
    profile = profile_for(head_b)
    assert profile.pk is None
    assert profile.time_zone == "Europe/London"
    assert not UserProfile.objects.exists()


def test_a_profile_time_zone_must_be_set(head_b: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfile.objects.create(user=head_b, time_zone="")


def test_beat_schedules_are_in_the_database() -> None:
    by_task = {t.task: t for t in PeriodicTask.objects.all()}
    sweep = by_task["alignment.tasks.sweep_outbox"]
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    assert by_task["alignment.tasks.materialise_meetings"].crontab.hour == "2"
    assert by_task["alignment.tasks.queue_overdue_digests"].crontab.day_of_week == "1"


def test_tasks_are_enqueued_only_after_the_commit(
    ciso: Any, head_b: Any, dept_b: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    enqueued: list[str] = []
    monkeypatch.setattr(outbox, "request_sweep", lambda: enqueued.append("sweep"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
        factories.one_on_one(organiser=ciso, leader=ciso, department=dept_b)  # same transaction
        assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == ["sweep"]


def test_a_broker_outage_does_not_fail_the_change(
    ciso: Any, head_b: Any, dept_b: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    def down(name: str) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(outbox, "current_app", SimpleNamespace(send_task=down))
    with django_capture_on_commit_callbacks(execute=True):
        series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    assert series.pk and Reminder.objects.filter(occurrence__series=series).exists()


def test_the_tasks_run_their_work(series: MeetingSeries, monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)
    assert meeting_tasks.materialise_series(series.pk) >= 0
    assert meeting_tasks.materialise_series(999_999) == 0
    assert set(tasks.sweep_outbox()) == {
        "invites",
        "reminders",
        "digests",
        "minutes",
        "action_reminders",
        "case_emails",
        "programme_emails",
        "password_resets",
        "expired",
        "materialised",
        "notices",
    }
    assert meeting_tasks.queue_overdue_digests() == 0
