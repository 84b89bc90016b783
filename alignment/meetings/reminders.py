"""Reminder emails (and the weekly digest of overdue actions), through the outbox.

Rows: one Reminder per occurrence × recipient × lead time, due at start − lead. They are
kept in step with the meeting by `sync_reminders` (created with the occurrence, moved
with it, cancelled with it: no reminder for a cancelled meeting, ever) and sent by
the outbox sweep (alignment/notifications.py), which beat runs every minute:

- a reminder whose meeting has started is marked EXPIRED, never sent late;
- when several of one recipient's reminders for a meeting are due at once (a meeting
  created an hour before it starts has its one-day and one-hour reminders both due),
  only the nearest lead time is sent, the others are SKIPPED;
- the rest is claimed, sent and marked by alignment/outbox.py, exactly once, in batches
  that take the nearest meeting's reminders first (`ORDER`, `prepare`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.translation import ngettext

from alignment import outbox
from alignment.conf import mail
from alignment.meetings import agenda_view, invites
from alignment.meetings.agenda import Agenda
from alignment.meetings.models import (
    ActionItem,
    DigestMessage,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    Reminder,
    Response,
    SeriesAttendee,
    profile_for,
)
from alignment.outbox import OutboxStatus
from departments import roles

# What a change of plan cancels: everything not yet (or not any more) on its way.
OPEN = [OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SKIPPED, OutboxStatus.FAILED]


def attendees_of(series: MeetingSeries) -> list[SeriesAttendee]:
    return list(
        series.attendees.select_related("user__meeting_profile", "series").prefetch_related(
            "answers"
        )
    )


def declined(attendee: SeriesAttendee, occurrence: Occurrence) -> bool:
    """The attendee's answer for this meeting, else for the series, is a decline."""
    return _declines({a.occurrence_id: a.response for a in attendee.answers.all()}, occurrence.pk)


def _declines(answers: Mapping[int | None, str], occurrence_id: int) -> bool:
    """`answers` (occurrence pk, None for the series → response) decline this meeting."""
    return answers.get(occurrence_id, answers.get(None)) == Response.DECLINED


def leads_for(attendee: SeriesAttendee, series: MeetingSeries) -> list[int]:
    if attendee.user is None:
        return list(series.reminder_leads)
    return profile_for(attendee.user).leads_for(series.reminder_leads)


def wanted(
    occurrence: Occurrence, attendees: list[SeriesAttendee], now: dt.datetime
) -> dict[tuple[int, int], dt.datetime]:
    """(attendee, lead) → due time, for a meeting that still lies ahead."""
    if occurrence.is_cancelled or occurrence.start <= now:
        return {}
    series = occurrence.series
    return {
        (attendee.pk, lead): occurrence.start - dt.timedelta(minutes=lead)
        for attendee in attendees
        if attendee.address and not declined(attendee, occurrence)
        for lead in leads_for(attendee, series)
    }


def sync_reminders(
    series: MeetingSeries, occurrences: Iterable[Occurrence], *, now: dt.datetime | None = None
) -> None:
    """Make the reminder rows of `occurrences` match their meeting, attendees and lead times.

    New (attendee, lead) pairs get a PENDING row; rows nobody wants any more, and every
    open row of a cancelled meeting, are CANCELLED; a moved meeting's rows are re-dated
    and sent again for the new time, unless they already went out and their new due
    time has passed too.
    """
    now = now or timezone.now()
    occurrences = list(occurrences)
    attendees = attendees_of(series)
    existing: dict[int, dict[tuple[int, int], Reminder]] = {o.pk: {} for o in occurrences}
    for row in Reminder.objects.filter(occurrence__in=occurrences):
        existing[row.occurrence_id][(row.attendee_id, row.lead_minutes)] = row
    create: list[Reminder] = []
    cancel: list[int] = []
    for occurrence in occurrences:
        want = wanted(occurrence, attendees, now)
        rows = existing[occurrence.pk]
        cancel += [r.pk for key, r in rows.items() if key not in want and r.status in OPEN]
        for (attendee_id, lead), due in want.items():
            current = rows.get((attendee_id, lead))
            if current is None:
                create.append(
                    Reminder(
                        occurrence=occurrence,
                        attendee_id=attendee_id,
                        lead_minutes=lead,
                        due_at=due,
                        next_attempt_at=due,
                    )
                )
            elif _needs_rescheduling(current, due, now):
                _reschedule(current, due)
    if cancel:
        Reminder.objects.filter(pk__in=cancel, status__in=OPEN).update(
            status=OutboxStatus.CANCELLED, lease_until=None, claim_token=""
        )
    Reminder.objects.bulk_create(create, ignore_conflicts=True)


