"""The meeting list at scale: the series a page (PAGE_SIZE) at a time, filtered and sorted,
the filters kept in the page links, bounded HTML and queries from 1× to 10×."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.meetings.models import MeetingKind, MeetingSeries, Occurrence, SeriesAttendee
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = 10


@pytest.fixture(autouse=True)
def small_pages(settings: Any) -> None:
    settings.PAGE_SIZE = PAGE


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_series(organiser: Any, count: int, *, kind: str = MeetingKind.JOINT, **extra: Any) -> None:
    """`count` weekly series with two attendees and a meeting tomorrow each, written in
    bulk (the list reads rows; how they were scheduled does not matter here)."""
    first = timezone.localdate()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    made = MeetingSeries.objects.bulk_create(
        MeetingSeries(
            kind=kind,
            title=f"{kind} series {n:04d} {MeetingSeries.objects.count()}",
            organiser=organiser,
            rule="FREQ=WEEKLY;BYDAY=MO",
            start_date=first,
            start_time=dt.time(9, 0),
            time_zone="Europe/Berlin",
            **extra,
        )
        for n in range(count)
    )
    guest = factories.UserFactory()
    SeriesAttendee.objects.bulk_create(
        [SeriesAttendee(series=s, user=u) for s in made for u in (organiser, guest)]
    )
    Occurrence.objects.bulk_create(
        Occurrence(series=s, original_start=start, start=start, end=start + dt.timedelta(hours=1))
        for s in made
    )


def titles(html: str) -> list[str]:
    table = html.split('id="series-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/meetings/series/\d+/">([^<]+)</a>', table)


def load(client: Client, query: str = "") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alignment:meeting-list") + query)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_list_shows_a_page_of_series_and_links_the_next(ciso: Any) -> None:
    add_series(ciso, PAGE + 3)
    html, _ = load(client_for(ciso))
    assert len(titles(html)) == PAGE
    assert "Page 1 of 2" in html
    second, _ = load(client_for(ciso), "?page=2")
    assert len(titles(second)) == 3
    assert not set(titles(html)) & set(titles(second))


def test_filters_and_sort_are_kept_in_the_page_links(ciso: Any) -> None:
    add_series(ciso, PAGE + 2, kind=MeetingKind.JOINT)
    add_series(ciso, 4, kind=MeetingKind.SENIOR)
    html, _ = load(client_for(ciso), "?kind=joint&state=active&sort=title&q=series")
    assert len(titles(html)) == PAGE and all(t.startswith("joint") for t in titles(html))
    assert titles(html) == sorted(titles(html))
    link = re.search(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    for kept in ("kind=joint", "state=active", "sort=title", "q=series"):
        assert kept in query
    second, _ = load(client_for(ciso), query)
    assert len(titles(second)) == 2 and all(t.startswith("joint") for t in titles(second))


def test_the_state_filter_and_an_unknown_value(ciso: Any) -> None:
    add_series(ciso, 2)
    add_series(ciso, 3, active=False)
    assert len(titles(load(client_for(ciso), "?state=cancelled")[0])) == 3
    assert len(titles(load(client_for(ciso), "?state=active")[0])) == 2
    # Unknown values filter nothing and do not fail; a bad page number gives a page.
    assert len(titles(load(client_for(ciso), "?state=x&kind=y&sort=z&page=abc")[0])) == 5


def test_a_head_sees_only_the_series_they_attend(ciso: Any, head_a: Any, head_b: Any) -> None:
    add_series(ciso, 3)
    mine = MeetingSeries.objects.order_by("pk").first()
    assert mine is not None
    SeriesAttendee.objects.create(series=mine, user=head_a)
    assert titles(load(client_for(head_a))[0]) == [mine.title]
    assert titles(load(client_for(head_b))[0]) == []


def test_html_and_queries_stay_bounded_from_one_to_ten_times_the_series(ciso: Any) -> None:
    client = client_for(ciso)
    add_series(ciso, PAGE)
    load(client)  # the session and the caches warm
    small_html, small_queries = load(client)
    add_series(ciso, 9 * PAGE)
    large_html, large_queries = load(client)
    assert MeetingSeries.objects.count() == 10 * PAGE
    assert large_queries == small_queries
    assert len(titles(large_html)) == PAGE
    # The same rows, at most UPCOMING_ROWS (30) meetings ahead: the page does not grow
    # with the data.
    assert len(large_html.encode()) < len(small_html.encode()) + 30 * 400
    assert len(large_html.encode()) < 60_000


def test_the_list_refuses_post(ciso: Any) -> None:
    assert client_for(ciso).post(reverse("alignment:meeting-list")).status_code == 405
