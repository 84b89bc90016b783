"""The calendar feed at scale: conditional requests, a cache that is never stale after any
kind of write, a query count that does not grow with the meetings, and nobody else's
series in a user's feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.meetings import services as meeting_services
from alignment.meetings.models import MeetingSeries, Occurrence, UserProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def feed_url(user: Any) -> str:
    profile, _ = UserProfile.objects.get_or_create(user=user)
    return reverse("alignment:calendar-feed", args=[profile.feed_token])


def one_on_one(ciso: Any, leader: Any | None = None, **extra: Any) -> MeetingSeries:
    """A monthly one-on-one with a new department's head, from next week (real clock)."""
    leader = leader or factories.UserFactory()
    department = factories.DepartmentFactory(head=leader)
    first = timezone.localdate() + dt.timedelta(days=7)
    return factories.one_on_one(
        organiser=ciso,
        leader=leader,
        department=department,
        first=first,
        now=timezone.now(),
        **extra,
    )


def body(user: Any) -> str:
    response = Client().get(feed_url(user))
    assert response.status_code == 200
    return response.content.decode()


def second_meeting(series: MeetingSeries) -> Occurrence:
    return series.occurrences.order_by("start")[1]


def test_it_answers_not_modified_to_a_poll_with_the_current_etag(ciso: Any) -> None:
    one_on_one(ciso)
    first = Client().get(feed_url(ciso))
    assert first.status_code == 200 and first["ETag"].startswith('"')
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    again = Client().get(feed_url(ciso), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def test_it_answers_not_modified_to_a_poll_with_the_last_modified_time(ciso: Any) -> None:
    one_on_one(ciso)
    first = Client().get(feed_url(ciso))
    since = first["Last-Modified"]
    assert Client().get(feed_url(ciso), headers={"if-modified-since": since}).status_code == 304
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert Client().get(feed_url(ciso), headers={"if-modified-since": old}).status_code == 200


def test_a_poll_with_an_old_etag_or_time_gets_the_new_feed_after_a_change(ciso: Any) -> None:
    series = one_on_one(ciso)
    first = Client().get(feed_url(ciso))
    meeting_services.series_change(series, changes={"title": "Quarter review"})
    etag_poll = Client().get(feed_url(ciso), headers={"if-none-match": first["ETag"]})
    assert etag_poll.status_code == 200 and "Quarter review" in etag_poll.content.decode()
    # Within the same second too: Last-Modified moves on by at least a second.
    since = first["Last-Modified"]
    time_poll = Client().get(feed_url(ciso), headers={"if-modified-since": since})
    assert time_poll.status_code == 200 and time_poll["Last-Modified"] != since


def test_a_changed_title_or_time_shows_at_once(ciso: Any) -> None:
    series = one_on_one(ciso)
    assert "SUMMARY:One-on-one with" in body(ciso)
    meeting_services.series_change(series, changes={"title": "Budget and risks"})
    assert "SUMMARY:Budget and risks" in body(ciso)
    series.refresh_from_db()
    meeting_services.series_change(series, changes={"start_time": dt.time(15, 30)})
    assert "T153000" in body(ciso)


def test_a_moved_or_cancelled_meeting_shows_at_once(ciso: Any) -> None:
    series = one_on_one(ciso)
    before = body(ciso)
    meeting = second_meeting(series)
    start = meeting.start + dt.timedelta(days=1, hours=2)
    meeting_services.occurrence_move(meeting, start=start)
    moved = body(ciso)
    assert "RECURRENCE-ID" not in before and "RECURRENCE-ID" in moved
    local = timezone.localtime(start, series.zone)
    assert f"DTSTART;TZID={series.time_zone}:{local:%Y%m%dT%H%M%S}" in moved
    meeting_services.occurrence_cancel(series.occurrences.order_by("start")[2])
    assert "EXDATE" in body(ciso)


def test_an_attendee_added_or_removed_shows_at_once(ciso: Any) -> None:
    leader = factories.UserFactory(email="leader@example.com")
    series = one_on_one(ciso, leader)
    guest = factories.UserFactory(email="grace@example.com")
    assert "grace@example.com" not in body(ciso)
    assert series.uid not in body(guest)
    meeting_services.series_change(series, changes={}, users=[leader, guest])
    assert "grace@example.com" in body(ciso)
    assert series.uid in body(guest)  # in her own calendar too
    meeting_services.series_change(series, changes={}, users=[leader])
    assert "grace@example.com" not in body(ciso)
    assert series.uid not in body(guest)


def test_writes_that_leave_updated_at_alone_show_at_once(ciso: Any) -> None:
    """QuerySet.update() and bulk writes (the worker, the bench) bump no timestamp."""
    series = one_on_one(ciso)
    body(ciso)
    MeetingSeries.objects.filter(pk=series.pk).update(location="Room 4.12")
    assert "LOCATION:Room 4.12" in body(ciso)
    Occurrence.objects.filter(pk=second_meeting(series).pk).update(
        status="cancelled", overridden=True
    )
    assert "EXDATE" in body(ciso)
    ciso.last_name = "Renamed"
    ciso.save(update_fields=["last_name"])
    assert "Renamed" in body(ciso)


def feed_queries(user: Any) -> tuple[int, int, str]:
    """Queries of a first poll (nothing cached) and of the next one, and the SQL run."""
    cache.clear()
    url = feed_url(user)
    with CaptureQueriesContext(connection) as cold:
        assert Client().get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert Client().get(url).status_code == 200
    sql = " ".join(q["sql"] for q in [*cold.captured_queries, *warm.captured_queries])
    return len(cold.captured_queries), len(warm.captured_queries), sql


def busy_series(ciso: Any, count: int) -> None:
    for _ in range(count):
        series = one_on_one(ciso)
        meeting_services.occurrence_cancel(second_meeting(series))
        later = series.occurrences.order_by("start")[2]
        meeting_services.occurrence_move(later, start=later.start + dt.timedelta(hours=3))


def test_the_feed_runs_as_many_queries_for_ten_times_the_meetings(ciso: Any) -> None:
    busy_series(ciso, 1)
    small = feed_queries(ciso)
    meetings = Occurrence.objects.count()
    busy_series(ciso, 9)
    large = feed_queries(ciso)
    assert Occurrence.objects.count() == 10 * meetings
    assert small[:2] == large[:2]
    assert small[0] <= 10 and small[1] <= 6
    # The meetings' agendas and minutes are never read.
    assert '."agenda"' not in large[2] and '."minutes"' not in large[2]


def test_the_feed_holds_only_the_series_a_user_attends(ciso: Any, head_a: Any) -> None:
    theirs = one_on_one(ciso, head_a)
    other = one_on_one(ciso)
    security = factories.security_user("deputy")
    unrelated = factories.joint(organiser=security, heads=[factories.UserFactory()])
    feed = body(head_a)
    assert theirs.uid in feed
    assert other.uid not in feed and unrelated.uid not in feed
    assert other.title not in feed and unrelated.title not in feed
    everything = body(ciso)  # the organiser's feed was cached meanwhile: not head_a's
    assert theirs.uid in everything and other.uid in everything
    assert unrelated.uid not in everything
    assert other.uid not in body(head_a)


def test_it_refuses_post_and_an_unknown_address(ciso: Any) -> None:
    one_on_one(ciso)
    assert Client().post(feed_url(ciso)).status_code == 405
    missing = reverse("alignment:calendar-feed", args=["not-a-token"])
    assert Client().get(missing).status_code == 404


def test_a_poll_of_an_unchanged_programme_reads_only_its_version(ciso: Any) -> None:
    for _ in range(3):
        one_on_one(ciso)
    url = feed_url(ciso)
    with CaptureQueriesContext(connection) as built:
        first = Client().get(url)
    with CaptureQueriesContext(connection) as polled:
        again = Client().get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    # The token's profile and user, and the programme's version: no series, no digest.
    assert len(polled) <= 3 < len(built)
    assert not any("alignment_meetingseries" in q["sql"] for q in polled.captured_queries)
    # A change elsewhere (someone else's meeting) moves the version but not this calendar:
    # the fingerprint is taken again and the client's copy is still current.
    other = factories.UserFactory()
    one_on_one(other)
    unchanged = Client().get(url, headers={"if-none-match": first["ETag"]})
    assert unchanged.status_code == 304
    # A change to one of its meetings is in the next poll.
    series = MeetingSeries.objects.filter(organiser=ciso).earliest("pk")
    MeetingSeries.objects.filter(pk=series.pk).update(title="Quarterly alignment")
    changed = Client().get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200 and "Quarterly alignment" in changed.content.decode()
