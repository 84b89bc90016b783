"""The meeting pages: who sees and does what, HTMX fragments, and query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment.meetings import invites
from alignment.meetings.models import (
    ActionItem,
    Decision,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    UserProfile,
)
from alignment.meetings.models.profiles import SESSION_TIMEZONE_KEY
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    """A monthly one-on-one with the head of Sales, starting next week (real clock)."""
    first = timezone.localdate() + dt.timedelta(days=7)
    return factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, first=first, now=timezone.now()
    )


@pytest.fixture
def meeting(series: MeetingSeries) -> Occurrence:
    return series.occurrences.order_by("start").first()


def url(name: str, *args: Any) -> str:
    return reverse(f"alignment:{name}", args=args)


# --- Lists and series -----------------------------------------------------------------------


def test_the_ciso_sees_every_series_and_a_head_only_theirs(
    series: MeetingSeries, head_a: Any, head_b: Any, ciso: Any
) -> None:
    assert series.title in client_for(ciso).get(url("meeting-list")).content.decode()
    assert series.title in client_for(head_b).get(url("meeting-list")).content.decode()
    page = client_for(head_a).get(url("meeting-list")).content.decode()
    assert series.title not in page
    assert "Schedule one-on-ones" not in page


def test_the_list_refuses_post(ciso: Any) -> None:
    assert client_for(ciso).post(url("meeting-list")).status_code == 405


def test_anonymous_is_sent_to_log_in(series: MeetingSeries) -> None:
    response = Client().get(url("series-detail", series.pk))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_head_cannot_open_another_departments_series(series: MeetingSeries, head_a: Any) -> None:
    assert client_for(head_a).get(url("series-detail", series.pk)).status_code == 404
    assert client_for(head_a).get(url("series-edit", series.pk)).status_code == 404


def test_only_the_security_team_schedules(
    series: MeetingSeries, head_b: Any, executive: Any
) -> None:
    for user in (head_b, executive):
        client = client_for(user)
        assert client.get(url("series-create")).status_code == 403
        assert client.post(url("schedule-one-on-ones")).status_code == 403
        assert client.post(url("schedule-joint")).status_code == 403
        assert client.post(url("series-cancel", series.pk)).status_code in (403, 404)
    series.refresh_from_db()
    assert series.active


def test_the_ciso_creates_a_monthly_one_on_one_from_the_form(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    first = timezone.localdate() + dt.timedelta(days=10)
    response = client_for(ciso).post(
        url("series-create"),
        {
            "kind": "one_on_one",
            "title": "Sales and security",
            "department": dept_b.pk,
            "leader": head_b.pk,
            "preset": "monthly",
            "start_date": first.isoformat(),
            "start_time": "09:30",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "reminder_leads": ["1440", "60"],
            "guests": "Ada Lovelace <ada@example.org>",
        },
    )
    series = MeetingSeries.objects.get(title="Sales and security")
    assert response.status_code == 302 and response["Location"] == series.get_absolute_url()
    assert series.rule.startswith("FREQ=MONTHLY;BYDAY=")
    assert series.reminder_leads == [1440, 60]
    assert series.occurrences.count() >= 3
    assert series.attendees.filter(email="ada@example.org", name="Ada Lovelace").exists()
    page = client_for(ciso).get(series.get_absolute_url()).content.decode()
    assert "Monthly on the" in page


def test_a_bad_custom_rule_is_shown_on_the_form(ciso: Any) -> None:
    response = client_for(ciso).post(
        url("series-create"),
        {
            "kind": "senior",
            "title": "x",
            "preset": "custom",
            "custom_rule": "FREQ=HOURLY",
            "start_date": "2030-01-07",
            "start_time": "09:00",
            "time_zone": "UTC",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 422
    assert "FREQ must be" in response.content.decode()
    assert not MeetingSeries.objects.exists()


def test_a_one_on_one_needs_a_leader_of_that_department(
    ciso: Any, head_a: Any, dept_b: Any
) -> None:
    response = client_for(ciso).post(
        url("series-create"),
        {
            "kind": "one_on_one",
            "title": "x",
            "department": dept_b.pk,
            "leader": head_a.pk,
            "preset": "weekly",
            "start_date": "2030-01-07",
            "start_time": "09:00",
            "time_zone": "UTC",
            "duration_minutes": "30",
        },
    )
    assert "is not the head or a key leader of Sales" in response.content.decode()


def test_editing_the_series_sends_the_update(series: MeetingSeries, ciso: Any) -> None:
    client = client_for(ciso)
    form = client.get(url("series-edit", series.pk)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {
        "title": "Renamed",
        "start_date": series.start_date.isoformat(),
        "start_time": "09:00",
        "preset": "monthly",
        "reminder_leads": ["60"],
        "duration_minutes": "30",
        "attendees": [],
        "guests": "",
    }
    response = client.post(url("series-edit", series.pk), data)
    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.title, series.duration_minutes, series.sequence) == ("Renamed", 30, 1)


def test_one_click_schedules_and_redirects(ciso: Any, head_a: Any, dept_a: Any) -> None:
    client = client_for(ciso)
    assert client.get(url("schedule-one-on-ones")).status_code == 302  # GET changes nothing
    assert not MeetingSeries.objects.exists()
    assert client.post(url("schedule-one-on-ones")).status_code == 302
    assert MeetingSeries.objects.filter(kind="one_on_one", leader=head_a).count() == 1
    response = client.post(url("schedule-joint"))
    joint = MeetingSeries.objects.get(kind="joint")
    assert response["Location"] == joint.get_absolute_url()


def test_cancelling_the_series(series: MeetingSeries, ciso: Any) -> None:
    assert client_for(ciso).post(url("series-cancel", series.pk)).status_code == 302
    series.refresh_from_db()
    assert not series.active
    assert not series.occurrences.scheduled().exists()


# --- The meeting page -----------------------------------------------------------------------


def test_the_meeting_page_shows_the_agenda_and_the_notes(
    meeting: Occurrence, head_b: Any, head_a: Any, executive: Any
) -> None:
    page = client_for(head_b).get(meeting.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Agenda" in body and 'id="minutes-form"' in body
    assert 'hx-trigger="input changed delay:1s"' in body
    assert client_for(head_a).get(meeting.get_absolute_url()).status_code == 404
    assert (
        'id="minutes-form"'
        not in client_for(executive).get(meeting.get_absolute_url()).content.decode()
    )


def test_minutes_autosave_answers_htmx_with_the_status_fragment(
    meeting: Occurrence, head_b: Any
) -> None:
    response = client_for(head_b).post(
        url("meeting-minutes", meeting.pk), {"minutes": "We met."}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<p id="minutes-status"') and "Saved at" in body
    meeting.refresh_from_db()
    assert meeting.minutes == "We met."


def test_autosave_hands_the_new_version_back_for_the_next_save(
    meeting: Occurrence, head_b: Any
) -> None:
    client = client_for(head_b)
    start = meeting.version
    first = client.post(
        url("meeting-minutes", meeting.pk), {"minutes": "We met.", "version": start}, **HTMX
    )
    assert f'id="minutes-version" value="{start + 1}" hx-swap-oob="true"' in first.text
    second = client.post(
        url("meeting-minutes", meeting.pk),
        {"minutes": "We met. Agreed.", "version": start + 1},
        **HTMX,
    )
    assert second.status_code == 200
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.version) == ("We met. Agreed.", start + 2)


def test_stale_minutes_are_refused_not_overwritten(
    meeting: Occurrence, head_b: Any, ciso: Any
) -> None:
    start = meeting.version
    client_for(ciso).post(
        url("meeting-minutes", meeting.pk), {"minutes": "CISO's notes", "version": start}, **HTMX
    )
    late = client_for(head_b).post(
        url("meeting-minutes", meeting.pk), {"minutes": "Head's notes", "version": start}, **HTMX
    )
    assert late.status_code == 422
    assert "Changed by" in late.text and "review and retry" in late.text
    meeting.refresh_from_db()
    assert meeting.minutes == "CISO's notes"


def test_minutes_without_htmx_redirect_to_the_page(meeting: Occurrence, head_b: Any) -> None:
    client = client_for(head_b)
    assert client.get(url("meeting-minutes", meeting.pk))["Location"] == meeting.get_absolute_url()
    response = client.post(url("meeting-minutes", meeting.pk), {"minutes": "x"})
    assert response.status_code == 302


def test_people_outside_the_meeting_cannot_write_its_notes(
    meeting: Occurrence, head_a: Any, executive: Any
) -> None:
    assert (
        client_for(head_a).post(url("meeting-minutes", meeting.pk), {"minutes": "x"}).status_code
        == 404
    )
    assert (
        client_for(executive).post(url("meeting-minutes", meeting.pk), {"minutes": "x"}).status_code
        == 403
    )
    assert (
        client_for(executive).post(url("action-add", meeting.pk), {"title": "x"}).status_code == 403
    )
    meeting.refresh_from_db()
    assert meeting.minutes == "" and not ActionItem.objects.exists()


def test_a_decision_is_added_inline(meeting: Occurrence, head_b: Any) -> None:
    client = client_for(head_b)
    response = client.post(
        url("decision-add", meeting.pk), {"text": "Trial the fast lane."}, **HTMX
    )
    assert response.status_code == 200
    assert response.content.decode().strip().startswith('<section id="decisions"')
    assert Decision.objects.get().recorded_by == head_b
    invalid = client.post(url("decision-add", meeting.pk), {"text": ""}, **HTMX)
    assert invalid.status_code == 422 and "This field is required" in invalid.content.decode()


def test_an_action_item_is_added_and_ticked_inline(meeting: Occurrence, head_b: Any) -> None:
    client = client_for(head_b)
    response = client.post(
        url("action-add", meeting.pk),
        {"title": "Send the access list", "owner": head_b.pk, "due_date": "2030-01-31"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response.content.decode().strip().startswith('<section id="action-items"')
    item = ActionItem.objects.get()
    assert (item.owner, item.created_by, item.due_date) == (head_b, head_b, dt.date(2030, 1, 31))

    ticked = client.post(url("action-toggle", item.pk), {"done": "on"}, **HTMX)
    body = ticked.content.decode().strip()
    assert body.startswith(f'<li class="list-group-item" id="action-item-{item.pk}"')
    assert "checked" in body
    item.refresh_from_db()
    assert item.done and item.done_at is not None
    client.post(url("action-toggle", item.pk), {}, **HTMX)
    item.refresh_from_db()
    assert not item.done and item.done_at is None


def test_an_invalid_action_item_re_renders_with_its_errors(
    meeting: Occurrence, head_b: Any
) -> None:
    response = client_for(head_b).post(url("action-add", meeting.pk), {"title": ""}, **HTMX)
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_an_action_items_owner_must_be_in_the_meeting(
    meeting: Occurrence, head_b: Any, head_a: Any
) -> None:
    response = client_for(head_b).post(
        url("action-add", meeting.pk), {"title": "x", "owner": head_a.pk}, **HTMX
    )
    assert response.status_code == 422 and not ActionItem.objects.exists()


def test_toggling_by_get_redirects_and_changes_nothing(meeting: Occurrence, head_b: Any) -> None:
    item = ActionItem.objects.create(occurrence=meeting, title="x")
    response = client_for(head_b).get(url("action-toggle", item.pk))
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.done


def test_an_attendee_answers_on_the_page(meeting: Occurrence, head_b: Any, head_a: Any) -> None:
    response = client_for(head_b).post(
        url("meeting-respond", meeting.pk), {"response": "declined"}, **HTMX
    )
    assert response.status_code == 200 and "Not coming" in response.content.decode()
    assert MeetingAnswer.objects.get().response == "declined"
    assert (
        client_for(head_a)
        .post(url("meeting-respond", meeting.pk), {"response": "accepted"})
        .status_code
        == 404
    )


def test_the_ciso_moves_and_cancels_a_meeting(meeting: Occurrence, ciso: Any, head_b: Any) -> None:
    client = client_for(ciso)
    local = timezone.localtime(meeting.start, meeting.series.zone)
    new_day = local.date() + dt.timedelta(days=1)
    response = client.post(
        url("meeting-move", meeting.pk), {"start_date": new_day.isoformat(), "start_time": "15:00"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.start, meeting.series.zone).time() == dt.time(15, 0)
    assert meeting.overridden
    past = client.post(
        url("meeting-move", meeting.pk), {"start_date": "2001-01-01", "start_time": "09:00"}
    )
    assert past.status_code == 422 and "still ahead" in past.content.decode()
    assert client_for(head_b).post(url("meeting-cancel", meeting.pk)).status_code == 403
    client.post(url("meeting-cancel", meeting.pk))
    meeting.refresh_from_db()
    assert meeting.status == OccurrenceStatus.CANCELLED


# --- Answers by link, the feed, the profile, the outbox ------------------------------------


def test_an_answer_link_works_without_login_and_only_on_post(
    meeting: Occurrence, head_b: Any
) -> None:
    attendee = meeting.series.attendees.get(user=head_b)
    link = url("meeting-answer", invites.answer_token(attendee, meeting, "declined"))
    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "I can't come" in page.content.decode()
    assert not MeetingAnswer.objects.exists()  # a mail scanner's GET answers nothing
    done = anonymous.post(link)
    assert done.status_code == 200 and "you declined" in done.content.decode()
    answer = MeetingAnswer.objects.get()
    assert (answer.attendee, answer.occurrence, answer.response) == (attendee, meeting, "declined")


def test_a_forged_or_expired_answer_link_is_refused(
    meeting: Occurrence, head_b: Any, settings: Any
) -> None:
    attendee = meeting.series.attendees.get(user=head_b)
    assert Client().get(url("meeting-answer", "forged-token")).status_code == 404
    stale = signing.dumps(
        {"a": attendee.pk, "o": None, "r": "accepted"}, salt=invites.ANSWER_SALT, compress=True
    )
    old = invites.ANSWER_MAX_AGE
    invites.ANSWER_MAX_AGE = dt.timedelta(seconds=-1)
    try:
        assert Client().get(url("meeting-answer", stale)).status_code == 410
    finally:
        invites.ANSWER_MAX_AGE = old


def test_the_calendar_feed_needs_the_secret_and_can_be_revoked(
    series: MeetingSeries, head_b: Any
) -> None:
    client = client_for(head_b)
    client.post(url("feed-revoke"), {"confirm": "on"})  # creates the address
    token = UserProfile.objects.get(user=head_b).feed_token
    feed = Client().get(url("calendar-feed", token))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    assert series.uid in feed.content.decode()
    assert Client().get(url("calendar-feed", "guess")).status_code == 404

    assert client.post(url("feed-revoke"), {}).status_code == 302  # unconfirmed: nothing
    assert UserProfile.objects.get(user=head_b).feed_token == token
    client.post(url("feed-revoke"), {"confirm": "on"})
    assert Client().get(url("calendar-feed", token)).status_code == 404


def test_the_profile_sets_the_time_zone_shown_everywhere(meeting: Occurrence, head_b: Any) -> None:
    client = client_for(head_b)
    assert client.get(url("meeting-profile")).status_code == 200
    assert not UserProfile.objects.exists()  # reading creates nothing
    response = client.post(
        url("meeting-profile"),
        {
            "time_zone": "America/New_York",
            "work_start_hour": "9",
            "work_end_hour": "17",
            "work_days": ["0", "1", "2", "3", "4"],
            "use_series_leads": "",
            "reminder_leads": ["15"],
        },
    )
    assert response.status_code == 302
    profile = UserProfile.objects.get(user=head_b)
    assert (profile.time_zone, profile.use_series_leads, profile.reminder_leads) == (
        "America/New_York",
        False,
        [15],
    )
    assert client.session[SESSION_TIMEZONE_KEY] == "America/New_York"
    page = client.get(meeting.get_absolute_url()).content.decode()
    local = timezone.localtime(
        meeting.start, timezone.get_default_timezone().__class__("America/New_York")
    )
    assert f"{local:%H:%M}" in page and "America/New_York" in page


def test_an_invalid_profile_changes_nothing(head_b: Any) -> None:
    response = client_for(head_b).post(url("meeting-profile"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert not UserProfile.objects.exists()


def test_the_zone_is_remembered_at_login(head_b: Any) -> None:
    UserProfile.objects.create(user=head_b, time_zone="Asia/Tokyo")
    assert client_for(head_b).session[SESSION_TIMEZONE_KEY] == "Asia/Tokyo"


def test_the_outbox_is_for_the_security_team(series: MeetingSeries, ciso: Any, head_b: Any) -> None:
    page = client_for(ciso).get(url("outbox"), {"status": "pending"})
    assert page.status_code == 200 and "Pending" in page.content.decode()
    assert client_for(head_b).get(url("outbox")).status_code == 403


# --- Query counts ---------------------------------------------------------------------------


def grow(series: MeetingSeries, n: int) -> None:
    """n more attendees, action items, decisions and answers on every meeting."""
    for _ in range(n):
        user = factories.UserFactory()
        attendee = series.attendees.create(user=user)
        for occurrence in series.occurrences.all():
            ActionItem.objects.create(occurrence=occurrence, title="x", owner=user)
            Decision.objects.create(occurrence=occurrence, text="y")
            MeetingAnswer.objects.create(
                attendee=attendee, occurrence=occurrence, response="accepted"
            )


@pytest.mark.parametrize(
    "page",
    ["meeting-list", "series-detail", "meeting-detail", "outbox", "action-add", "minutes"],
)
def test_queries_do_not_grow_with_the_data(
    page: str,
    series: MeetingSeries,
    meeting: Occurrence,
    ciso: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(ciso)

    def load() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            if page == "meeting-list":
                response = client.get(url("meeting-list"))
            elif page == "series-detail":
                response = client.get(url("series-detail", series.pk))
            elif page == "meeting-detail":
                response = client.get(url("meeting-detail", meeting.pk))
            elif page == "outbox":
                response = client.get(url("outbox"))
            elif page == "action-add":
                response = client.post(url("action-add", meeting.pk), {"title": "z"}, **HTMX)
            else:
                response = client.post(url("meeting-minutes", meeting.pk), {"minutes": "m"}, **HTMX)
            assert response.status_code == 200
        return len(queries)

    grow(series, 1)
    load()  # warm the session
    grow(series, 1)  # a save: what the page keeps (its agenda's figures…) is read again
    small = load()
    grow(series, 10)
    assert load() == small
    with django_assert_max_num_queries(25):
        load()


def test_an_edit_based_on_an_old_version_is_refused(series: MeetingSeries, ciso: Any) -> None:
    client = client_for(ciso)
    data = {
        k: v
        for k, v in client.get(url("series-edit", series.pk)).context["form"].initial.items()
        if v is not None
    }
    data |= {
        "title": "Mine",
        "start_time": "09:00",
        "preset": "monthly",
        "guests": "",
        "attendees": [],
    }
    data["start_date"] = series.start_date.isoformat()
    data["reminder_leads"] = ["60"]
    MeetingSeries.objects.filter(pk=series.pk).update(version=series.version + 1)  # someone else
    response = client.post(url("series-edit", series.pk), data)
    assert response.status_code == 422
    assert "review and retry" in response.content.decode()
    series.refresh_from_db()
    assert series.title != "Mine"
    data["version"] = response.context["form"].data["version"]  # after a look: again
    assert client.post(url("series-edit", series.pk), data).status_code == 302
