"""Handing a series over to another member of the security team (issue 11)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone
from icalendar import Calendar

from alignment import notifications
from alignment.meetings.handover import handovers, series_hand_over
from alignment.meetings.models import InviteMessage, MeetingAnswer, MeetingSeries, Response
from alignment.meetings.services import Guest
from departments.roles import SECURITY_GROUP
from departments.versioning import StaleVersion
from tests import factories

pytestmark = pytest.mark.django_db
ADA = "ada@example.org"
HEAD = "head-sales@example.com"
MAYA = "ciso@example.com"
SAM = "sam@example.com"


@pytest.fixture
def maya(ciso: Any) -> Any:
    ciso.first_name, ciso.last_name = "Maya", "Okafor"
    ciso.save()
    return ciso


@pytest.fixture
def sam(db: Any) -> Any:
    return factories.UserFactory(
        username="sam", first_name="Sam", last_name="Lee", groups=[SECURITY_GROUP]
    )


@pytest.fixture
def series(maya: Any, head_b: Any, dept_b: Any, mailoutbox: list[EmailMessage]) -> MeetingSeries:
    """Maya's monthly one-on-one with the head of Sales and a guest, from next week; its
    first invitations are already sent."""
    series = factories.one_on_one(
        organiser=maya,
        leader=head_b,
        department=dept_b,
        first=timezone.localdate() + dt.timedelta(days=7),
        guests=(Guest(ADA, "Ada Lovelace"),),
        now=timezone.now(),
    )
    notifications.sweep()
    mailoutbox.clear()
    return series


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hand_over_url(series: MeetingSeries) -> str:
    return reverse("alignment:series-hand-over", args=[series.pk])


def updates(outbox: list[EmailMessage], address: str) -> list[Any]:
    return [m for m in outbox if m.to == [address] and m.subject.startswith("Updated invitation")]


def organizer_of(message: Any) -> str:
    ics = next(content for content, mimetype in message.alternatives if mimetype == "text/calendar")
    master = next(c for c in Calendar.from_ical(ics).walk("VEVENT") if "RRULE" in c)
    return str(master["ORGANIZER"])


# --- The service ------------------------------------------------------------------------------


def test_it_makes_the_new_organiser_the_one_organiser_attendee(
    series: MeetingSeries, maya: Any, sam: Any
) -> None:
    series_hand_over(series, to=sam, by=maya)

    series.refresh_from_db()
    assert series.organiser == sam
    organisers = [a.user for a in series.attendees.select_related("user") if a.is_organiser]
    assert organisers == [sam]
    # An active former organiser stays, as an ordinary attendee.
    assert series.attendees.filter(user=maya).exists()


def test_each_attendee_gets_one_update_with_the_new_organizer_however_often_the_sweep_runs(
    series: MeetingSeries, maya: Any, sam: Any, mailoutbox: list[EmailMessage]
) -> None:
    sequence = series.sequence
    series_hand_over(series, to=sam, by=maya)

    notifications.sweep()
    notifications.sweep()

    for address in (ADA, HEAD, MAYA, SAM):
        (update,) = updates(mailoutbox, address)
        assert organizer_of(update) == f"mailto:{SAM}"
    assert len(mailoutbox) == 4
    assert MeetingSeries.objects.get(pk=series.pk).sequence == sequence + 1


def test_the_email_names_the_change_of_organiser(
    series: MeetingSeries, maya: Any, sam: Any, mailoutbox: list[EmailMessage]
) -> None:
    series_hand_over(series, to=sam, by=maya)
    notifications.sweep()

    (update,) = updates(mailoutbox, ADA)
    assert "Organiser: Maya Okafor → Sam Lee" in update.body
    # Handed over by the organiser of before: she made the change, and says so.
    assert update.body.split("\n")[2].startswith("Maya Okafor changed")


def test_a_series_wide_decline_of_the_new_organiser_is_dropped(
    series: MeetingSeries, maya: Any, sam: Any
) -> None:
    attendee = series.attendees.create(user=sam)
    MeetingAnswer.objects.create(attendee=attendee, occurrence=None, response=Response.DECLINED)

    series_hand_over(series, to=sam, by=maya)

    assert not MeetingAnswer.objects.filter(attendee=attendee).exists()
    assert series.attendees.filter(user=sam).count() == 1


def test_it_refuses_someone_outside_the_security_team_or_inactive(
    series: MeetingSeries, maya: Any, sam: Any, head_b: Any
) -> None:
    sam.is_active = False
    sam.save()
    for person in (head_b, sam, maya):
        with pytest.raises(ValidationError):
            series_hand_over(series, to=person, by=maya)
    assert MeetingSeries.objects.get(pk=series.pk).organiser == maya


def test_it_refuses_a_handover_based_on_an_older_version(
    series: MeetingSeries, maya: Any, sam: Any
) -> None:
    with pytest.raises(StaleVersion):
        series_hand_over(series, to=sam, by=maya, expected_version=series.version - 1)
    assert MeetingSeries.objects.get(pk=series.pk).organiser == maya


def test_the_history_names_who_handed_over_to_whom(
    series: MeetingSeries, maya: Any, sam: Any
) -> None:
    series_hand_over(series, to=sam, by=maya)
    series_hand_over(series, to=maya, by=sam)

    assert [(h.former, h.to, h.by) for h in handovers(series)] == [
        (maya, sam, maya),
        (sam, maya, sam),
    ]


# --- The page ---------------------------------------------------------------------------------


def test_it_hands_over_and_the_series_page_shows_it(
    series: MeetingSeries, maya: Any, sam: Any
) -> None:
    client = client_for(maya)
    page = client.get(series.get_absolute_url()).content.decode()
    assert "Hand over" in page and "Sam Lee" in page

    response = client.post(hand_over_url(series), {"to": sam.pk, "version": series.version})

    assert response.status_code == 302
    assert MeetingSeries.objects.get(pk=series.pk).organiser == sam
    today = dateformat.format(timezone.localdate(), "j M Y")
    page = client.get(series.get_absolute_url()).content.decode()
    assert f"Handed over from Maya Okafor to Sam Lee on {today} by Maya Okafor" in page


def test_it_refuses_get(series: MeetingSeries, maya: Any) -> None:
    assert client_for(maya).get(hand_over_url(series)).status_code == 405


def test_a_head_or_an_executive_cannot_hand_over(
    series: MeetingSeries, maya: Any, sam: Any, head_b: Any, executive: Any
) -> None:
    for user in (head_b, executive):
        response = client_for(user).post(hand_over_url(series), {"to": sam.pk})
        assert response.status_code == 403
        assert "Hand over" not in client_for(user).get(series.get_absolute_url()).content.decode()
    assert MeetingSeries.objects.get(pk=series.pk).organiser == maya


def test_someone_outside_the_security_team_cannot_be_chosen(
    series: MeetingSeries, maya: Any, head_b: Any
) -> None:
    queued = InviteMessage.objects.count()

    response = client_for(maya).post(hand_over_url(series), {"to": head_b.pk})

    assert response.status_code == 422
    assert "Choose an active member of the security team." in response.content.decode()
    stored = MeetingSeries.objects.get(pk=series.pk)
    assert (stored.organiser, stored.sequence, stored.version) == (
        maya,
        series.sequence,
        series.version,
    )
    assert InviteMessage.objects.count() == queued


def test_the_series_of_an_organiser_who_left_can_be_taken_over(
    series: MeetingSeries, maya: Any, sam: Any, mailoutbox: list[EmailMessage]
) -> None:
    maya.is_active = False
    maya.save()

    response = client_for(sam).post(hand_over_url(series), {"to": sam.pk})

    assert response.status_code == 302
    series.refresh_from_db()
    assert series.organiser == sam
    # Someone who left is removed from the series and written to no more.
    assert not series.attendees.filter(user=maya).exists()
    notifications.sweep()
    assert updates(mailoutbox, MAYA) == []
    assert len(updates(mailoutbox, SAM)) == 1


def test_it_refuses_to_give_someone_a_second_one_on_one_with_the_same_leader(
    series: MeetingSeries, maya: Any, sam: Any, head_b: Any, dept_b: Any
) -> None:
    factories.one_on_one(organiser=sam, leader=head_b, department=dept_b, now=timezone.now())

    with pytest.raises(ValidationError, match="already has a one-on-one"):
        series_hand_over(series, to=sam, by=maya)
    assert MeetingSeries.objects.get(pk=series.pk).organiser == maya
