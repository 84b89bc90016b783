"""Published calendars count as busy (issue 11): fetched only from allowed hosts, within a
timeout and a size limit, never following a redirect; the scheduler keeps clear of them.

Every fetch here is a real HTTP request to a server on loopback (http.server in a thread).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from alignment.meetings import busy, slots, tasks
from alignment.meetings import scheduling as meeting_setup
from alignment.meetings.models import BusyCalendar, UserProfile
from alignment.meetings.recurrence import Preset, Schedule
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
HORIZON = dt.timedelta(days=120)
UTC = dt.UTC


# --- A calendar server on loopback ---------------------------------------------------------


@dataclass
class Answer:
    """What the server answers to every request."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/calendar"})
    length: bool = True  # send Content-Length; without it the body ends with the connection
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between 100-byte pieces of the body


class CalendarServer:
    """http.server on 127.0.0.1 and a free port, recording every request's path."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests: list[str] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, host: str = "127.0.0.1", path: str = "/calendar.ics") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        self.requests.append(request.path)
        answer = self.answer
        # Waiting on the event, not sleeping: the fixture's teardown ends every wait at once.
        if answer.delay and self.stopping.wait(answer.delay):
            return
        try:
            request.send_response(answer.status)
            for name, value in answer.headers.items():
                request.send_header(name, value)
            if answer.length:
                request.send_header("Content-Length", str(len(answer.body)))
            request.end_headers()
            for i in range(0, len(answer.body), 100 if answer.drip else len(answer.body) or 1):
                request.wfile.write(answer.body[i : i + (100 if answer.drip else len(answer.body))])
                request.wfile.flush()
                if answer.drip and self.stopping.wait(answer.drip):
                    return
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    running = CalendarServer()
    running.thread.start()
    yield running
    running.stopping.set()
    running.httpd.shutdown()
    running.httpd.server_close()
    running.thread.join(timeout=5)


other_server = server  # a second one, to be reached (or not) under another host name


@pytest.fixture(autouse=True)
def allow_loopback(settings: Any) -> Any:
    """Only 127.0.0.1 is allowed; "localhost", the same machine, is not."""
    settings.BUSY_CALENDAR_HOSTS = ["127.0.0.1"]
    settings.BUSY_CALENDAR_TIMEOUT = 0.5
    settings.BUSY_CALENDAR_MAX_BYTES = 20_000
    return settings


# --- Calendars ----------------------------------------------------------------------------


def ics(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//busy//EN\r\n"
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def event(uid: str, *lines: str) -> str:
    body = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines]
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in body) + "END:VEVENT\r\n"


def weekdays(uid: str, start: str, end: str) -> bytes:
    """Busy every weekday from `start` to `end`, Berlin time, from 2 March 2026 on."""
    return ics(
        event(
            uid,
            f"DTSTART;TZID=Europe/Berlin:20260302T{start}00",
            f"DTEND;TZID=Europe/Berlin:20260302T{end}00",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        )
    )


CALENDAR = ics(
    # Once, in UTC.
    event("once", "DTSTART:20260304T130000Z", "DTEND:20260304T143000Z"),
    # Tuesdays 10:00–11:00 in Berlin, six times, but not on 17 March; Berlin moves to
    # summer time on 29 March, so 09:00 UTC becomes 08:00 UTC.
    event(
        "weekly",
        "DTSTART;TZID=Europe/Berlin:20260303T100000",
        "DTEND;TZID=Europe/Berlin:20260303T110000",
        "RRULE:FREQ=WEEKLY;COUNT=6",
        "EXDATE;TZID=Europe/Berlin:20260317T100000",
    ),
    # A whole day, read in the owner's zone (Berlin).
    event("holiday", "DTSTART;VALUE=DATE:20260309", "DTEND;VALUE=DATE:20260310"),
    # Free time and a cancelled event do not count; nor does the past.
    event("free", "DTSTART:20260305T090000Z", "DTEND:20260305T100000Z", "TRANSP:TRANSPARENT"),
    event("off", "DTSTART:20260306T090000Z", "DTEND:20260306T100000Z", "STATUS:CANCELLED"),
    event("past", "DTSTART:20260202T090000Z", "DTEND:20260202T100000Z"),
)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


EXPECTED = [
    (utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)),
    (utc(2026, 3, 4, 13), utc(2026, 3, 4, 14, 30)),
    (utc(2026, 3, 8, 23), utc(2026, 3, 9, 23)),
    (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),
    (utc(2026, 3, 24, 9), utc(2026, 3, 24, 10)),
    (utc(2026, 3, 31, 8), utc(2026, 3, 31, 9)),
    (utc(2026, 4, 7, 8), utc(2026, 4, 7, 9)),
]


def publisher(username: str, url: str, zone: str = "Europe/Berlin") -> Any:
    user = factories.UserFactory(username=username)
    UserProfile.objects.create(user=user, time_zone=zone, busy_calendar_url=url)
    return user


def stored(user: Any) -> list[tuple[dt.datetime, dt.datetime]]:
    row = BusyCalendar.objects.get(user=user)
    return [(dt.datetime.fromisoformat(s), dt.datetime.fromisoformat(e)) for s, e in row.busy]


# --- Fetching -----------------------------------------------------------------------------


def test_an_allowed_calendars_events_become_busy_intervals_in_utc(server: CalendarServer) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())

    row = busy.fetch_for(user, now=NOW)

    assert row is not None and row.error == "" and row.fetched_at == NOW
    assert row.url == server.url()
    assert stored(user) == EXPECTED
    assert server.requests == ["/calendar.ics"]
    assert busy.busy_intervals([user.pk], utc(2026, 3, 4), utc(2026, 3, 9))[user.pk] == [
        EXPECTED[1],
        EXPECTED[2],
    ]


def test_a_second_fetch_replaces_what_the_first_read(server: CalendarServer) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)

    server.answer = Answer(ics(event("x", "DTSTART:20260305T150000Z", "DTEND:20260305T160000Z")))
    busy.fetch_for(user, now=NOW)

    assert stored(user) == [(utc(2026, 3, 5, 15), utc(2026, 3, 5, 16))]
    assert BusyCalendar.objects.count() == 1


@pytest.mark.parametrize("allowed", [["127.0.0.1"], []])
def test_a_host_not_allowed_is_never_contacted(
    server: CalendarServer, other_server: CalendarServer, settings: Any, allowed: list[str]
) -> None:
    settings.BUSY_CALENDAR_HOSTS = allowed
    server.answer = other_server.answer = Answer(CALENDAR)
    # The same machine under a name the setting does not give.
    user = publisher("pub", other_server.url(host="localhost"))

    row = busy.fetch_for(user, now=NOW)

    assert other_server.requests == [] and server.requests == []
    assert row is not None and row.busy == [] and row.fetched_at is None
    if allowed:
        assert row.error == "Only addresses on these hosts can be fetched: 127.0.0.1."
    else:
        assert "allows no calendar hosts" in row.error


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/c.ics", "file:///etc/passwd"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    user = publisher("pub", url)
    row = busy.fetch_for(user, now=NOW)
    assert row is not None and row.error == "Only http:// and https:// addresses can be fetched."


@pytest.mark.parametrize("length", [True, False])
def test_an_oversize_calendar_is_refused_and_the_previous_intervals_kept(
    server: CalendarServer, settings: Any, length: bool
) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)

    padding = "X-PADDING:" + "x" * 60
    big = ics(event("big", "DTSTART:20260305T150000Z", "DTEND:20260305T160000Z", *[padding] * 400))
    assert len(big) > settings.BUSY_CALENDAR_MAX_BYTES
    server.answer = Answer(big, length=length)
    row = busy.fetch_for(user, now=NOW + dt.timedelta(hours=1))

    assert row is not None
    assert row.error == "The calendar is larger than 20,000 bytes."
    assert stored(user) == EXPECTED and row.fetched_at == NOW
    assert len(server.requests) == 2


def test_a_slow_server_times_out(server: CalendarServer) -> None:
    server.answer = Answer(CALENDAR, delay=5)
    user = publisher("pub", server.url())

    began = time.monotonic()
    row = busy.fetch_for(user, now=NOW)

    assert time.monotonic() - began < 3
    assert row is not None and row.error == (
        "The calendar's server did not answer within 0.5 seconds."
    )
    assert row.busy == [] and server.requests == ["/calendar.ics"]


def test_a_server_that_drips_is_cut_off_at_twice_the_timeout(server: CalendarServer) -> None:
    # Each piece comes well within the timeout; the whole would take ten seconds.
    server.answer = Answer(CALENDAR, drip=0.2)
    user = publisher("pub", server.url())

    began = time.monotonic()
    row = busy.fetch_for(user, now=NOW)

    assert time.monotonic() - began < 3
    assert row is not None and "did not answer within 0.5 seconds" in row.error


def test_a_redirect_is_not_followed(server: CalendarServer, other_server: CalendarServer) -> None:
    other_server.answer = Answer(CALENDAR)
    for location in (other_server.url(host="localhost"), server.url(path="/elsewhere.ics")):
        server.answer = Answer(status=302, headers={"Location": location})
        user = publisher(f"pub-{len(server.requests)}", server.url())

        row = busy.fetch_for(user, now=NOW)

        assert row is not None and row.busy == []
        assert row.error.startswith("The address redirects elsewhere (HTTP 302)")
    assert server.requests == ["/calendar.ics", "/calendar.ics"]
    assert other_server.requests == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(b"<html>Not a calendar</html>"), "This is not an iCalendar (ICS) file."),
        (Answer(status=500), "The calendar's server answered HTTP 500."),
        (
            Answer(ics(event("x", "DTSTART:20260305T150000Z", "RRULE:FREQ=MINUTELY"))),
            "An event repeats more often than every hour; the calendar is not read.",
        ),
    ],
)
def test_a_calendar_that_cannot_be_read_says_why(
    server: CalendarServer, answer: Answer, error: str
) -> None:
    server.answer = answer
    user = publisher("pub", server.url())
    row = busy.fetch_for(user, now=NOW)
    assert row is not None and row.error == error and row.busy == []


def test_a_failed_fetch_of_a_new_address_drops_what_the_old_one_said(
    server: CalendarServer,
) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)
    UserProfile.objects.filter(user=user).update(busy_calendar_url=server.url(path="/new.ics"))

    server.answer = Answer(status=404)
    row = busy.fetch_for(user, now=NOW)

    assert row is not None and row.url.endswith("/new.ics")
    assert row.busy == [] and row.fetched_at is None and "HTTP 404" in row.error


def test_only_so_many_busy_periods_are_kept(
    server: CalendarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(busy, "MAX_INTERVALS", 3)
    server.answer = Answer(
        ics(event("d", "DTSTART:20260303T090000Z", "DTEND:20260303T100000Z", "RRULE:FREQ=DAILY"))
    )
    user = publisher("pub", server.url())

    row = busy.fetch_for(user, now=NOW)

    assert row is not None and len(row.busy) == 3
    assert stored(user)[-1] == (utc(2026, 3, 5, 9), utc(2026, 3, 5, 10))
    assert "more than 3 busy periods" in row.error and "until 05 Mar 2026" in row.error


def test_the_calendar_is_read_as_far_ahead_as_the_scheduler_looks() -> None:
    assert busy.read_ahead() > slots.clash_horizon()


def test_fetch_all_reads_every_calendar_and_one_failure_stops_none(
    server: CalendarServer, other_server: CalendarServer
) -> None:
    server.answer = Answer(CALENDAR)
    other_server.answer = Answer(status=500)
    good = publisher("good", server.url())
    refused = publisher("refused", server.url(host="localhost"))
    broken = publisher("broken", other_server.url())
    gone = factories.UserFactory(username="gone")
    UserProfile.objects.create(user=gone)
    BusyCalendar.objects.create(user=gone, url=server.url())  # its address was cleared

    assert busy.fetch_all(now=NOW) == 1

    assert stored(good) == EXPECTED
    assert BusyCalendar.objects.get(user=good).error == ""
    assert "Only addresses on these hosts" in BusyCalendar.objects.get(user=refused).error
    assert "HTTP 500" in BusyCalendar.objects.get(user=broken).error
    assert not BusyCalendar.objects.filter(user=gone).exists()
    assert server.requests == ["/calendar.ics"] and other_server.requests == ["/calendar.ics"]


def test_the_tasks_fetch_one_calendar_and_all(server: CalendarServer) -> None:
    server.answer = Answer(weekdays("mornings", "0900", "1000"))
    user = publisher("pub", server.url())

    assert tasks.fetch_busy_calendar(user.pk) is True
    assert len(stored(user)) > 250  # every weekday of the coming year
    assert tasks.fetch_busy_calendar(0) is False
    assert tasks.fetch_busy_calendars() == 1
    assert len(server.requests) == 2


# --- The scheduler ------------------------------------------------------------------------


def overlaps(
    starts: list[dt.datetime], length: dt.timedelta, intervals: list[tuple[dt.datetime, ...]]
) -> list[dt.datetime]:
    return [s for s in starts for b, e in intervals if b < s + length and e > s]


def test_a_free_slot_keeps_clear_of_a_published_calendar(server: CalendarServer) -> None:
    server.answer = Answer(weekdays("mornings", "0900", "1500"))
    organiser = publisher("organiser", server.url())
    attendee = factories.UserFactory(username="attendee")
    UserProfile.objects.create(user=attendee, time_zone="Europe/Berlin")
    length = dt.timedelta(minutes=45)

    def slot() -> slots.Slot:
        found = slots.first_free_slot(
            organiser=organiser,
            attendees=[attendee],
            duration=length,
            preset=Preset.WEEKLY,
            now=NOW,
            horizon=HORIZON,
        )
        assert found is not None
        return found

    assert slot().time == dt.time(9, 0)  # nothing read yet: the first working hour

    busy.fetch_for(organiser, now=NOW)
    found = slot()

    assert found.time >= dt.time(15, 0)
    assert len(found.starts) >= 17
    assert overlaps(list(found.starts), length, stored(organiser)) == []


def test_one_click_one_on_ones_keep_clear_of_a_published_calendar(
    server: CalendarServer, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    # 10:00 and 11:30 are the first times tried; both fall in the published mornings.
    server.answer = Answer(weekdays("mornings", "0900", "1300"))
    UserProfile.objects.create(user=ciso, time_zone="Europe/Berlin", busy_calendar_url=server.url())
    busy.fetch_for(ciso, now=NOW)

    (series,) = meeting_setup.schedule_one_on_ones(organiser=ciso, now=NOW)

    starts = Schedule(
        series.rule, dt.datetime.combine(series.start_date, series.start_time), series.time_zone
    ).between(NOW, NOW + slots.clash_horizon())
    assert len(starts) >= 12
    assert overlaps(starts, series.duration, stored(ciso)) == []
    assert series.start_time >= dt.time(13, 0)


def test_the_clash_check_names_a_published_busy_period(server: CalendarServer) -> None:
    server.answer = Answer(weekdays("mornings", "0900", "1000"))
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)
    schedule = Schedule("FREQ=WEEKLY;COUNT=2", dt.datetime(2026, 3, 4, 9, 30), "Europe/Berlin")

    clashes = slots.schedule_clashes(
        schedule=schedule, duration=dt.timedelta(minutes=30), people=[user], now=NOW
    )

    assert [c.busy.title for c in clashes] == [slots.PUBLISHED_TITLE] * 2
    assert clashes[0].busy.start == utc(2026, 3, 4, 8)


# --- The profile --------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


PROFILE = reverse("alignment:meeting-profile")


def profile_data(**change: Any) -> dict[str, Any]:
    return {
        "time_zone": "Europe/Berlin",
        "work_start_hour": "9",
        "work_end_hour": "17",
        "work_days": ["0", "1", "2", "3", "4"],
        "use_series_leads": "on",
        "action_reminder_days": "2",
        "overdue_reminders": "on",
        "busy_calendar_url": "",
    } | change


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[int]]]:
    """The tasks the profile asks a worker for."""
    requested: list[tuple[str, list[int]]] = []

    class Broker:
        def send_task(self, name: str, args: list[int]) -> None:
            requested.append((name, args))

    monkeypatch.setattr(busy, "current_app", Broker())
    return requested


@pytest.mark.parametrize(
    ("allowed", "url", "message"),
    [
        (
            ["127.0.0.1", "cal.example.com"],
            "https://evil.example.net/c.ics",
            "Only addresses on these hosts can be fetched: 127.0.0.1, cal.example.com.",
        ),
        ([], "https://cal.example.com/c.ics", "Your administrator allows no calendar hosts"),
        (
            ["cal.example.com"],
            "ftp://cal.example.com/c.ics",
            "Only http:// and https:// addresses can be fetched.",
        ),
    ],
)
def test_the_profile_refuses_an_address_on_a_host_not_allowed(
    head_b: Any,
    settings: Any,
    sent: list[Any],
    django_capture_on_commit_callbacks: Any,
    allowed: list[str],
    url: str,
    message: str,
) -> None:
    settings.BUSY_CALENDAR_HOSTS = allowed
    UserProfile.objects.create(user=head_b, time_zone="Asia/Tokyo")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(head_b).post(PROFILE, profile_data(busy_calendar_url=url))

    assert response.status_code == 422
    assert message in response.content.decode()
    profile = UserProfile.objects.get(user=head_b)
    assert (profile.busy_calendar_url, profile.time_zone) == ("", "Asia/Tokyo")
    assert sent == [] and not BusyCalendar.objects.exists()


def test_the_profile_saves_an_allowed_address_and_asks_for_a_fetch(
    head_b: Any, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    url = "http://127.0.0.1:8765/me.ics"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(head_b).post(
            PROFILE, profile_data(busy_calendar_url=url, action_reminder_days="7")
        )

    assert response.status_code == 302
    profile = UserProfile.objects.get(user=head_b)
    assert (profile.busy_calendar_url, profile.action_reminder_days) == (url, 7)
    assert profile.overdue_reminders is True
    assert sent == [(busy.FETCH_TASK, [head_b.pk])]

    # Saved again unchanged: no second fetch.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(head_b).post(PROFILE, profile_data(busy_calendar_url=url))
    assert len(sent) == 1


def test_the_profile_keeps_reminder_settings_a_form_does_not_send(head_b: Any) -> None:
    UserProfile.objects.create(user=head_b, action_reminder_days=7)
    data = profile_data()
    del data["action_reminder_days"], data["overdue_reminders"]
    assert client_for(head_b).post(PROFILE, data).status_code == 302
    profile = UserProfile.objects.get(user=head_b)
    assert (profile.action_reminder_days, profile.overdue_reminders) == (7, False)


def test_clearing_the_address_removes_the_cached_calendar(
    server: CalendarServer, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)
    assert BusyCalendar.objects.filter(user=user).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(PROFILE, profile_data(busy_calendar_url=""))

    assert response.status_code == 302
    assert UserProfile.objects.get(user=user).busy_calendar_url == ""
    assert not BusyCalendar.objects.filter(user=user).exists()
    assert sent == []
    assert busy.busy_intervals([user.pk], NOW, NOW + HORIZON) == {}


def test_the_profile_page_shows_what_was_last_read(server: CalendarServer) -> None:
    server.answer = Answer(CALENDAR)
    user = publisher("pub", server.url())
    busy.fetch_for(user, now=NOW)
    server.answer = Answer(status=503)
    busy.fetch_for(user, now=NOW)

    page = client_for(user).get(PROFILE).content.decode()

    assert "My published calendar (ICS address)" in page
    assert "Remind me of my action items" in page
    assert "Email me when one of my action items becomes overdue" in page
    assert "7 busy periods" in page
    assert "The calendar&#x27;s server answered HTTP 503." in page
