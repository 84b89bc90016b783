"""Celery tasks of the meetings: sweep the outbox, materialise meetings, queue digests.

Every task is idempotent and takes ids (or nothing): the work itself is recorded in the
database (alignment/outbox.py), so a task that runs twice, or never because the broker
lost it, changes nothing that the next beat-driven sweep would not do anyway. Tasks are
enqueued after the transaction commits (`delay_on_commit`), and none uses an ETA or a
countdown: Redis would redeliver those after its visibility timeout.

The schedules live in django-celery-beat's tables (created by a migration, editable in
the admin): the sweep every minute, materialisation daily, the digest on Mondays.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import connection, transaction

from alignment import meeting_services, reminders
from alignment.models import MeetingSeries

log = logging.getLogger(__name__)


class OnCommitTask(DjangoTask):
    """`delay_on_commit` that never fails the request that enqueued it, and enqueues a
    task once per transaction however often it is asked (seed_demo creates 18 series).

    The outbox row is committed already; if the broker is down the message is dropped
    (and logged), and beat's sweep sends the row within a minute.
    """

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        # A callback registered in a savepoint that later rolls back is dropped with it,
        # and so is the request it stood for: beat's next sweep covers that rare case.
        key = (self.name, args, tuple(sorted(kwargs.items())))
        pending = getattr(connection, "run_on_commit", [])
        if any(getattr(entry[1], "task_key", None) == key for entry in pending):
            return
        callback = functools.partial(self._delay_quietly, *args, **kwargs)
        callback.task_key = key  # type: ignore[attr-defined]
        transaction.on_commit(callback)

    def _delay_quietly(self, *args: Any, **kwargs: Any) -> None:
        try:
            self.delay(*args, **kwargs)
        except Exception:
            log.warning(
                "could not enqueue %s; beat's sweep will catch up", self.name, exc_info=True
            )


@shared_task(base=OnCommitTask, name="alignment.tasks.sweep_outbox")
def sweep_outbox() -> dict[str, int]:
    """Send every due invite, reminder, digest and business-case email (exactly once)."""
    return reminders.sweep()


@shared_task(base=OnCommitTask, name="alignment.tasks.materialise_meetings")
def materialise_meetings() -> int:
    """Create meetings up to the horizon for every active series; refresh near agendas."""
    return meeting_services.materialise_all()


@shared_task(base=OnCommitTask, name="alignment.tasks.materialise_series")
def materialise_series(series_id: int) -> int:
    series = MeetingSeries.objects.filter(pk=series_id, active=True).first()
    if series is None:
        return 0
    with transaction.atomic():
        created = meeting_services.materialise_series(series).created
    sweep_outbox.delay_on_commit()
    return len(created)


@shared_task(base=OnCommitTask, name="alignment.tasks.queue_overdue_digests")
def queue_overdue_digests() -> int:
    """One digest per owner of overdue action items this week, then a sweep sends them."""
    with transaction.atomic():
        queued = reminders.queue_digests()
        sweep_outbox.delay_on_commit()
    return queued
