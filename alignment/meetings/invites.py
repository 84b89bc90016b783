"""Calendar invites (RFC 5545 objects, RFC 5546 iTIP methods) built with icalendar.

A series is ONE calendar event: a stable UID, an RRULE, EXDATEs for cancelled meetings and
RECURRENCE-ID overrides for moved ones. Every REQUEST carries the whole series, with the
series' SEQUENCE (raised by alignment/meetings/services.py on each significant change),
ORGANIZER, every ATTENDEE, and a VTIMEZONE for each TZID covering the series' dates.
Cancelling one meeting sends CANCEL with its RECURRENCE-ID; cancelling the series sends
CANCEL for the UID. When a change moves the whole series (another rule, start or zone),
the old UID is cancelled and a new one starts from that moment (`uid_since`): clients
refuse to re-date an existing series reliably.

Invites go out through the outbox (InviteMessage rows), so a broker hiccup cannot lose
them; each row stores the .ics decided at the time of the change.
"""

from __future__ import annotations

import datetime as dt
from email.mime.base import MIMEBase
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vRecur

from alignment.meetings.models import (
    InviteMessage,
    InviteMethod,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    SeriesAttendee,
    profile_for,
)
from alignment.meetings.models.series import MeetingSeriesQuerySet
from alignment.outbox import with_message_id

if TYPE_CHECKING:
    from email.message import Message

    from django.contrib.auth.models import User
    from django.core.mail import EmailMessage

PRODID = "-//Meeting of the Minds//Meetings//EN"
ANSWER_SALT = "alignment.meetings.answer"
ANSWER_MAX_AGE = dt.timedelta(days=120)
# VTIMEZONE definitions cover the series from its first meeting to this far past the last
# one (or past today, for a series without an end).
ZONE_MARGIN = dt.timedelta(days=2 * 366)
PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED"}


# --- Signed answer links ---------------------------------------------------------------


class AnswerPayload(TypedDict):
    """What an answer link carries: attendee, occurrence (None: the series), response."""

    a: int
    o: int | None
    r: str


def answer_token(attendee: SeriesAttendee, occurrence: Occurrence | None, response: str) -> str:
    """One recipient, one meeting (or the whole series), one answer; expires (ANSWER_MAX_AGE)."""
    payload: AnswerPayload = {
        "a": attendee.pk,
        "o": occurrence.pk if occurrence else None,
        "r": response,
    }
    return signing.dumps(payload, salt=ANSWER_SALT, compress=True)


def read_answer_token(token: str) -> AnswerPayload:
    """The payload; raises signing.BadSignature (or SignatureExpired) when not valid."""
    payload = signing.loads(token, salt=ANSWER_SALT, max_age=ANSWER_MAX_AGE)
    if not isinstance(payload, dict) or payload.get("r") not in PARTSTAT:
        raise signing.BadSignature("Not an answer.")
    # Signed by answer_token(): the signature vouches for the rest of the shape.
    return cast(AnswerPayload, payload)


def answer_links(attendee: SeriesAttendee, occurrence: Occurrence | None) -> dict[str, str]:
    return {
        response: settings.SITE_URL
        + reverse("alignment:meeting-answer", args=[answer_token(attendee, occurrence, response)])
        for response in PARTSTAT
    }


# --- Building calendars ------------------------------------------------------------------


def calendar_start(series: MeetingSeries) -> dt.datetime | None:
    """DTSTART of the series' current UID: its first meeting from `uid_since` on (local)."""
    first = series.schedule.first_on_or_after(series.uid_since)
    return first.astimezone(series.zone) if first else None


def _rrule(series: MeetingSeries) -> vRecur:
    rule = vRecur.from_ical(series.rule)
    if "COUNT" in rule:
        # The event may start later than the series did (a new UID): a COUNT would be
        # counted from there, so the end is given as UNTIL instead.
        last = series.schedule.last()
        del rule["COUNT"]
        if last is not None:
            rule["UNTIL"] = [last]
    return rule


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def _people(event: Event, series: MeetingSeries, attendees: list[SeriesAttendee]) -> None:
    organiser = series.organiser
    event.add("organizer", _address(organiser.email, organiser.get_full_name()))
    for attendee in attendees:
        if attendee.is_organiser or not attendee.address:
            continue
        address = _address(attendee.address, attendee.display_name)
        series_answer = next((a for a in attendee.answers.all() if a.occurrence_id is None), None)
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = (
            PARTSTAT[series_answer.response] if series_answer else "NEEDS-ACTION"
        )
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address)