def _needs_rescheduling(row: Reminder, due: dt.datetime, now: dt.datetime) -> bool:
    if row.due_at == due:
        # Cancelled and wanted again (an attendee back, a decline withdrawn).
        return row.status == OutboxStatus.CANCELLED
    return row.status != OutboxStatus.SENT or due > now


def _reschedule(row: Reminder, due: dt.datetime) -> None:
    Reminder.objects.filter(pk=row.pk).update(
        status=OutboxStatus.PENDING,
        due_at=due,
        next_attempt_at=due,
        attempts=0,
        lease_until=None,
        claim_token="",
        last_error="",
        sent_at=None,
    )


def cancel_reminders(occurrences: Iterable[Occurrence]) -> int:
    return Reminder.objects.filter(occurrence__in=list(occurrences), status__in=OPEN).update(
        status=OutboxStatus.CANCELLED, lease_until=None, claim_token=""
    )


def expire_started(now: dt.datetime) -> int:
    """Reminders whose meeting has started are EXPIRED: a late reminder is noise."""
    late = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, lease_until__lt=now)
    return Reminder.objects.filter(late, occurrence__start__lte=now).update(
        status=OutboxStatus.EXPIRED, lease_until=None, claim_token=""
    )


def _superseded(row: Reminder, now: dt.datetime) -> bool:
    """A reminder with a nearer lead time for the same meeting and person is due too.

    The row with the nearest lead is never superseded, so two workers deciding at once
    still send exactly one of the group.
    """
    return Reminder.objects.filter(
        occurrence_id=row.occurrence_id,
        attendee_id=row.attendee_id,
        lead_minutes__lt=row.lead_minutes,
        due_at__lte=now,
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT],
    ).exists()


# How the sweep loads reminders (alignment/notifications.py): what `reminder_email`
# reads, and the nearest meeting first, so that a backlog never delays the reminders
# that would soon expire behind those of later meetings.
# A batch's few meetings are read once each (a prefetch shares one object between their
# reminders), not joined to every row; the attendees' answers are read by `prepare`.
RELATED = ("attendee__user__meeting_profile",)
PREFETCH = (Prefetch("occurrence", Occurrence.objects.select_related("series__organiser")),)
ORDER = ("occurrence__start", "pk")


@dataclass
class _Batch:
    """What `prepare` found for a batch of claimed reminders, shared by its rows."""

    superseded: set[int]  # the rows `_superseded` would say yes for
    declined: set[int]  # the rows whose reader declined (`declined` would say yes)
    agendas: dict[int, Agenda] = field(default_factory=dict)  # occurrence pk → built once
    # (occurrence pk, zone, audience, answers asked) → the reminder written with stand-ins
    forms: dict[tuple[object, ...], mail.Form] = field(default_factory=dict)
    answer_url: Callable[[str], str] = field(default_factory=invites.answer_url_maker)
    signer: signing.TimestampSigner = field(default_factory=invites.answer_signer)


_BATCH = "_reminder_batch"  # the attribute of a prepared row that holds its _Batch


def prepare(rows: list[Reminder], now: dt.datetime) -> None:
    """Ready a claimed batch for `reminder_email` in a few queries, however many rows:
    which rows are superseded, whose readers declined, the readers' roles (what of the
    agenda each may see), and one meeting object per occurrence so that its agenda is built
    once for all its recipients. Kept on the rows, as departments.roles keeps a user's
    roles on the user object; a row built on its own queries for itself."""
    meetings: dict[int, Occurrence] = {}
    for row in rows:
        row.occurrence = meetings.setdefault(row.occurrence_id, row.occurrence)
        row.attendee.series = row.occurrence.series  # the attendee's series is the meeting's
    roles.remember(row.attendee.user for row in rows if row.attendee.user is not None)
    nearest: dict[tuple[int, int], int] = {}
    due = Reminder.objects.filter(
        occurrence_id__in=list(meetings),
        attendee_id__in={row.attendee_id for row in rows},
        due_at__lte=now,
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT],
    ).values_list("occurrence_id", "attendee_id", "lead_minutes")
    for occurrence_id, attendee_id, lead in due:
        key = (occurrence_id, attendee_id)
        nearest[key] = min(lead, nearest.get(key, lead))
    answers: dict[int, dict[int | None, str]] = defaultdict(dict)
    given = MeetingAnswer.objects.filter(
        Q(occurrence_id__in=list(meetings)) | Q(occurrence=None),
        attendee_id__in={row.attendee_id for row in rows},
    ).values_list("attendee_id", "occurrence_id", "response")
    for attendee_id, occurrence_id, response in given:
        answers[attendee_id][occurrence_id] = response
    batch = _Batch(
        superseded={
            row.pk
            for row in rows
            if nearest.get((row.occurrence_id, row.attendee_id), row.lead_minutes)
            < row.lead_minutes
        },
        declined={row.pk for row in rows if _declines(answers[row.attendee_id], row.occurrence_id)},
    )
    for row in rows:
        setattr(row, _BATCH, batch)


