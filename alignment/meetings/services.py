"""Workflows on meetings, shared by the views, the Celery tasks and seed_demo.

Each one runs in a transaction and enqueues an outbox sweep for after the commit, so the
invites and reminders it queued go out within seconds, and within a minute anyway (beat).

Calendar identity (alignment/meetings/invites.py): every significant change raises the series'
SEQUENCE and sends the whole series again; a change of rule, first start or zone "moves"
the series: the old UID is cancelled and a new one starts now.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.translation import ngettext

from alignment import outbox
from alignment.meetings import invites, reminders
from alignment.meetings.materialise import bring_in_line
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

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TIMING_FIELDS = ("rule", "start_date", "start_time", "time_zone")
DETAIL_FIELDS = ("title", "duration_minutes", "location", "video_link")
SERIES_FIELDS = (*TIMING_FIELDS, *DETAIL_FIELDS, "reminder_leads")


@dataclass(frozen=True)
class Guest:
    email: str
    name: str = ""


# --- Attendees ------------------------------------------------------------------------------


def _set_attendees(
    series: MeetingSeries, users: Iterable[User | None], guests: Iterable[Guest]
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
    organiser: User,
    kind: str,
    title: str,
    rule: str,
    start_date: dt.date,
    start_time: dt.time,
    time_zone: str,
    duration_minutes: int = 45,
    department: Department | None = None,
    leader: User | None = None,
    users: Sequence[User] = (),
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
    bring_in_line(series, now=now, since=since)
    send_request(series, invites.invitees(series), now=now, first=True)
    outbox.sweep_soon()
    return series


def send_request(
    series: MeetingSeries,
    recipients: list[SeriesAttendee],
    *,
    now: dt.datetime,
    first: bool = False,
    change: invites.Change = invites.NEW,
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
        change=change,
        now=now,
    )


def _send_cancel(
    series: MeetingSeries,
    recipients: list[SeriesAttendee],
    *,
    now: dt.datetime,
    note: str = "",
    change: invites.Change = invites.NEW,
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
        change=change,
        now=now,
    )


@transaction.atomic
def series_change(
    series: MeetingSeries,
    *,
    changes: Mapping[str, object],
    users: Sequence[User] | None = None,
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
    _refuse_unknown_fields(changes)
    moved = _differs(stored, changes, TIMING_FIELDS)
    detailed = _differs(stored, changes, DETAIL_FIELDS)
    before = copy.copy(stored)
    if moved:
        _cancel_old_uid(stored, now=now)
    _apply_changes(stored, changes, moved=moved, now=now)
    added, removed = _replace_attendees(stored, users, guests)
    if not moved and (detailed or added or removed):
        stored.sequence += 1
    save_versioned(stored)
    _remove_attendees(stored, removed, moved=moved, now=now)
    bring_in_line(stored, now=now, drop_overrides=moved)
    if moved or detailed or added or removed:
        change = invites.Change(differences=_differences(before, stored, added, removed))
        newcomers = {a.pk for a in added}
        everyone = invites.invitees(stored)
        # Those already invited read what changed; a newcomer gets a plain invitation.
        send_request(
            stored,
            [a for a in everyone if a.pk not in newcomers],
            now=now,
            first=moved,
            change=change,
        )
        send_request(stored, [a for a in everyone if a.pk in newcomers], now=now, first=True)
    outbox.sweep_soon()
    return stored


def _differences(
    before: MeetingSeries,
    after: MeetingSeries,
    added: Sequence[SeriesAttendee],
    removed: Sequence[SeriesAttendee],
) -> tuple[invites.Difference, ...]:
    """What an update email names as changed: old and new value, in the series' terms."""

    def time(series: MeetingSeries) -> str:
        return f"{series.start_time:%H:%M} ({series.time_zone})"

    def duration(series: MeetingSeries) -> str:
        return ngettext("%(n)d minute", "%(n)d minutes", series.duration_minutes) % {
            "n": series.duration_minutes
        }

    shown: list[tuple[str, Callable[[MeetingSeries], str]]] = [
        ("Title", lambda s: s.title),
        ("Time", time),
        ("Repeats", lambda s: s.recurrence_text),
        ("First meeting", lambda s: dateformat.format(s.start_date, "j F Y")),
        ("Duration", duration),
        ("Where", lambda s: s.location or "none"),
        ("Video link", lambda s: s.video_link or "none"),
    ]
    differences = [
        invites.Difference(what, old, new)
        for what, value in shown
        if (old := value(before)) != (new := value(after))
    ]
    people = [f"added {_names(added)}"] if added else []
    people += [f"removed {_names(removed)}"] if removed else []
    if people:
        differences.append(invites.Difference("People", None, "; ".join(people)))
    return tuple(differences)


