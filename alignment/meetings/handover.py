"""Handing a series over to another member of the security team (issue 11).

A series belongs to its organiser's account; when the CISO leaves, another member of the
security team takes it over. The handover is a significant change like any other
(alignment/meetings/services.py): SEQUENCE + 1 and the whole series is sent again, with
the new ORGANIZER, to every invitee, the email naming the change of organiser.

Who stays in the series:
- the new organiser becomes an attendee if they were not one (the organiser is always
  one: `SeriesAttendee.is_organiser` is "this attendee's user organises the series", so
  there is exactly one organiser attendee); a series-wide "not coming" of theirs is
  dropped, as nobody asks the organiser whether they come to their own meeting;
- the former organiser stays as an ordinary attendee while their account is active (a
  CISO handing over a series usually still goes to it, and can be removed by editing it);
  a former organiser whose account is inactive has left: they are removed, without any
  email, as nobody reads that mailbox any more.

The series' history (simple_history) records each handover, `by` as its author; `handovers`
reads them back for the series page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alignment import outbox
from alignment.meetings import invites, reminders
from alignment.meetings.models import (
    MeetingAnswer,
    MeetingKind,
    MeetingSeries,
    SeriesAttendee,
)
from alignment.meetings.services import send_request
from departments import roles
from departments.versioning import lock_version, save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def series_hand_over(
    series: MeetingSeries,
    *,
    to: User,
    by: User,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> MeetingSeries:
    """Make `to` the organiser of `series`, on behalf of `by`; everyone gets the update.

    Refused (ValidationError) for a cancelled series, or when `to` is not an active member
    of the security team other than the current organiser; with `expected_version`, a
    series changed meanwhile is refused with StaleVersion, as `series_change` does.
    """
    now = now or timezone.now()
    stored = MeetingSeries.objects.select_for_update().select_related("organiser").get(pk=series.pk)
    lock_version(stored, expected_version)
    _refuse_handover(stored, to)
    former = stored.organiser
    stored.organiser = to
    stored.sequence += 1
    # Recorded as `by`'s change, even when called outside a request (a task, the shell).
    stored._history_user = by  # type: ignore[attr-defined]
    save_versioned(stored)
    attendee, _ = SeriesAttendee.objects.get_or_create(series=stored, user=to)
    MeetingAnswer.objects.filter(attendee=attendee, occurrence=None).delete()
    if not former.is_active:
        SeriesAttendee.objects.filter(series=stored, user=former).delete()
    future = list(stored.occurrences.scheduled().filter(start__gt=now))
    reminders.sync_reminders(stored, future, now=now)
    change = invites.Change(
        differences=(invites.Difference("Organiser", _name(former), _name(to)),),
        by="" if by.pk == to.pk else _name(by),
    )
    send_request(stored, invites.invitees(stored), now=now, change=change)
    outbox.sweep_soon()
    return stored


def _refuse_handover(stored: MeetingSeries, to: User) -> None:
    if not stored.active:
        raise ValidationError("This series is cancelled; there is nothing to hand over.")
    if to.pk == stored.organiser_id:
        raise ValidationError(f"{_name(to)} already organises this series.")
    if not (to.is_active and roles.is_ciso(to)):
        raise ValidationError("Hand the series over to an active member of the security team.")
    if stored.kind == MeetingKind.ONE_ON_ONE:
        if to.pk == stored.leader_id:
            raise ValidationError(f"{_name(to)} is the leader this one-on-one is with.")
        # One active one-on-one per organiser, leader and department (a constraint).
        twin = MeetingSeries.objects.active().filter(
            kind=MeetingKind.ONE_ON_ONE,
            organiser=to,
            leader=stored.leader_id,
            department=stored.department_id,
        )
        if twin.exists():
            raise ValidationError(f"{_name(to)} already has a one-on-one with this leader.")


@dataclass(frozen=True)
class Handover:
    """One change of organiser, as the series' history recorded it."""

    former: User | None
    to: User | None
    at: dt.datetime
    by: User | None


def handovers(series: MeetingSeries) -> list[Handover]:
    """Every change of organiser of the series, oldest first, from its history records."""
    records = series.history.order_by("history_date", "history_id").select_related(
        "organiser", "history_user"
    )
    found: list[Handover] = []
    previous = None
    for record in records:
        if previous is not None and record.organiser_id != previous.organiser_id:
            found.append(
                Handover(
                    previous.organiser, record.organiser, record.history_date, record.history_user
                )
            )
        previous = record
    return found
