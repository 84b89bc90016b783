"""Meetings created ahead of time: every active series materialised up to the horizon.

Beat runs `materialise_all` daily; the series workflows (alignment/meetings/services.py)
call `bring_in_line` when a series is created or changed: a small series is materialised
in the request, a big one (a daily meeting with forty people and three reminders is
eleven thousand reminder rows) is recorded on the series and materialised by the worker,
a week per transaction, so that nobody's save waits behind it. A new meeting stores no
agenda: it is live until the start (alignment/meetings/agenda_view.py), and the daily
job freezes the agendas of the meetings that have started.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from alignment import outbox
from alignment.meetings import agenda_view, reminders
from alignment.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus

log = logging.getLogger(__name__)

SQLITE_PAUSE_SECONDS = 0.15
sleep = time.sleep


def horizon() -> dt.timedelta:
    return dt.timedelta(days=settings.MEETING_HORIZON_DAYS)


def window() -> dt.timedelta:
    return dt.timedelta(days=settings.MEETING_MATERIALISE_WINDOW_DAYS)


@dataclass
class Materialised:
    created: list[Occurrence] = field(default_factory=list)
    updated: list[Occurrence] = field(default_factory=list)
    removed: int = 0

    def add(self, other: Materialised) -> None:
        self.created += other.created
        self.updated += other.updated
        self.removed += other.removed


@transaction.atomic
def materialise_series(
    series: MeetingSeries,
    *,
    now: dt.datetime | None = None,
    since: dt.datetime | None = None,
    drop_overrides: bool = False,
    resync: bool = False,
) -> Materialised:
    """Create the series' meetings up to the horizon; bring future ones in line with it,
    in one transaction (the request's own, for a small series; see `bring_in_line`).

    Idempotent: an occurrence is keyed by (series, original start), a database
    uniqueness. Meetings that have started are never touched. A future meeting moved or
    cancelled on its own keeps its override, unless `drop_overrides` (the whole series
    moved to a new UID). A future meeting the rule no longer produces is deleted, or
    cancelled if it already has minutes, decisions or action items. With `resync`
    (attendees or lead times changed), every future meeting's reminders are brought in
    line, not only those of the meetings created or moved.
    """
    now = now or timezone.now()
    return _materialise_window(
        series,
        now=now,
        start=since or now,
        end=now + horizon(),
        first=True,
        drop_overrides=drop_overrides,
        resync=resync,
    )


def materialise_in_windows(
    series: MeetingSeries,
    *,
    now: dt.datetime | None = None,
    drop_overrides: bool = False,
    resync: bool = False,
) -> Materialised:
    """The same work as `materialise_series`, a week at a time, each week its own short
    transaction: the worker's way, so that a big series never holds the database's write
    lock for long (a check-in waits for one week of one series at most)."""
    now = now or timezone.now()
    result = Materialised()
    start, end = now, now + horizon()
    first = True
    while start < end:
        stop = min(start + window(), end)
        with transaction.atomic():
            part = _materialise_window(
                series,
                now=now,
                start=start,
                end=stop,
                first=first,
                drop_overrides=drop_overrides,
                resync=resync,
            )
        result.add(part)
        start, first = stop, False
        if connection.vendor == "sqlite" and start < end:
            # SQLite's lock is not fair: without a pause the next window would take it
            # again before a waiting check-in's busy handler polls (every 100 ms at most).
            sleep(SQLITE_PAUSE_SECONDS)
    return result


def _materialise_window(
    series: MeetingSeries,
    *,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    first: bool,
    drop_overrides: bool,
    resync: bool,
) -> Materialised:
    """The meetings whose original start falls in [start, end); the first window also
    takes the future meetings moved from before `start`."""
    result = Materialised()
    # Read under a row lock: a series cancelled meanwhile gets no new meetings.
    if not MeetingSeries.objects.select_for_update().filter(pk=series.pk, active=True).exists():
        return result
    expected = series.schedule.between(start, end)
    in_window = Q(original_start__gte=start)
    if first:
        in_window |= Q(start__gt=now)
    existing = {
        o.original_start: o for o in series.occurrences.filter(in_window, original_start__lt=end)
    }
    for original_start in expected:
        occurrence = existing.get(original_start)
        if occurrence is None or occurrence.overridden or occurrence.start <= now:
            continue
        new_end = original_start + series.duration
        if occurrence.start != original_start or occurrence.end != new_end:
            occurrence.start, occurrence.end = original_start, new_end
            occurrence.save(update_fields=["start", "end", "updated_at"])
            result.updated.append(occurrence)
    removed = _remove_unexpected(existing, set(expected), now, end, drop_overrides)
    result.removed = len(removed)
    result.created = _create(series, [s for s in expected if s not in existing])
    if resync:
        kept = [
            o
            for key, o in existing.items()
            if key not in removed and not o.is_cancelled and o.start > now
        ]
        reminders.sync_reminders(series, [*result.created, *kept], now=now)
    else:
        reminders.sync_reminders(series, [*result.created, *result.updated], now=now)
    return result


# --- Work too big for the request ----------------------------------------------------------

MATERIALISE_TASK = "alignment.tasks.materialise_series"


def workload(series: MeetingSeries, now: dt.datetime) -> int:
    """The reminder rows the series holds up to the horizon: meetings × people × leads."""
    meetings = len(series.schedule.between(now, now + horizon()))
    people = series.attendees.count()
    return meetings * max(people, 1) * max(len(series.reminder_leads), 1)


def bring_in_line(
    series: MeetingSeries,
    *,
    now: dt.datetime,
    since: dt.datetime | None = None,
    drop_overrides: bool = False,
) -> bool:
    """After a series was created or changed (inside that transaction, the series row
    locked): materialise it now if the work is small, otherwise record the request on
    the series and leave it to the worker. Whether it was left to the worker.

    The record is the durable part: the task queued after the commit does the work at
    once, and if the broker lost it, the outbox sweep (every minute) finds the series.
    A change made while a request waits merges into it (dropping overrides stays on).
    """
    drop = drop_overrides or series.materialise_drop_overrides
    if since is None and workload(series, now) > settings.MEETING_MATERIALISE_INLINE_ROWS:
        series.materialise_requested_at, series.materialise_drop_overrides = now, drop
        MeetingSeries.objects.filter(pk=series.pk).update(
            materialise_requested_at=now, materialise_drop_overrides=drop
        )
        series_id = series.pk
        transaction.on_commit(lambda: _request_materialise(series_id))
        return True
    materialise_series(series, now=now, since=since, drop_overrides=drop, resync=True)
    if series.materialise_requested_at is not None:
        series.materialise_requested_at, series.materialise_drop_overrides = None, False
        MeetingSeries.objects.filter(pk=series.pk).update(
            materialise_requested_at=None, materialise_drop_overrides=False
        )
    return False


def _request_materialise(series_id: int) -> None:
    try:
        current_app.send_task(MATERIALISE_TASK, args=[series_id])
    except Exception:
        log.warning("could not enqueue %s; the sweep catches up", MATERIALISE_TASK, exc_info=True)


def materialise_requested(series_id: int, *, now: dt.datetime | None = None) -> Materialised:
    """The worker's half of `bring_in_line`: the requested work, a window at a time. The
    request is cleared only if no newer change replaced it meanwhile (that change queued
    its own run)."""
    series = MeetingSeries.objects.filter(
        pk=series_id, materialise_requested_at__isnull=False
    ).first()
    if series is None:
        return Materialised()
    requested_at = series.materialise_requested_at
    result = Materialised()
    if series.active:
        result = materialise_in_windows(
            series, now=now, drop_overrides=series.materialise_drop_overrides, resync=True
        )
    MeetingSeries.objects.filter(pk=series.pk, materialise_requested_at=requested_at).update(
        materialise_requested_at=None, materialise_drop_overrides=False
    )
    outbox.sweep_soon()
    return result


def materialise_forgotten(*, now: dt.datetime | None = None, limit: int = 5) -> int:
    """The sweep's fallback: requests older than a minute whose task never ran (the
    broker was down). A few series per sweep; the next sweep takes the rest."""
    now = now or timezone.now()
    waiting = MeetingSeries.objects.filter(
        materialise_requested_at__lte=now - dt.timedelta(minutes=1)
    ).order_by("materialise_requested_at")
    done = 0
    for series_id in waiting.values_list("pk", flat=True)[:limit]:
        materialise_requested(series_id, now=now)
        done += 1
    return done


def _create(series: MeetingSeries, starts: list[dt.datetime]) -> list[Occurrence]:
    created = []
    for start in starts:
        occurrence, was_created = Occurrence.objects.get_or_create(
            series=series,
            original_start=start,
            defaults={"start": start, "end": start + series.duration},
        )
        if was_created:
            created.append(occurrence)
    return created


def _remove_unexpected(
    existing: dict[dt.datetime, Occurrence],
    expected: set[dt.datetime],
    now: dt.datetime,
    until: dt.datetime,
    drop_overrides: bool,
) -> set[dt.datetime]:
    removed: set[dt.datetime] = set()
    for original_start, occurrence in existing.items():
        if original_start in expected or original_start >= until or occurrence.start <= now:
            continue
        if occurrence.overridden and not drop_overrides:
            continue
        if occurrence.has_content():
            if not occurrence.is_cancelled:
                occurrence.status = OccurrenceStatus.CANCELLED
                occurrence.save(update_fields=["status", "updated_at"])
                reminders.cancel_reminders([occurrence])
        else:
            occurrence.delete()
        removed.add(original_start)
    return removed


def materialise_all(*, now: dt.datetime | None = None) -> int:
    """The daily job: every active series to the horizon; the agendas of the meetings
    that started since the last run frozen, if nobody has read them since their start."""
    now = now or timezone.now()
    created = 0
    for series in MeetingSeries.objects.active().order_by("pk"):
        if series.materialise_requested_at is not None:
            created += len(materialise_requested(series.pk, now=now).created)
        else:
            created += len(materialise_in_windows(series, now=now).created)
    started = Occurrence.objects.scheduled().filter(
        agenda_view.UNFROZEN, start__lte=now, start__gt=now - agenda_view.FREEZE_WITHIN
    )
    for occurrence in started.select_related("series__department"):
        agenda_view.freeze(occurrence, now=now)
    outbox.sweep_soon()
    return created
