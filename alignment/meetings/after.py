"""After the meeting: final minutes emailed to the attendees, attendance, and reminders
to the owners of action items.

- Marking the minutes final (the organiser or the security team, once the meeting has
  started) puts one MinutesMessage per attendee in the outbox, in the same transaction:
  the minutes, decisions and action items as they stand then. The minutes are read-only
  from then on.
- Attendance is recorded per attendee; a meeting counts as held once its attendance or
  minutes are recorded (MeetingSeriesQuerySet.with_cadence).
- Every morning `queue_action_reminders` puts in the outbox one reminder per open action
  item due within its owner's chosen number of days, and one when it has become overdue
  (if the owner wants those): once per item, kind and due date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from alignment import outbox
from alignment.meetings.models import (
    ActionItem,
    ActionReminder,
    ActionReminderKind,
    Attendance,
    Decision,
    MinutesMessage,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
    profile_for,
)
from alignment.meetings.models.profiles import MAX_ACTION_REMINDER_DAYS
from alignment.outbox import OutboxStatus
from departments import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An item overdue for longer than this when the reminders start is left to the weekly
# digest: switching the reminders on must not send one email per old item.
OVERDUE_WITHIN = dt.timedelta(days=7)
DEFAULT_REMINDER_DAYS = 2


def may_finalise(user: User, occurrence: Occurrence) -> bool:
    """The organiser, or anyone of the security team, marks the minutes final."""
    return roles.is_ciso(user) or occurrence.series.organiser_id == user.pk


def may_record_attendance(user: User, occurrence: Occurrence) -> bool:
    return may_finalise(user, occurrence)


def finalise_minutes(
    occurrence: Occurrence, by: User, *, now: dt.datetime | None = None
) -> list[MinutesMessage]:
    """Mark the minutes final and put one email per attendee in the outbox, exactly once.

    Refused (ValidationError) before the start, for a cancelled meeting, without minutes
    or decisions, or when they are final already (a conditional UPDATE decides a race).
    """
    now = now or timezone.now()
    if occurrence.is_cancelled:
        raise ValidationError("A cancelled meeting has no minutes to send.")
    if not occurrence.has_started(now):
        raise ValidationError("Minutes are final once the meeting has started, not before.")
    if not occurrence.minutes.strip() and not occurrence.decisions.exists():
        raise ValidationError("Write the minutes or record a decision before marking them final.")
    with transaction.atomic():
        claimed = Occurrence.objects.filter(
            pk=occurrence.pk,
            minutes_final_at__isnull=True,
            status=OccurrenceStatus.SCHEDULED,
            start__lte=now,
        ).update(minutes_final_at=now, minutes_final_by=by, version=F("version") + 1)
        if not claimed:
            raise ValidationError("The minutes are final already.")
        occurrence.refresh_from_db(fields=["minutes_final_at", "minutes_final_by", "version"])
        rows = _minutes_rows(occurrence, now)
        MinutesMessage.objects.bulk_create(rows, ignore_conflicts=True)
        outbox.sweep_soon()
    return rows


def _minutes_rows(occurrence: Occurrence, now: dt.datetime) -> list[MinutesMessage]:
    rows: dict[str, MinutesMessage] = {}
    attendees = SeriesAttendee.objects.filter(series=occurrence.series_id).select_related("user")
    for attendee in attendees:
        address = attendee.address
        if address and address.lower() not in rows:
            rows[address.lower()] = MinutesMessage(
                occurrence=occurrence, attendee=attendee, recipient=address, next_attempt_at=now
            )
    return list(rows.values())


def record_attendance(
    occurrence: Occurrence,
    present: set[int],
    by: User,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Record who was there (attendee ids in `present`; every other attendee absent).

    Refused before the start and for a cancelled meeting. Returns how many were present.
    """
    now = now or timezone.now()
    if occurrence.is_cancelled:
        raise ValidationError("A cancelled meeting has no attendance.")
    if not occurrence.has_started(now):
        raise ValidationError("Attendance is taken once the meeting has started.")
    attendees = list(SeriesAttendee.objects.filter(series=occurrence.series_id))
    unknown = present - {a.pk for a in attendees}
    if unknown:
        raise ValidationError("Only the people of this meeting can be marked present.")
    with transaction.atomic():
        existing = {
            row.attendee_id: row for row in Attendance.objects.filter(occurrence=occurrence)
        }
        create = [
            Attendance(
                occurrence=occurrence,
                attendee=attendee,
                present=attendee.pk in present,
                recorded_by=by,
                recorded_at=now,
            )
            for attendee in attendees
            if attendee.pk not in existing
        ]
        changed = [row for row in existing.values() if row.present != (row.attendee_id in present)]
        for row in changed:
            row.present = row.attendee_id in present
            row.recorded_by, row.recorded_at = by, now
        Attendance.objects.bulk_create(create, ignore_conflicts=True)
        Attendance.objects.bulk_update(changed, ["present", "recorded_by", "recorded_at"])
    return len(present)


