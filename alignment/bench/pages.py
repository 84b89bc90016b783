"""The pages `make bench` requests, and how one is measured against a static page.

Every main page and HTMX endpoint is requested as the CISO, and those a department head
may open as the head. Each request of a page is followed by one of a static page of the
same byte size through the same middleware (alignment/bench/urls.py), so the ratio of
their medians says how much work the page itself does, whatever the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from alignment.meetings.models import profile_for

if TYPE_CHECKING:
    from alignment.bench.organisation import Organisation

CISO = "ciso"
HEAD = "head"
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class Page:
    label: str
    url: Callable[[Organisation], str]
    roles: tuple[str, ...] = (CISO, HEAD)
    htmx: bool = False


@dataclass
class Reading:
    """One page as one role at one scale."""

    status: int
    queries: int  # the page made (the page cache off; figures it caches itself are warm)
    size: int
    median_ms: float
    static_ms: float
    # The first request, with the cache cold: what a page costs once per change of the
    # programme (and minute) where it caches its figures (alignment/changes.py).
    first_ms: float = 0.0
    # The same request again, the programme unchanged: answered from the page cache
    # where the page is kept (alignment/conf/page_cache.py).
    cached_queries: int = 0

    @property
    def ratio(self) -> float:
        return self.median_ms / self.static_ms if self.static_ms else float("inf")


@dataclass
class Row:
    page: Page
    role: str
    readings: dict[int, Reading] = field(default_factory=dict)


def _url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def _feed(org: Organisation) -> str:
    return _url("alignment:calendar-feed", profile_for(org.ciso).feed_token)


PAGES: list[Page] = [
    Page("dashboard", lambda o: _url("home")),
    Page("department list", lambda o: _url("departments:department-list")),
    Page("department page", lambda o: o.department.get_absolute_url()),
    Page("goal list", lambda o: _url("departments:goal-list")),
    Page("goal detail", lambda o: o.goal.get_absolute_url()),
    Page("objective list", lambda o: _url("objectives:objective-list")),
    Page("objective detail", lambda o: o.objective.get_absolute_url()),
    Page("initiative list", lambda o: _url("objectives:initiative-list")),
    Page("initiative detail", lambda o: o.initiative.get_absolute_url()),
    Page("matrix index", lambda o: _url("alignment:matrix-index"), (CISO,)),
    Page("matrix", lambda o: _url("alignment:matrix", o.department.slug)),
    Page("matrix (htmx)", lambda o: _url("alignment:matrix", o.department.slug), (CISO,), True),
    Page("heatmap", lambda o: _url("alignment:heatmap"), (CISO,)),
    Page("assessments", lambda o: _url("alignment:assessment-list")),
    Page("conflicts", lambda o: _url("alignment:conflict-list"), (CISO,)),
    Page("coverage", lambda o: _url("alignment:coverage"), (CISO,)),
    Page("commitments", lambda o: _url("alignment:commitment-list")),
    Page("requests", lambda o: _url("alignment:request-list")),
    Page("activity", lambda o: _url("alignment:activity"), (CISO,)),
    Page("reviews", lambda o: _url("alignment:review-list"), (CISO,)),
    Page("report", lambda o: _url("alignment:report"), (CISO,)),
    Page("engagement", lambda o: _url("alignment:engagement-matrix"), (CISO,)),
    Page("meetings", lambda o: _url("alignment:meeting-list")),
    Page("series detail", lambda o: _url("alignment:series-detail", o.series.pk)),
    Page("meeting detail", lambda o: _url("alignment:meeting-detail", o.occurrence.pk)),
    Page("calendar feed", _feed, (CISO,)),
    Page("case portfolio", lambda o: _url("business_cases:case-list"), (CISO,)),
    Page("portfolio CSV", lambda o: _url("business_cases:portfolio-csv"), (CISO,)),
    Page("case detail", lambda o: _url("business_cases:case-detail", o.case.pk), (CISO,)),
    Page(
        "case figures (htmx)",
        lambda o: _url("business_cases:case-figures", o.case.pk),
        (CISO,),
        True,
    ),
]


def body_of(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def timed_get(client: Client, url: str, extra: dict[str, str]) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(url, **extra)  # type: ignore[arg-type]
    body = body_of(response)
    return (time.perf_counter() - started) * 1000, response.status_code, body


def measure(client: Client, page: Page, org: Organisation, repeat: int) -> Reading | None:
    """Median time of `repeat` requests of the page, each followed by one of a static page
    of the same size; None when the page does not exist for this role."""
    try:
        url = page.url(org)
    except NoReverseMatch:
        return None
    extra = HTMX if page.htmx else {}
    first_ms, status, body = timed_get(client, url, extra)  # cache cold; and its size
    if status != 200:
        return None
    connection.queries_log.clear()  # a full log would hide the count
    with override_settings(PAGE_CACHE=False), CaptureQueriesContext(connection) as made:
        timed_get(client, url, extra)  # the page's own work, its figures' caches warm
    query_count = len(made)  # now: later requests empty the log it reads
    timed_get(client, url, extra)  # kept by the page cache, if it was not yet
    with CaptureQueriesContext(connection) as again:
        timed_get(client, url, extra)
    cached_queries = len(again)
    static_url = reverse("bench-static", args=[len(body)])
    page_times, static_times = [], []
    for _ in range(repeat):
        page_times.append(timed_get(client, url, extra)[0])
        static_times.append(timed_get(client, static_url, {})[0])
    return Reading(
        status=status,
        queries=query_count,
        size=len(body),
        median_ms=statistics.median(page_times),
        static_ms=statistics.median(static_times),
        first_ms=first_ms,
        cached_queries=cached_queries,
    )
