"""A series too big to materialise inside the request: saved at once, its meetings and
reminders brought in line by the worker a week per transaction, and never lost.

"Big" is set low here (MEETING_MATERIALISE_INLINE_ROWS) so that a daily series with a
few people is big; the worker's task is called as the worker calls it (the real worker
runs it in tests/integration/test_big_series_worker.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment import outbox, tasks
from alignment.meetings import materialise
from alignment.meetings import services as meeting_services
from alignment.meetings import tasks as meeting_tasks
from alignment.meetings.models import InviteMessage, MeetingSeries, Occurrence, Reminder
from alignment.outbox import OutboxStatus

pytestmark = pytest.mark.django_db

LEADS = [15, 60]


@pytest.fixture(autouse=True)
def small_threshold(settings: Any, monkeypatch: Any) -> list[int]:
    settings.MEETING_MATERIALISE_INLINE_ROWS = 50
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)
    queued: list[int] = []
    monkeypatch.setattr(materialise, "_request_materialise", queued.append)
    return queued


def next_week() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


def daily(organiser: Any, people: list[Any], *, title: str = "Daily stand-up") -> MeetingSeries:
    return meeting_services.series_create(
        organiser=organiser,
        kind="senior",
        title=title,
        rule="FREQ=DAILY",
        start_date=next_week(),
        start_time=dt.time(9, 0),
        time_zone="Europe/Paris",
        users=people,
        reminder_leads=LEADS,
    )


def future_starts(series: MeetingSeries) -> list[dt.datetime]:
    rows = series.occurrences.scheduled().filter(start__gt=timezone.now()).order_by("start")
    return list(rows.values_list("start", flat=True))


def open_reminders(series: MeetingSeries) -> int:
    return Reminder.objects.filter(occurrence__series=series, status=OutboxStatus.PENDING).count()


def test_a_big_series_is_saved_at_once_and_left_to_the_worker(
    ciso: Any,
    head_a: Any,
    head_b: Any,
    small_threshold: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    client.force_login(ciso)
    data = {
        "kind": "senior",
        "title": "Daily stand-up",
        "preset": "custom",
        "custom_rule": "FREQ=DAILY",
        "start_date": next_week().isoformat(),
        "start_time": "09:00",
        "time_zone": "Europe/Paris",
        "duration_minutes": "30",
        "attendees": [str(head_a.pk), str(head_b.pk)],
        "reminder_leads": [str(lead) for lead in LEADS],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alignment:series-create"), data)
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    # Saved and invited at once; the meetings wait for the worker, who is asked to start.
    assert InviteMessage.objects.filter(series=series).count() == 3
    assert not series.occurrences.exists()
    assert series.materialise_requested_at is not None
    assert small_threshold == [series.pk]
    page = client.get(series.get_absolute_url()).content.decode()
    assert "being brought in line in the background" in page

    assert meeting_tasks.materialise_series(series.pk) >= 80
    series.refresh_from_db()
    assert series.materialise_requested_at is None
    assert len(future_starts(series)) >= 80
    assert open_reminders(series) == series.occurrences.count() * 3 * len(LEADS)
    page = client.get(series.get_absolute_url()).content.decode()
    assert "being brought in line" not in page
    assert page.count("Scheduled") >= 10


def test_the_worker_builds_what_the_request_would_have_built(
    ciso: Any, head_a: Any, settings: Any
) -> None:
    big = daily(ciso, [head_a], title="Big")
    meeting_tasks.materialise_series(big.pk)
    settings.MEETING_MATERIALISE_INLINE_ROWS = 100_000
    small = daily(ciso, [head_a], title="Small")
    assert small.materialise_requested_at is None
    assert future_starts(big) == future_starts(small)
    assert open_reminders(big) == open_reminders(small) > 0


def test_a_change_waiting_for_the_worker_keeps_dropping_overrides(ciso: Any, head_a: Any) -> None:
    series = daily(ciso, [head_a])
    meeting_tasks.materialise_series(series.pk)
    single = series.occurrences.order_by("start")[3]
    moved_to = single.start + dt.timedelta(hours=3)
    meeting_services.occurrence_move(single, start=moved_to)
    assert moved_to in future_starts(series)

    # The whole series moves to 10:00 (its overrides go), then, before the worker has
    # run, its title changes (which alone would keep them).
    series = meeting_services.series_change(series, changes={"start_time": dt.time(10, 0)})
    series = meeting_services.series_change(series, changes={"title": "Stand-up"})
    assert series.materialise_requested_at is not None and series.materialise_drop_overrides

    meeting_tasks.materialise_series(series.pk)
    starts = future_starts(series)
    assert moved_to not in starts
    assert {start.astimezone(series.zone).hour for start in starts} == {10}
    series.refresh_from_db()
    assert (series.materialise_requested_at, series.materialise_drop_overrides) == (None, False)


def test_the_sweep_materialises_a_request_whose_task_was_lost(ciso: Any, head_a: Any) -> None:
    series = daily(ciso, [head_a])
    # The broker lost the task: a minute later the sweep (beat, every minute) finds it.
    assert tasks.sweep_outbox()["materialised"] == 0
    MeetingSeries.objects.filter(pk=series.pk).update(
        materialise_requested_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert tasks.sweep_outbox()["materialised"] == 1
    assert len(future_starts(series)) >= 80
    assert tasks.sweep_outbox()["materialised"] == 0


def test_a_series_cancelled_before_the_worker_ran_gets_no_meetings(ciso: Any, head_a: Any) -> None:
    series = daily(ciso, [head_a])
    meeting_services.series_cancel(series)
    assert meeting_tasks.materialise_series(series.pk) == 0
    assert not Occurrence.objects.filter(series=series).exists()
    series.refresh_from_db()
    assert series.materialise_requested_at is None


def test_a_small_change_of_a_waiting_series_does_the_whole_work_at_once(
    ciso: Any, head_a: Any, settings: Any
) -> None:
    series = daily(ciso, [head_a])
    settings.MEETING_MATERIALISE_INLINE_ROWS = 100_000
    series = meeting_services.series_change(series, changes={"title": "Renamed"})
    assert series.materialise_requested_at is None
    assert len(future_starts(series)) >= 80
    assert meeting_tasks.materialise_series(series.pk) == 0


def test_the_daily_job_takes_waiting_series_too(ciso: Any, head_a: Any) -> None:
    series = daily(ciso, [head_a])
    meeting_tasks.materialise_meetings()
    series.refresh_from_db()
    assert series.materialise_requested_at is None
    assert len(future_starts(series)) >= 80