def minutes_lookups(path: str = "") -> list[Prefetch[str]]:
    """What `minutes_email` reads of a meeting, as prefetches from `path` ("occurrence__"
    for a queryset of minutes messages): one query each for a whole batch."""
    return [
        Prefetch(f"{path}decisions", queryset=Decision.objects.select_related("recorded_by")),
        Prefetch(
            f"{path}action_items",
            queryset=ActionItem.objects.select_related("owner").order_by("due_date", "pk"),
        ),
        Prefetch(f"{path}attendance", queryset=Attendance.objects.select_related("attendee__user")),
    ]


def minutes_email(row: MinutesMessage, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The final minutes, decisions and action items of one meeting, for one attendee."""
    occurrence = row.occurrence
    if occurrence.minutes_final_at is None or occurrence.is_cancelled:
        return OutboxStatus.SKIPPED
    prefetch_related_objects([occurrence], *minutes_lookups())  # unless the batch did
    attendee = row.attendee
    user = attendee.user if attendee is not None else None
    zone = profile_for(user).zone if user is not None else occurrence.series.zone
    series = occurrence.series
    context = {
        "series": series,
        "occurrence": occurrence,
        "name": attendee.display_name if attendee is not None else row.recipient,
        "start": timezone.localtime(occurrence.start, zone),
        "zone": zone.key,
        "decisions": list(occurrence.decisions.all()),
        "items": list(occurrence.action_items.all()),
        "attendance": list(occurrence.attendance.all()),
        "page": settings.SITE_URL + occurrence.get_absolute_url(),
    }
    local_start = timezone.localtime(occurrence.start, zone)
    subject = f"Minutes: {series.title}, {dateformat.format(local_start, 'j M Y')}"
    with timezone.override(zone):
        text = render_to_string("alignment/meetings/emails/minutes.txt", context)
        html = render_to_string("alignment/meetings/emails/minutes.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[row.recipient])
    message.attach_alternative(html, "text/html")
    return outbox.with_message_id(message, row.message_id)


def reminder_days(user: User) -> int:
    """How many days ahead `user` wants to hear of their action items (0: not at all)."""
    return profile_for(user).action_reminder_days


def queue_action_reminders(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Reminder rows for the open action items due soon (within each owner's chosen days)
    and for those that became overdue in the last OVERDUE_WITHIN: idempotent, one per
    item, kind and due date. Reads only items due in a bounded window."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    items = (
        ActionItem.objects.open()
        .exclude(owner=None)
        .exclude(owner__email="")
        .filter(
            due_date__gte=today - OVERDUE_WITHIN,
            due_date__lte=today + dt.timedelta(days=MAX_ACTION_REMINDER_DAYS),
        )
        .values_list(
            "pk",
            "due_date",
            "owner__meeting_profile__action_reminder_days",
            "owner__meeting_profile__overdue_reminders",
        )
        .order_by("due_date", "pk")
    )
    rows: list[ActionReminder] = []
    # The owner's profile may not exist (a LEFT JOIN gives NULLs): the defaults apply.
    for pk, due, days, overdue in items.iterator(chunk_size=2000):
        ahead: int | None = days
        wants_overdue: bool | None = overdue
        if due is None:  # pragma: no cover - filtered out by the range above
            continue
        if due < today:
            if wants_overdue is None or wants_overdue:
                rows.append(_reminder(pk, ActionReminderKind.OVERDUE, due, now))
            continue
        ahead = DEFAULT_REMINDER_DAYS if ahead is None else ahead
        if ahead and (due - today).days <= ahead:
            rows.append(_reminder(pk, ActionReminderKind.DUE_SOON, due, now))
    ActionReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def _reminder(pk: int, kind: str, due: dt.date, now: dt.datetime) -> ActionReminder:
    return ActionReminder(action_item_id=pk, kind=kind, due_date=due, next_attempt_at=now)


def action_reminder_email(row: ActionReminder, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The reminder to the owner, or SKIPPED if it no longer applies (done, new due date,
    another owner without an address, preference switched off)."""
    item = row.action_item
    owner = item.owner
    if item.done or item.due_date != row.due_date or owner is None or not owner.email:
        return OutboxStatus.SKIPPED
    profile = profile_for(owner)
    overdue = row.kind == ActionReminderKind.OVERDUE
    if (overdue and not profile.overdue_reminders) or (
        not overdue and not profile.action_reminder_days
    ):
        return OutboxStatus.SKIPPED
    today = timezone.localtime(now, profile.zone).date()
    context = {
        "owner": owner,
        "item": item,
        "overdue": overdue,
        "when": due_when(row.due_date, today),
        "page": settings.SITE_URL + item.get_absolute_url(),
        "profile_page": settings.SITE_URL + reverse("alignment:meeting-profile"),
    }
    subject = f"Overdue: {item.title}" if overdue else f"Due {context['when']}: {item.title}"
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=render_to_string("alignment/meetings/emails/action_reminder.txt", context),
        to=[owner.email],
    )
    message.attach_alternative(
        render_to_string("alignment/meetings/emails/action_reminder.html", context), "text/html"
    )
    return outbox.with_message_id(message, row.message_id)


def due_when(due: dt.date, today: dt.date) -> str:
    """'today', 'tomorrow', 'on Friday 4 December'; for a past date 'on … (3 days ago)'."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    named = f"on {dateformat.format(due, 'l j F')}"
    if days < 0:
        ago = -days
        return f"{named} ({ago} day{'s' if ago != 1 else ''} ago)"
    return named
