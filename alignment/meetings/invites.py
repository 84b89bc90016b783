"""Calendar invites (RFC 5545 objects, RFC 5546 iTIP methods) built with icalendar.

A series is ONE calendar event: a stable UID, an RRULE, EXDATEs for cancelled meetings and
RECURRENCE-ID overrides for moved ones. Every REQUEST carries the whole series, with the
series' SEQUENCE (raised by alignment/meetings/services.py on each significant change),
ORGANIZER, every ATTENDEE, and a VTIMEZONE for each TZID (alignment/meetings/timezones.py).
Cancelling one meeting sends CANCEL with its RECURRENCE-ID; cancelling the series sends
CANCEL for the UID. When a change moves the whole series (another rule, start or zone),
the old UID is cancelled and a new one starts from that moment (`uid_since`): clients
refuse to re-date an existing series reliably.

The subscribed calendar (alignment/meetings/feed.py) is built from the same events.

Invites go out through the outbox (InviteMessage rows), so a broker hiccup cannot lose
them; each row stores the .ics decided at the time of the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from email.mime.base import MIMEBase
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
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
from alignment.meetings.timezones import add_timezones
from alignment.outbox import with_message_id

if TYPE_CHECKING:
    from email.message import Message

    from django.core.mail import EmailMessage

PRODID = "-//Meeting of the Minds//Meetings//EN"
ANSWER_SALT = "alignment.meetings.answer"
ANSWER_MAX_AGE = dt.timedelta(days=120)
PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED"}


# --- Signed answer links ---------------------------------------------------------------


class AnswerPayload(TypedDict):
    """What an answer link carries: attendee, occurrence (None: the series), response."""

    a: int
    o: int | None
    r: str


def answer_signer() -> signing.TimestampSigner:
    """What signs answer links: `signing.dumps`'s signer, made once for many links."""
    return signing.TimestampSigner(salt=ANSWER_SALT)


def answer_token(
    attendee: SeriesAttendee,
    occurrence: Occurrence | None,
    response: str,
    *,
    signer: signing.TimestampSigner | None = None,
) -> str:
    """One recipient, one meeting (or the whole series), one answer; expires (ANSWER_MAX_AGE).

    What `signing.dumps` writes, uncompressed: a payload this small never shrinks (the
    links sent while it was asked to try compressing are the same text)."""
    payload: AnswerPayload = {
        "a": attendee.pk,
        "o": occurrence.pk if occurrence else None,
        "r": response,
    }
    return (signer or answer_signer()).sign_object(payload)


def read_answer_token(token: str) -> AnswerPayload:
    """The payload; raises signing.BadSignature (or SignatureExpired) when not valid."""
    payload = signing.loads(token, salt=ANSWER_SALT, max_age=ANSWER_MAX_AGE)
    if not isinstance(payload, dict) or payload.get("r") not in PARTSTAT:
        raise signing.BadSignature("Not an answer.")
    # Signed by answer_token(): the signature vouches for the rest of the shape.
    return cast(AnswerPayload, payload)


def answer_url(token: str) -> str:
    return settings.SITE_URL + reverse("alignment:meeting-answer", args=[token])


def answer_url_maker() -> Callable[[str], str]:
    """`answer_url` for many tokens with one `reverse` (a batch of reminders). A signed
    token is made of URL-safe characters only (base64url, ':' and '.'), which `reverse`
    leaves as they are, so the URL is the same text around each token."""
    marker = "0"
    head, _, tail = answer_url(marker).rpartition(marker)
    return lambda token: head + token + tail


