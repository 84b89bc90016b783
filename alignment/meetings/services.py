"""Workflows on meetings, shared by the views, the Celery tasks and seed_demo.

Each one runs in a transaction and enqueues an outbox sweep for after the commit, so the
invites and reminders it queued go out within seconds, and within a minute anyway (beat).

Calendar identity (alignment/invites.py): every significant change raises the series'
SEQUENCE and sends the whole series again; a change of rule, first start or zone "moves"
the series: the old UID is cancelled and a new one starts now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alignment import outbox
from alignment.meetings import invites, reminders
from alignment.meetings.materialise import materialise_series
from alignment.meetings.models import (
    InviteMethod,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
)
from alignment.meetings.models.series import new_uid
from departments.models import Department
from departments.versioning import lock_version, save_versioned

TIMING_FIELDS = ("rule", "start_date", "start_time", "time_zone")
DETAIL_FIELDS = ("title", "duration_minutes", "location", "video_link")
SERIES_FIELDS = (*TIMING_FIELDS, *DETAIL_FIELDS, "reminder_leads")


@dataclass(frozen=True)
class Guest:
    email: str
    name: str = ""


# --- Attendees ------------------------------------------------------------------------------


def _set_attendees(
    series: MeetingSeries, users: Iterable[Any], guests: Iterable[Guest]
) -> tuple[list[SeriesAttendee], list[SeriesAttendee]]:
    """Make the attendee list exactly `users` + `guests` (+ the organiser); (added, removed)."""
    want_users = {u.pk: u for u in users if u is not None}
    want_users[series.organiser_id] = series.organiser
    want_guests = {g.email.lower(): g for g in guests}
    current = list(series.attendees.select_related("user"))
    removed = [
        a
        for a in current
        if (a.user_id and a.user_id not in want_users)
        or (not a.user_id and a.email.lower() not in want_guests)
    ]
    have_users = {a.user_id for a in current if a.user_id}
    have_guests = {a.email.lower() for a in current if not a.user_id}
    added = [
        SeriesAttendee.objects.create(series=series, user=user)
        for pk, user in want_users.items()
        if pk not in have_users
    ]
    added += [
        SeriesAttendee.objects.create(series=series, email=guest.email, name=guest.name)
        for email, guest in want_guests.items()
        if email not in have_guests
    ]
    return added, removed


def _future(series: MeetingSeries, now: dt.datetime) -> list[Occurrence]:
    return list(series.occurrences.scheduled().filter(start__gt=now))


# --- Series ---------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    organiser: Any,
    kind: str,
    title: str,
    rule: str,
    start_date: dt.date,
    start_time: dt.time,
    time_zone: str,
    duration_minutes: int = 45,
    department: Department | None = None,
    leader: Any = None,
    users: Sequence[Any] = (),
    guests: Sequence[Guest] = (),
    location: str = "",
    video_link: str = "",
    reminder_leads: list[int] | None = None,
    now: dt.datetime | None = None,
    since: dt.datetime | None = None,
) -> MeetingSeries:
    """A new series, its meetings up to the horizon, its reminders and its invites.

    `since` materialises meetings from an earlier moment (seed_demo's history).
    """
    now = now or timezone.now()
    series = MeetingSeries(
        organiser=organiser,
        kind=kind,
        title=title,
        rule=rule,
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        department=department,
        leader=leader,
        location=location,
        video_link=video_link,
        uid_since=since or now,
    )
    if reminder_leads is not None:
        series.reminder_leads = reminder_leads
    series.full_clean()
    series.save()
    _set_attendees(series, [leader, *users], guests)
    materialise_series(series, now=now, since=since)
    _send_request(series, invites.invitees(series), now=now, first=True)
    outbox.sweep_soon()
    return series


def _send_request(
    series: MeetingSeries,
    recipients: list[SeriesAttendee],
    *,
    now: dt.datetime,
    first: bool = False,
) -> None:
    if not recipients or invites.calendar_start(series) is None:
        return
    word = "Invitation" if first else "Updated invitation"
    calendar = invites.request_calendar(series, now=now)
    invites.queue(
        series,
        calendar,
        recipients,
        method=InviteMethod.REQUEST,
        subject=f"{word}: {series}",
        now=now,
    )


def _send_cancel(
    series: MeetingSeries, recipients: list[SeriesAttendee], *, now: dt.datetime, note: str = ""
) -> None:
    if not recipients:
        return
    calendar = invites.cancel_series_calendar(series, now=now)
    invites.queue(
        series,
        calendar,
        recipients,
        method=InviteMethod.CANCEL,
        subject=f"Cancelled: {series}{note}",
        now=now,
    )


@transaction.atomic
def series_change(
    series: MeetingSeries,
    *,
    changes: dict[str, Any],
    users: Sequence[Any] | None = None,
    guests: Sequence[Guest] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> MeetingSeries:
    """Apply `changes` (fields of SERIES_FIELDS) and, if given, the new attendee list.

    With `expected_version` (the version the form was based on), a series changed by
    someone else meanwhile is refused with StaleVersion instead of being overwritten.

    - rule, first start or zone changed: the old UID is cancelled for its invitees and a
      new UID starts now; future meetings are rebuilt, their overrides dropped;
    - title, duration, place or attendees changed: SEQUENCE + 1, the whole series is sent
      again to every invitee, a removed attendee gets a CANCEL;
    - lead times changed: reminders are brought in line; no invite.
    Meetings that have started are never touched.
    """
    now = now or timezone.now()
    stored = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    lock_version(stored, expected_version)
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise ValueError(f"Not a series field: {', '.join(sorted(unknown))}")
    moved = any(f in changes and changes[f] != getattr(stored, f) for f in TIMING_FIELDS)
    detailed = any(f in changes and changes[f] != getattr(stored, f) for f in DETAIL_FIELDS)
    if moved:
        stored.sequence += 1
        stored.save(update_fields=["sequence"])
        note = " (replaced by a new series)"
        _send_cancel(stored, invites.invitees(stored), now=now, note=note)
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.full_clean()
    if moved:
        stored.uid, stored.sequence, stored.uid_since = new_uid(), 0, now
    added, removed = [], []
    if users is not None or guests is not None:
        current_users = [a.user for a in stored.attendees.select_related("user") if a.user_id]
        current_guests = [Guest(a.email, a.name) for a in stored.attendees.filter(user=None)]
        added, removed = _set_attendees(
            stored,
            current_users if users is None else users,
            current_guests if guests is None else guests,
        )
    if not moved and (detailed or added or removed):
        stored.sequence += 1
    save_versioned(stored)
    if removed and not moved:
        _send_cancel(stored, [a for a in removed if not a.is_organiser], now=now)
    SeriesAttendee.objects.filter(pk__in=[a.pk for a in removed]).delete()
    materialise_series(stored, now=now, drop_overrides=moved)
    reminders.sync_reminders(stored, _future(stored, now), now=now)
    if moved or detailed or added or removed:
        _send_request(stored, invites.invitees(stored), now=now, first=moved)
    outbox.sweep_soon()
    return stored


@transaction.atomic
def series_cancel(series: MeetingSeries, *, now: dt.datetime | None = None) -> MeetingSeries:
    """End the series: future meetings cancelled, their reminders too, CANCEL to invitees."""
    now = now or timezone.now()
    stored = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if not stored.active:
        return stored
    stored.active = False
    stored.sequence += 1
    save_versioned(stored)
    future = _future(stored, now)
    for occurrence in future:
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.save(update_fields=["status", "updated_at"])
    reminders.cancel_reminders(future)
    _send_cancel(stored, invites.invitees(stored), now=now)
    outbox.sweep_soon()
    return stored


# --- Single meetings ------------------------------------------------------------------------


def _lock(occurrence: Occurrence) -> Occurrence:
    return (
        Occurrence.objects.select_for_update()
        .select_related("series__organiser")
        .get(pk=occurrence.pk)
    )


def _refuse_if_past_or_cancelled(occurrence: Occurrence, now: dt.datetime) -> None:
    if occurrence.is_cancelled:
        raise ValidationError("This meeting is cancelled.")
    if occurrence.has_started(now):
        raise ValidationError("This meeting has already started.")


@transaction.atomic
def occurrence_move(
    occurrence: Occurrence, *, start: dt.datetime, now: dt.datetime | None = None
) -> Occurrence:
    """Move one meeting; its reminders follow it, attendees get the updated series."""
    now = now or timezone.now()
    occurrence = _lock(occurrence)
    _refuse_if_past_or_cancelled(occurrence, now)
    if start <= now:
        raise ValidationError({"start": "Move the meeting to a time that is still ahead."})
    length = occurrence.end - occurrence.start
    occurrence.start, occurrence.end = start, start + length
    occurrence.overridden = True
    save_versioned(occurrence)
    series = MeetingSeries.objects.select_for_update().get(pk=occurrence.series_id)
    reminders.sync_reminders(series, [occurrence], now=now)
    series.sequence += 1
    series.save(update_fields=["sequence", "updated_at"])
    _send_request(series, invites.invitees(series), now=now)
    outbox.sweep_soon()
    return occurrence


@transaction.atomic
def occurrence_cancel(occurrence: Occurrence, *, now: dt.datetime | None = None) -> Occurrence:
    """Cancel one meeting: its reminders are cancelled, attendees get a CANCEL for it."""
    now = now or timezone.now()
    occurrence = _lock(occurrence)
    _refuse_if_past_or_cancelled(occurrence, now)
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.overridden = True
    save_versioned(occurrence)
    reminders.cancel_reminders([occurrence])
    series = MeetingSeries.objects.select_for_update().get(pk=occurrence.series_id)
    series.sequence += 1
    series.save(update_fields=["sequence", "updated_at"])
    recipients = invites.invitees(series)
    if recipients:
        calendar = invites.cancel_occurrence_calendar(occurrence, now=now)
        local = occurrence.local_start
        invites.queue(
            series,
            calendar,
            recipients,
            method=InviteMethod.CANCEL,
            subject=f"Cancelled: {series.title} on {local:%a %d %b %Y}",
            occurrence=occurrence,
            now=now,
        )
    outbox.sweep_soon()
    return occurrence


@transaction.atomic
def record_answer(
    attendee: SeriesAttendee,
    occurrence: Occurrence | None,
    response: str,
    *,
    now: dt.datetime | None = None,
) -> MeetingAnswer:
    """An attendee accepts or declines one meeting or (occurrence None) the series.

    A decline cancels their pending reminders; accepting again brings them back.
    """
    now = now or timezone.now()
    answer, _ = MeetingAnswer.objects.update_or_create(
        attendee=attendee,
        occurrence=occurrence,
        defaults={"response": response, "answered_at": now},
    )
    series = attendee.series
    affected = [occurrence] if occurrence is not None else _future(series, now)
    reminders.sync_reminders(series, affected, now=now)
    return answer