def _describe(event: Event, series: MeetingSeries, now: dt.datetime) -> None:
    event.add("uid", series.uid)
    event.add("dtstamp", now)
    event.add("sequence", series.sequence)
    event.add("summary", series.title)
    if series.location or series.video_link:
        event.add("location", series.location or series.video_link)
    page = settings.SITE_URL + series.get_absolute_url()
    lines = [series.video_link, f"Agenda, minutes and actions: {page}"]
    event.add("description", "\n".join(line for line in lines if line))
    event.add("url", page)


def _events(
    series: MeetingSeries, attendees: list[SeriesAttendee], now: dt.datetime
) -> list[Event]:
    """The master event (RRULE, EXDATE) and one override per moved meeting."""
    start = calendar_start(series)
    if start is None:
        return []
    zone = series.zone
    master = Event()
    _describe(master, series, now)
    master.add("dtstart", start)
    master.add("dtend", start + series.duration)
    master.add("rrule", _rrule(series))
    master.add("status", "CONFIRMED")
    _people(master, series, attendees)
    since = start.astimezone(dt.UTC)
    exceptions = [
        o
        for o in series.occurrences.all()
        if o.original_start >= since and (o.is_cancelled or o.overridden)
    ]
    cancelled = [o.original_start.astimezone(zone) for o in exceptions if o.is_cancelled]
    if cancelled:
        master.add("exdate", cancelled)
    events = [master]
    for occurrence in exceptions:
        if occurrence.is_cancelled:
            continue
        override = Event()
        _describe(override, series, now)
        override.add("recurrence-id", occurrence.original_start.astimezone(zone))
        override.add("dtstart", occurrence.start.astimezone(zone))
        override.add("dtend", occurrence.end.astimezone(zone))
        override.add("status", "CONFIRMED")
        _people(override, series, attendees)
        events.append(override)
    return events


def _calendar(
    events: list[Event], method: str | None, series_list: list[MeetingSeries]
) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    if series_list:
        first = min(s.start_date for s in series_list) - dt.timedelta(days=1)
        ends = [s.schedule.last() for s in series_list]
        last = max([e.date() for e in ends if e] + [timezone.now().date()]) + ZONE_MARGIN
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def with_people(queryset: MeetingSeriesQuerySet) -> MeetingSeriesQuerySet:
    """Prefetch what building a calendar reads: attendees, their answers, the occurrences."""
    return queryset.select_related("organiser").prefetch_related(
        Prefetch(
            "attendees",
            queryset=SeriesAttendee.objects.select_related("user", "series").prefetch_related(
                Prefetch("answers", queryset=MeetingAnswer.objects.filter(occurrence=None))
            ),
        ),
        Prefetch("occurrences", queryset=Occurrence.objects.order_by("original_start")),
    )


def request_calendar(series: MeetingSeries, *, now: dt.datetime | None = None) -> Calendar:
    """METHOD:REQUEST with the whole series (an invite or an update)."""
    series = with_people(MeetingSeries.objects.all()).get(pk=series.pk)
    events = _events(series, list(series.attendees.all()), now or timezone.now())
    return _calendar(events, InviteMethod.REQUEST, [series])


def cancel_series_calendar(series: MeetingSeries, *, now: dt.datetime | None = None) -> Calendar:
    """METHOD:CANCEL for the whole series (its current UID and SEQUENCE)."""
    series = with_people(MeetingSeries.objects.all()).get(pk=series.pk)
    event = Event()
    _describe(event, series, now or timezone.now())
    start = calendar_start(series) or series.schedule.local_start()
    event.add("dtstart", start)
    event.add("dtend", start + series.duration)
    event.add("status", "CANCELLED")
    _people(event, series, list(series.attendees.all()))
    return _calendar([event], InviteMethod.CANCEL, [series])