def answer_links(
    attendee: SeriesAttendee,
    occurrence: Occurrence | None,
    *,
    url: Callable[[str], str] = answer_url,
    signer: signing.TimestampSigner | None = None,
) -> dict[str, str]:
    """Accept and decline links for this recipient; none for the organiser, who is not
    asked whether they come to their own meeting."""
    if attendee.is_organiser:
        return {}
    signer = signer or answer_signer()
    return {
        response: url(answer_token(attendee, occurrence, response, signer=signer))
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
    # The app holds no meeting past the series horizon (recurrence.Schedule): calendars
    # are told the same, so they show none either, and an older UNTIL past it is cut.
    end = series.schedule.end().astimezone(dt.UTC)
    if "UNTIL" not in rule or _after(rule["UNTIL"][0], end):
        rule["UNTIL"] = [end]
    return rule


def _after(until: dt.date, end: dt.datetime) -> bool:
    """Whether a rule's UNTIL (a UTC date-time as stored; a date or a floating time in an
    older rule) lies after `end`."""
    if not isinstance(until, dt.datetime):
        return until > end.date()
    return until.replace(tzinfo=until.tzinfo or dt.UTC) > end


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def _people(event: Event, series: MeetingSeries, attendees: list[SeriesAttendee]) -> None:
    organiser = series.organiser
    event.add("organizer", _address(organiser.email, organiser.get_full_name()))
    for attendee in attendees:
        if not attendee.address:
            continue
        address = _address(attendee.address, attendee.display_name)
        if attendee.is_organiser:
            # Listed as its chair, already accepted, as the big calendars do: the copy the
            # organiser receives goes into their calendar without asking them anything.
            address.params["ROLE"] = "CHAIR"
            address.params["PARTSTAT"] = "ACCEPTED"
            address.params["RSVP"] = "FALSE"
            event.add("attendee", address)
            continue
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


def series_events(
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


def assemble_calendar(
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
        # Yearly rules, as clients write them: right for every year, however long the series.
        since = min(s.start_date for s in series_list)
        add_timezones(calendar, since=since, today=timezone.now().date())
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
    events = series_events(series, list(series.attendees.all()), now or timezone.now())
    return assemble_calendar(events, InviteMethod.REQUEST, [series])


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
    return assemble_calendar([event], InviteMethod.CANCEL, [series])


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
    return assemble_calendar([event], InviteMethod.CANCEL, [series])


# --- Queuing and sending -------------------------------------------------------------------


class Difference(NamedTuple):
    """One thing a series change altered, as the update email names it.

    `before` is None where there is no old value to name (people added or removed).
    """

    what: str
    before: str | None
    after: str


@dataclass(frozen=True)
class Change:
    """What an update or cancellation tells its reader, beside the calendar it carries.

    A moved meeting: its old and new start (UTC, shown in each reader's zone). A changed
    series: its differences. `replaced`: a cancel of a UID whose series goes on under a
    new one. Nothing (the default): a new invite.
    """

    moved_from: dt.datetime | None = None
    moved_to: dt.datetime | None = None
    differences: tuple[Difference, ...] = ()
    replaced: bool = False
    # Who made the change, when it was not the organiser (a handover by a colleague).
    by: str = ""


NEW = Change()


def invitees(series: MeetingSeries) -> list[SeriesAttendee]:
    """Everyone who receives invites: every attendee with an address, the organiser too
    (their copy puts the meeting in their own calendar; it asks them nothing)."""
    attendees = series.attendees.select_related("user", "user__meeting_profile", "series")
    return [a for a in attendees if a.address]


def queue(
    series: MeetingSeries,
    calendar: Calendar,
    recipients: list[SeriesAttendee],
    *,
    method: str,
    subject: str,
    occurrence: Occurrence | None = None,
    change: Change = NEW,
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
            body=invite_body(
                series, attendee, method=method, occurrence=occurrence, change=change, now=now
            ),
            ics=ics,
            next_attempt_at=now,
        )
        for attendee in recipients
    ]
    # A change is queued once: a second attempt for the same uid × sequence is ignored.
    InviteMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def local_when(moment: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    """'Friday 4 December, 11:00' in `zone`; the year only when it is not the current one."""
    local = timezone.localtime(moment, zone)
    this_year = timezone.localtime(now, zone).year
    return dateformat.format(local, "l j F, H:i" if local.year == this_year else "l j F Y, H:i")


def next_start(series: MeetingSeries, now: dt.datetime) -> dt.datetime | None:
    """The next meeting of the series that starts after `now` (moved ones where they went)."""
    upcoming = series.occurrences.scheduled().filter(start__gt=now).order_by("start").first()
    if upcoming is not None:
        return upcoming.start
    return series.schedule.first_on_or_after(now) if series.active else None


def invite_body(
    series: MeetingSeries,
    attendee: SeriesAttendee,
    *,
    method: str,
    occurrence: Occurrence | None = None,
    change: Change = NEW,
    now: dt.datetime | None = None,
) -> str:
    """The text of an invite, update or cancellation, in the recipient's time zone."""
    now = now or timezone.now()
    zone = profile_for(attendee.user).zone if attendee.user is not None else series.zone
    cancel = method == InviteMethod.CANCEL
    upcoming = None if cancel else next_start(series, now)
    organiser = series.organiser
    context = {
        "series": series,
        "attendee": attendee,
        "cancel": cancel,
        "occurrence": occurrence,
        "change": change,
        "by": "You"
        if attendee.is_organiser and not change.by
        else change.by or organiser.get_full_name() or organiser.username,
        "for_organiser": attendee.is_organiser,
        "when": local_when(occurrence.start, zone, now) if occurrence else "",
        "moved_from": local_when(change.moved_from, zone, now) if change.moved_from else "",
        "moved_to": local_when(change.moved_to, zone, now) if change.moved_to else "",
        "next": local_when(upcoming, zone, now) if upcoming else "",
        "zone": zone.key,
        "page": settings.SITE_URL + series.get_absolute_url(),
        "answers": {} if cancel else answer_links(attendee, occurrence),
    }
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