def _names(attendees: Sequence[SeriesAttendee]) -> str:
    return ", ".join(sorted(a.display_name for a in attendees))


def _refuse_unknown_fields(changes: Mapping[str, object]) -> None:
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise ValueError(f"Not a series field: {', '.join(sorted(unknown))}")


def _differs(stored: MeetingSeries, changes: Mapping[str, object], fields: Iterable[str]) -> bool:
    """Whether `changes` gives any of `fields` a value other than the stored one."""
    return any(f in changes and changes[f] != getattr(stored, f) for f in fields)


def _cancel_old_uid(stored: MeetingSeries, *, now: dt.datetime) -> None:
    """The series moves to a new UID: its invitees get a CANCEL for the old one first."""
    stored.sequence += 1
    stored.save(update_fields=["sequence"])
    note = " (replaced by a new series)"
    change = invites.Change(replaced=True)
    _send_cancel(stored, invites.invitees(stored), now=now, note=note, change=change)


def _apply_changes(
    stored: MeetingSeries, changes: Mapping[str, object], *, moved: bool, now: dt.datetime
) -> None:
    """Set and validate the new values (unsaved); a moved series starts a new UID now."""
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.full_clean()
    if moved:
        stored.uid, stored.sequence, stored.uid_since = new_uid(), 0, now


def _replace_attendees(
    stored: MeetingSeries, users: Sequence[User] | None, guests: Sequence[Guest] | None
) -> tuple[list[SeriesAttendee], list[SeriesAttendee]]:
    """(added, removed) for the new attendee list; a part not given (None) stays as it is.

    The removed rows still exist: `_remove_attendees` tells them and deletes them.
    """
    if users is None and guests is None:
        return [], []
    current_users = [a.user for a in stored.attendees.select_related("user") if a.user_id]
    current_guests = [Guest(a.email, a.name) for a in stored.attendees.filter(user=None)]
    return _set_attendees(
        stored,
        current_users if users is None else users,
        current_guests if guests is None else guests,
    )


def _remove_attendees(
    stored: MeetingSeries, removed: list[SeriesAttendee], *, moved: bool, now: dt.datetime
) -> None:
    """A removed attendee gets a CANCEL (after a move, the old UID's CANCEL was theirs)."""
    if removed and not moved:
        _send_cancel(stored, [a for a in removed if not a.is_organiser], now=now)
    SeriesAttendee.objects.filter(pk__in=[a.pk for a in removed]).delete()


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
    end = occurrence.series.schedule.end()
    if start > end:
        # Not keyed to a field: the move form's fields are a date and a time.
        raise ValidationError(f"Move the meeting to a date before {end:%d %B %Y}, its series' end.")
    length = occurrence.end - occurrence.start
    change = invites.Change(moved_from=occurrence.start, moved_to=start)
    occurrence.start, occurrence.end = start, start + length
    occurrence.overridden = True
    save_versioned(occurrence)
    series = MeetingSeries.objects.select_for_update().get(pk=occurrence.series_id)
    reminders.sync_reminders(series, [occurrence], now=now)
    series.sequence += 1
    series.save(update_fields=["sequence", "updated_at"])
    send_request(series, invites.invitees(series), now=now, change=change)
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