def cancel_occurrence_calendar(
    occurrence: Occurrence, *, now: dt.datetime | None = None
) -> Calendar:
    """METHOD:CANCEL for one meeting of the series: its RECURRENCE-ID, STATUS:CANCELLED."""
    series = with_people(MeetingSeries.objects.all()).get(pk=occurrence.series_id)
    zone = series.zone
    event = Event()
    _describe(event, series, now or timezone.now())
    event.add("recurrence-id", occurrence.original_start.astimezone(zone))
    event.add("dtstart", occurrence.start.astimezone(zone))
    event.add("dtend", occurrence.end.astimezone(zone))
    event.add("status", "CANCELLED")
    _people(event, series, list(series.attendees.all()))
    return _calendar([event], InviteMethod.CANCEL, [series])


def feed_calendar(user: User, *, now: dt.datetime | None = None) -> Calendar:
    """Every active series the user organises or attends, for a subscribed calendar.

    A feed is published, not sent: no METHOD (RFC 5545 §3.7.2), and no invitation workflow.
    """
    now = now or timezone.now()
    series_list = list(
        with_people(MeetingSeries.objects.active())
        .filter(attendees__user=user)
        .distinct()
        .order_by("pk")
    )
    events = [e for s in series_list for e in _events(s, list(s.attendees.all()), now)]
    calendar = _calendar(events, None, series_list)
    calendar.add("x-wr-calname", "Meeting of the Minds")
    return calendar


# --- Queuing and sending -------------------------------------------------------------------


def invitees(series: MeetingSeries) -> list[SeriesAttendee]:
    """Everyone who receives invites: all attendees but the organiser."""
    attendees = series.attendees.select_related("user", "user__meeting_profile", "series")
    return [a for a in attendees if not a.is_organiser and a.address]


def queue(
    series: MeetingSeries,
    calendar: Calendar,
    recipients: list[SeriesAttendee],
    *,
    method: str,
    subject: str,
    occurrence: Occurrence | None = None,
    now: dt.datetime | None = None,
) -> int:
    """One InviteMessage per recipient for this change (uid × sequence); returns how many."""
    now = now or timezone.now()
    ics = calendar.to_ical().decode()
    rows = [
        InviteMessage(
            series=series,
            attendee=attendee,
            recipient=attendee.address,
            uid=series.uid,
            sequence=series.sequence,
            method=method,
            subject=subject,
            body=invite_body(series, attendee, method=method, occurrence=occurrence),
            ics=ics,
            next_attempt_at=now,
        )
        for attendee in recipients
    ]
    # A change is queued once: a second attempt for the same uid × sequence is ignored.
    InviteMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def invite_body(
    series: MeetingSeries,
    attendee: SeriesAttendee,
    *,
    method: str,
    occurrence: Occurrence | None = None,
) -> str:
    zone = profile_for(attendee.user).zone if attendee.user is not None else series.zone
    start = occurrence.start if occurrence else calendar_start(series)
    context = {
        "series": series,
        "attendee": attendee,
        "cancel": method == InviteMethod.CANCEL,
        "occurrence": occurrence,
        "start": timezone.localtime(start, zone) if start else None,
        "zone": zone.key,
        "page": settings.SITE_URL + series.get_absolute_url(),
        "answers": None if method == InviteMethod.CANCEL else answer_links(attendee, occurrence),
    }
    with timezone.override(zone):  # the date filter renders in the active zone
        return render_to_string("alignment/meetings/emails/invite.txt", context)


class CalendarEmail(EmailMultiAlternatives):
    """An email whose text/calendar alternative carries the iTIP method (RFC 6047)."""

    def __init__(self, *args: Any, calendar_method: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calendar_method = calendar_method

    def _create_mime_attachment(
        self, content: str | bytes | Message | EmailMessage, mimetype: str
    ) -> MIMEBase:
        # A private hook of Django's EmailMessage (5.2), which django-stubs does not declare.
        part = super()._create_mime_attachment(content, mimetype)  # type: ignore[misc]
        if mimetype == "text/calendar":
            part.set_param("method", self.calendar_method)
        return part


def invite_email(row: InviteMessage, now: dt.datetime) -> CalendarEmail:
    message = CalendarEmail(
        subject=row.subject,
        body=row.body,
        to=[row.recipient],
        calendar_method=row.method,
    )
    message.attach_alternative(row.ics, "text/calendar")
    message.attach("invite.ics", row.ics, "application/ics")
    return with_message_id(message, row.message_id)
