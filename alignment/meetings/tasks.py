"""Celery tasks of the meetings: materialise meetings ahead, queue the weekly digests.

Their names keep the `alignment.tasks.` prefix they were deployed with: beat's schedule
rows and messages already queued refer to them by name.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from alignment import outbox
from alignment.meetings import materialise, reminders
from alignment.meetings.models import MeetingSeries


@shared_task(name="alignment.tasks.materialise_meetings")
def materialise_meetings() -> int:
    """Create meetings up to the horizon for every active series; freeze the agendas of
    meetings that have started."""
    return materialise.materialise_all()


@shared_task(name="alignment.tasks.materialise_series")
def materialise_series(series_id: int) -> int:
    series = MeetingSeries.objects.filter(pk=series_id, active=True).first()
    if series is None:
        return 0
    with transaction.atomic():
        created = materialise.materialise_series(series).created
        outbox.sweep_soon()
    return len(created)


@shared_task(name="alignment.tasks.queue_overdue_digests")
def queue_overdue_digests() -> int:
    """One digest per owner of overdue action items this week, then a sweep sends them."""
    with transaction.atomic():
        queued = reminders.queue_digests()
        outbox.sweep_soon()
    return queued