def _agenda_table(row: Reminder, now: dt.datetime) -> Agenda | None:
    """The meeting's whole agenda, built once per batch; None for a row built alone."""
    batch: _Batch | None = getattr(row, _BATCH, None)
    if batch is None:
        return None
    if row.occurrence_id not in batch.agendas:
        batch.agendas[row.occurrence_id] = agenda_view.current_agenda(row.occurrence, now=now)
    return batch.agendas[row.occurrence_id]


def _has_declined(row: Reminder) -> bool:
    batch: _Batch | None = getattr(row, _BATCH, None)
    return declined(row.attendee, row.occurrence) if batch is None else row.pk in batch.declined


def _is_superseded(row: Reminder, now: dt.datetime) -> bool:
    batch: _Batch | None = getattr(row, _BATCH, None)
    return _superseded(row, now) if batch is None else row.pk in batch.superseded


# Closer than this, a reminder counts the hours ("in 3 hours"); further, it names the day.
COUNTDOWN = dt.timedelta(hours=6)


def starts_when(start: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> str:
    """When a meeting starts, as seen from `now` in the reader's zone.

    'in 45 minutes', 'in 3 hours', 'in 1 hour 30 minutes' within COUNTDOWN (rounded to
    the quarter hour past the first hour: the sweep runs a minute or so after the due
    time); else 'today at 16:00', 'tomorrow at 10:00' or 'on Tuesday 10 March at 09:00',
    the day being the reader's local one.
    """
    ahead = start - now
    if ahead < COUNTDOWN:
        minutes = max(1, round(ahead.total_seconds() / 60))
        if minutes < 60:
            return ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
        hours, rest = divmod(15 * round(minutes / 15), 60)
        text = ngettext("in %(n)d hour", "in %(n)d hours", hours) % {"n": hours}
        return f"{text} {rest} minutes" if rest else text
    local = timezone.localtime(start, zone)
    days = (local.date() - timezone.localtime(now, zone).date()).days
    at = dateformat.format(local, "H:i")
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    return f"on {dateformat.format(local, 'l j F')} at {at}"


def reminder_email(row: Reminder, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The email for a claimed reminder, or the status it takes instead of being sent."""
    occurrence = row.occurrence
    if occurrence.is_cancelled:
        return OutboxStatus.CANCELLED
    if occurrence.start <= now:
        return OutboxStatus.EXPIRED
    attendee = row.attendee
    if _has_declined(row) or _is_superseded(row, now):
        return OutboxStatus.SKIPPED
    series = occurrence.series
    zone = profile_for(attendee.user).zone if attendee.user is not None else series.zone
    start = timezone.localtime(occurrence.start, zone)
    subject = f"Reminder: {series.title}, {start:%a %d %b %H:%M} ({zone.key})"
    batch: _Batch | None = getattr(row, _BATCH, None)
    if batch is not None:
        return _written_in_batch(batch, row, zone, now, subject)
    agenda = agenda_view.agenda_for(occurrence, attendee.user, now=now)
    answers = invites.answer_links(attendee, occurrence)
    text, html = _render(occurrence, attendee, zone, now, agenda, answers)
    return _email(subject, text, html, attendee.address, row.message_id)


def _email(subject: str, text: str, html: str, to: str, message_id: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return outbox.with_message_id(message, message_id)


def _render(
    occurrence: Occurrence,
    attendee: SeriesAttendee | dict[str, str],
    zone: ZoneInfo,
    now: dt.datetime,
    agenda: agenda_view.ShownAgenda,
    answers: dict[str, str],
) -> tuple[str, str]:
    """The text and the HTML of a reminder."""
    context = {
        "series": occurrence.series,
        "occurrence": occurrence,
        "attendee": attendee,
        "start": timezone.localtime(occurrence.start, zone),
        "end": timezone.localtime(occurrence.end, zone),
        "zone": zone.key,
        "when": starts_when(occurrence.start, now, zone),
        "agenda": agenda["sections"],
        "scope": agenda.get("scope", ""),
        "page": settings.SITE_URL + occurrence.get_absolute_url(),
        "answers": answers,
    }
    with timezone.override(zone):  # the date filter renders in the active zone
        text = render_to_string("alignment/meetings/emails/reminder.txt", context)
        html = render_to_string("alignment/meetings/emails/reminder.html", context)
    return text, html


# A batch writes a reminder once per meeting, reader's zone, what the reader may see of
# the agenda and whether they are asked to answer, with these stand-ins where the
# templates show the reader's name and answer links; each email then gets its own in
# their place (escaped in HTML, as the template would), in its text and in the bytes
# sent (alignment/conf/mail.py, `Form`). Random, so no title or name can contain one;
# tests compare every batch-built email with the same email built alone.
_STAND_IN = uuid.uuid4().hex
_NAME, _ACCEPT, _DECLINE = (f"{_STAND_IN}{part}" for part in ("name", "accept", "decline"))
_ANSWERS = {"accepted": _ACCEPT, "declined": _DECLINE}
_FORM_TO = "reader@form.invalid"  # the form's own stand-ins replace these two
_FORM_ID = "<reminder@form.invalid>"


def _written_in_batch(
    batch: _Batch, row: Reminder, zone: ZoneInfo, now: dt.datetime, subject: str
) -> EmailMultiAlternatives:
    occurrence, attendee = row.occurrence, row.attendee
    answers = invites.answer_links(attendee, occurrence, url=batch.answer_url, signer=batch.signer)
    audience = agenda_view.audience_of(attendee.user)
    key = (occurrence.pk, zone.key, audience, bool(answers))
    form = batch.forms.get(key)
    if form is None:
        table = _agenda_table(row, now)
        agenda = agenda_view.agenda_for(occurrence, attendee.user, now=now, table=table)
        stand_ins = _ANSWERS if answers else {}
        text, html = _render(occurrence, {"display_name": _NAME}, zone, now, agenda, stand_ins)
        template = _email(subject, text, html, _FORM_TO, _FORM_ID)
        form = batch.forms[key] = mail.Form(
            template, [_NAME, *stand_ins.values()], headers=["Message-ID"]
        )
    values = {_NAME: attendee.display_name}
    values.update((_ANSWERS[response], url) for response, url in answers.items())
    return form.fill(
        to=[attendee.address],
        headers={"Message-ID": row.message_id},
        text=values,
        html={stand_in: escape(value) for stand_in, value in values.items()},
    )


_ITEMS = "_digest_items"  # the attribute of a prepared digest row: its owner's items


def _owner_today(row: DigestMessage, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, profile_for(row.owner).zone).date()


def _overdue(today: dt.date) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.overdue(today=today)
        .select_related("occurrence__series", "review_item__review")
        .order_by("due_date", "pk")
    )


def prepare_digests(rows: list[DigestMessage], now: dt.datetime) -> None:
    """Every owner's overdue items for a batch of digests: one query per local date (an
    owner's today depends on their zone, so two or three dates at most), kept on the rows."""
    by_day: dict[dt.date, list[DigestMessage]] = defaultdict(list)
    for row in rows:
        by_day[_owner_today(row, now)].append(row)
    for today, group in by_day.items():
        items: dict[int, list[ActionItem]] = defaultdict(list)
        for item in _overdue(today).filter(owner_id__in={row.owner_id for row in group}):
            if item.owner_id is not None:
                items[item.owner_id].append(item)
        for row in group:
            setattr(row, _ITEMS, items[row.owner_id])


def digest_email(row: DigestMessage, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The weekly list of one owner's overdue action items; skipped when none is left."""
    items: list[ActionItem] | None = getattr(row, _ITEMS, None)
    if items is None:
        items = list(_overdue(_owner_today(row, now)).filter(owner=row.owner))
    if not items or not row.owner.email:
        return OutboxStatus.SKIPPED
    context = {"owner": row.owner, "items": items, "site": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=ngettext("%(n)d overdue action item", "%(n)d overdue action items", len(items))
        % {"n": len(items)},
        body=render_to_string("alignment/meetings/emails/digest.txt", context),
        to=[row.owner.email],
    )
    message.attach_alternative(
        render_to_string("alignment/meetings/emails/digest.html", context), "text/html"
    )
    return outbox.with_message_id(message, row.message_id)


def queue_digests(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """One digest row per owner of an overdue item, for this week (idempotent)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    owners = set(
        ActionItem.objects.overdue(today=today)
        .exclude(owner=None)
        .values_list("owner_id", flat=True)
    )
    rows = [
        DigestMessage(owner_id=owner, week=monday, next_attempt_at=now) for owner in sorted(owners)
    ]
    DigestMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def outbox_rows(limit: int = 200) -> list[Reminder]:
    """The newest reminders, for the security team's outbox page."""
    return list(
        Reminder.objects.select_related("occurrence__series", "attendee__user").order_by(
            "-due_at", "-pk"
        )[:limit]
    )
