"""Celery tasks of the meetings: materialise meetings ahead, queue the weekly digests.

Their names keep the `alignment.tasks.` prefix they were deployed with: beat's schedule
rows and messages already queued refer to them by name.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from alignment import notices, outbox
from alignment.meetings import after, busy, materialise, reminders


@shared_task(name="alignment.tasks.materialise_meetings")
def materialise_meetings() -> int:
    """Create meetings up to the horizon for every active series; freeze the agendas of
    meetings that have started."""
    return materialise.materialise_all()


@shared_task(name=materialise.MATERIALISE_TASK)
def materialise_series(series_id: int) -> int:
    """The meetings and reminders of a series change too big for the request
    (materialise.bring_in_line), a week per transaction."""
    return len(materialise.materialise_requested(series_id).created)


@shared_task(name="alignment.tasks.queue_overdue_digests")
def queue_overdue_digests() -> int:
    """Mondays: one digest per owner of overdue action items, and one per person of what
    awaited them this week (those who chose the digest), then a sweep sends them."""
    with transaction.atomic():
        queued = reminders.queue_digests()
        outbox.sweep_soon()
    return queued + notices.queue_digests()


@shared_task(name="alignment.tasks.remind_action_owners")
def remind_action_owners() -> int:
    """Queue the reminders of action items due soon or newly overdue, then a sweep sends them."""
    with transaction.atomic():
        queued = after.queue_action_reminders()
        outbox.sweep_soon()
    return queued


@shared_task(name="alignment.tasks.fetch_busy_calendars")
def fetch_busy_calendars() -> int:
    """Fetch every published calendar whose events count as busy (beat: every half hour)."""
    return busy.fetch_all()


@shared_task(name="alignment.tasks.fetch_busy_calendar")
def fetch_busy_calendar(user_id: int) -> bool:
    """Fetch one user's published calendar (queued when they change its address); whether
    it was read without error."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    row = busy.fetch_for(user)
    return row is not None and row.fetched_at is not None and not row.error
