"""Meetings created ahead of time: every active series materialised up to the horizon.

Beat runs `materialise_all` daily; the series workflows (alignment/meetings/services.py)
call `materialise_series` when a series is created or changed. A new meeting stores no
agenda: it is live until the start (alignment/meetings/agenda_view.py), and the daily
job freezes the agendas of the meetings that have started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alignment import outbox
from alignment.meetings import agenda_view, reminders
from alignment.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus


def horizon() -> dt.timedelta:
    return dt.timedelta(days=settings.MEETING_HORIZON_DAYS)


@dataclass
class Materialised:
    created: list[Occurrence] = field(default_factory=list)
    updated: list[Occurrence] = field(default_factory=list)
    removed: int = 0


@transaction.atomic
def materialise_series(
    series: MeetingSeries,
    *,
    now: dt.datetime | None = None,
    since: dt.datetime | None = None,
    drop_overrides: bool = False,
) -> Materialised:
    """Create the series' meetings up to the horizon; bring future ones in line with it.

    Idempotent: an occurrence is keyed by (series, original start), a database
    uniqueness. Meetings that have started are never touched. A future meeting moved or
    cancelled on its own keeps its override, unless `drop_overrides` (the whole series
    moved to a new UID). A future meeting the rule no longer produces is deleted, or
    cancelled if it already has minutes, decisions or action items.
    """
    now = now or timezone.now()
    result = Materialised()
    # Read under a row lock: a series cancelled meanwhile gets no new meetings.
    if not MeetingSeries.objects.select_for_update().filter(pk=series.pk, active=True).exists():
        return result
    start_from = since or now
    until = now + horizon()
    expected = series.schedule.between(start_from, until)
    existing = {
        o.original_start: o
        for o in series.occurrences.filter(Q(original_start__gte=start_from) | Q(start__gt=now))
    }
    for start in expected:
        occurrence = existing.get(start)
        if occurrence is None or occurrence.overridden or occurrence.start <= now:
            continue
        if occurrence.start != start or occurrence.end != start + series.duration:
            occurrence.start, occurrence.end = start, start + series.duration
            occurrence.save(update_fields=["start", "end", "updated_at"])
            result.updated.append(occurrence)
    result.removed = _remove_unexpected(existing, set(expected), now, until, drop_overrides)
    result.created = _create(series, [s for s in expected if s not in existing])
    reminders.sync_reminders(series, [*result.created, *result.updated], now=now)
    return result


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
) -> int:
    removed = 0
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
        removed += 1
    return removed


def materialise_all(*, now: dt.datetime | None = None) -> int:
    """The daily job: every active series to the horizon; the agendas of the meetings
    that started since the last run frozen, if nobody has read them since their start."""
    now = now or timezone.now()
    created = 0
    for series in MeetingSeries.objects.active().order_by("pk"):
        with transaction.atomic():
            created += len(materialise_series(series, now=now).created)
    started = Occurrence.objects.scheduled().filter(
        agenda_view.UNFROZEN, start__lte=now, start__gt=now - agenda_view.FREEZE_WITHIN
    )
    for occurrence in started.select_related("series__department"):
        agenda_view.freeze(occurrence, now=now)
    outbox.sweep_soon()
    return created
