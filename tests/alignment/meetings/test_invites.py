"""Calendar invites: valid iCalendar, one event per series, updates and cancellations."""

from __future__ import annotations

import datetime as dt
import email
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail, signing
from icalendar import Calendar

from alignment import notifications
from alignment.meetings import feed, invites
from alignment.meetings import services as meeting_services
from alignment.meetings.models import InviteMessage, MeetingSeries
from alignment.meetings.recurrence import Preset
from alignment.meetings.services import Guest
from alignment.outbox import OutboxStatus
from tests import factories
from tests.alignment.meetings.helpers import NOW

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    return factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        preset=Preset.WEEKLY,
        guests=(Guest("ada@example.org", "Ada Lovelace"),),
    )


def parse(ics: str | bytes) -> Calendar:
    return Calendar.from_ical(ics)


def events(calendar: Calendar) -> list[Any]:
    return calendar.walk("VEVENT")


def master(calendar: Calendar) -> Any:
    return next(e for e in events(calendar) if "RECURRENCE-ID" not in e)


def latest(series: MeetingSeries, recipient: str) -> InviteMessage:
    return InviteMessage.objects.filter(recipient=recipient).order_by("-pk").first()


def test_a_new_series_queues_one_request_per_invitee(series: MeetingSeries) -> None:
    rows = InviteMessage.objects.filter(series=series)
    # The head, the guest, and the organiser's own copy for their calendar.
    assert sorted(rows.values_list("recipient", flat=True)) == [
        "ada@example.org",
        "ciso@example.com",
        "head-sales@example.com",
    ]
    assert set(rows.values_list("method", "sequence")) == {("REQUEST", 0)}


def test_the_request_is_one_recurring_event_with_everyone_on_it(series: MeetingSeries) -> None:
    calendar = parse(latest(series, "ada@example.org").ics)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    event = master(calendar)
    assert len(events(calendar)) == 1
    assert str(event["UID"]) == series.uid
    assert event["SEQUENCE"] == 0
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2026, 3, 10, 9, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND") - start == dt.timedelta(minutes=45)
    assert str(event["ORGANIZER"]) == "mailto:ciso@example.com"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {
        "mailto:head-sales@example.com",
        "mailto:ada@example.org",
        "mailto:ciso@example.com",
    }
    assert attendees["mailto:ciso@example.com"]["PARTSTAT"] == "ACCEPTED"
    assert attendees["mailto:ciso@example.com"]["ROLE"] == "CHAIR"
    assert attendees["mailto:ada@example.org"]["CN"] == "Ada Lovelace"
    assert attendees["mailto:ada@example.org"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:ada@example.org"]["RSVP"] == "TRUE"


def test_every_tzid_has_a_vtimezone_covering_the_series(series: MeetingSeries) -> None:
    calendar = parse(invites.request_calendar(series, now=NOW).to_ical())
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    used = {
        prop.params["TZID"]
        for event in events(calendar)
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID")
        if name in event and "TZID" in (prop := event[name]).params
    }
    assert used == {"Europe/Berlin"} and used <= zones
    assert calendar.get_missing_tzids() == set()
    berlin = calendar.walk("VTIMEZONE")[0]
    # Summer and winter time both described (the series crosses 29 March).
    assert {c.name for c in berlin.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_a_cancelled_meeting_becomes_an_exdate_and_a_cancel(series: MeetingSeries) -> None:
    occurrence = series.occurrences.order_by("start")[2]
    meeting_services.occurrence_cancel(occurrence, now=NOW)

    cancel = parse(latest(series, "ada@example.org").ics)
    assert cancel["METHOD"] == "CANCEL"
    (event,) = events(cancel)
    assert str(event["UID"]) == series.uid
    assert event["SEQUENCE"] == 1
    assert event["STATUS"] == "CANCELLED"
    assert event.decoded("RECURRENCE-ID") == occurrence.original_start

    update = parse(invites.request_calendar(series, now=NOW).to_ical())
    exdates = [d.dt for d in master(update)["EXDATE"].dts]
    assert exdates == [occurrence.original_start.astimezone(BERLIN)]
    assert master(update)["EXDATE"].params["TZID"] == "Europe/Berlin"


def test_a_moved_meeting_becomes_a_recurrence_id_override(series: MeetingSeries) -> None:
    occurrence = series.occurrences.order_by("start")[1]
    new_start = occurrence.start + dt.timedelta(days=1, hours=3)
    meeting_services.occurrence_move(occurrence, start=new_start, now=NOW)

    calendar = parse(latest(series, "head-sales@example.com").ics)
    assert calendar["METHOD"] == "REQUEST"
    overrides = [e for e in events(calendar) if "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    override = overrides[0]
    assert str(override["UID"]) == series.uid
    assert override.decoded("RECURRENCE-ID") == occurrence.original_start
    assert override.decoded("DTSTART") == new_start
    assert override["SEQUENCE"] == master(calendar)["SEQUENCE"] == 1


def test_uid_stays_and_sequence_rises_on_each_significant_change(series: MeetingSeries) -> None:
    uid = series.uid
    meeting_services.series_change(series, changes={"title": "Renamed"}, now=NOW)
    meeting_services.series_change(series, changes={"duration_minutes": 60}, now=NOW)
    meeting_services.series_change(series, changes={"reminder_leads": [60]}, now=NOW)  # not one

    sent = InviteMessage.objects.filter(recipient="ada@example.org").order_by("pk")
    calendars = [parse(row.ics) for row in sent]
    assert [str(master(c)["UID"]) for c in calendars] == [uid, uid, uid]
    assert [master(c)["SEQUENCE"] for c in calendars] == [0, 1, 2]
    assert str(master(calendars[1])["SUMMARY"]) == "Renamed"


def test_moving_the_whole_series_cancels_the_old_uid_and_starts_a_new_one(
    series: MeetingSeries,
) -> None:
    old_uid = series.uid
    later = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)  # the first meeting has been held
    changed = meeting_services.series_change(
        series, changes={"start_time": dt.time(11, 0)}, now=later
    )

    rows = list(InviteMessage.objects.filter(recipient="ada@example.org").order_by("pk"))
    cancel, request = parse(rows[-2].ics), parse(rows[-1].ics)
    assert cancel["METHOD"] == "CANCEL"
    assert str(master(cancel)["UID"]) == old_uid
    assert master(cancel)["STATUS"] == "CANCELLED"
    assert master(cancel)["SEQUENCE"] == 1
    assert request["METHOD"] == "REQUEST"
    new = master(request)
    assert str(new["UID"]) == changed.uid != old_uid
    assert new["SEQUENCE"] == 0
    # The new event starts with the next meeting, at the new time: history is not re-dated.
    assert new.decoded("DTSTART") == dt.datetime(2026, 3, 17, 11, tzinfo=BERLIN)


def test_cancelling_the_series_sends_cancel_for_the_uid(series: MeetingSeries) -> None:
    meeting_services.series_cancel(series, now=NOW)
    calendar = parse(latest(series, "head-sales@example.com").ics)
    assert calendar["METHOD"] == "CANCEL"
    event = master(calendar)
    assert str(event["UID"]) == series.uid
    assert event["STATUS"] == "CANCELLED"
    assert "RECURRENCE-ID" not in event


def test_an_added_attendee_gets_the_invite_and_a_removed_one_a_cancel(
    series: MeetingSeries, head_b: Any
) -> None:
    newcomer = factories.UserFactory(username="sales-ops")
    meeting_services.series_change(series, changes={}, users=[head_b, newcomer], guests=[], now=NOW)

    to_new = latest(series, "sales-ops@example.com")
    to_ada = latest(series, "ada@example.org")
    assert to_new.method == "REQUEST" and to_new.sequence == 1
    assert to_ada.method == "CANCEL" and to_ada.sequence == 1
    attendees = {str(a) for a in master(parse(to_new.ics))["ATTENDEE"]}
    assert "mailto:sales-ops@example.com" in attendees
    assert "mailto:ada@example.org" not in attendees


def test_the_invite_email_has_a_calendar_part_with_the_method_and_an_attachment(
    series: MeetingSeries,
) -> None:
    notifications.sweep(now=NOW)

    invites_sent = [m for m in mail.outbox if m.subject.startswith("Invitation")]
    assert sorted(m.to[0] for m in invites_sent) == [
        "ada@example.org",
        "ciso@example.com",
        "head-sales@example.com",
    ]
    parsed = email.message_from_bytes(invites_sent[0].message().as_bytes())
    parts = {part.get_content_type(): part for part in parsed.walk()}
    calendar_part = parts["text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    assert parts["application/ics"].get_filename() == "invite.ics"
    assert parse(calendar_part.get_payload(decode=True))["METHOD"] == "REQUEST"
    assert (
        parsed["Message-ID"].strip() == InviteMessage.objects.get(recipient=parsed["To"]).message_id
    )
    assert set(InviteMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_the_invite_email_carries_signed_answer_links(series: MeetingSeries) -> None:
    row = latest(series, "ada@example.org")
    links = [w for w in row.body.split() if "/meetings/answer/" in w]
    assert len(links) == 2
    payloads = [invites.read_answer_token(link.rstrip("/").rsplit("/", 1)[-1]) for link in links]
    assert {p["r"] for p in payloads} == {"accepted", "declined"}
    assert {p["a"] for p in payloads} == {series.attendees.get(email="ada@example.org").pk}


def test_an_answer_token_is_refused_when_tampered_or_expired(series: MeetingSeries) -> None:
    attendee = series.attendees.get(email="ada@example.org")
    token = invites.answer_token(attendee, None, "accepted")
    with pytest.raises(signing.BadSignature):
        invites.read_answer_token(token[:-2] + "xx")
    old = signing.TimestampSigner(salt=invites.ANSWER_SALT)
    stale = old.sign_object({"a": attendee.pk, "o": None, "r": "accepted"}, compress=True)
    assert invites.read_answer_token(stale)["r"] == "accepted"
    with pytest.raises(signing.SignatureExpired):
        signing.loads(stale, salt=invites.ANSWER_SALT, max_age=-1)


def test_an_answer_link_is_the_text_signing_dumps_writes(series: MeetingSeries) -> None:
    """Links sent before the signer was made once per batch (`signing.dumps`, asked to
    compress) are the same text as those sent now, and read back the same."""
    attendee = series.attendees.get(email="ada@example.org")
    first = series.occurrences.order_by("start").first()
    for occurrence, response in ((None, "declined"), (first, "accepted")):
        payload = {"a": attendee.pk, "o": occurrence.pk if occurrence else None, "r": response}
        with mock.patch("django.core.signing.time.time", return_value=1_767_225_600.0):
            earlier = signing.dumps(payload, salt=invites.ANSWER_SALT, compress=True)
            now = invites.answer_token(attendee, occurrence, response)
            batched = invites.answer_token(
                attendee, occurrence, response, signer=invites.answer_signer()
            )
            assert invites.read_answer_token(now) == payload
        assert earlier == now == batched


def test_the_feed_holds_every_series_of_the_user_without_a_method(
    series: MeetingSeries, head_b: Any
) -> None:
    calendar = parse(feed.feed_calendar(head_b, now=NOW).to_ical())
    assert "METHOD" not in calendar
    assert [str(master(calendar)["UID"])] == [series.uid]
    assert calendar.get_missing_tzids() == set()
    assert events(parse(feed.feed_calendar(factories.UserFactory(), now=NOW).to_ical())) == []


def test_a_count_rule_is_sent_as_until(ciso: Any, head_b: Any, dept_b: Any) -> None:
    series = factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, rule="FREQ=WEEKLY;BYDAY=TU;COUNT=3"
    )
    rule = master(parse(invites.request_calendar(series, now=NOW).to_ical()))["RRULE"]
    assert "COUNT" not in rule
    assert rule["UNTIL"] == [dt.datetime(2026, 3, 24, 8, tzinfo=dt.UTC)]
