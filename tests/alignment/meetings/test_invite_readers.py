"""Two independent readers expand every invite we send to exactly the app's meetings.

Mozilla's ical.js (Thunderbird's and Nextcloud's calendars; tests/js/expand.mjs, run with
node) and recurring-ical-events (Python) read what an attendee's client holds after our
messages — a new series, a moved or cancelled meeting, a changed series, the feed — and
must give the UTC starts of the meetings the app has (Occurrence.start, not cancelled).
ical.js reads times with the calendar's VTIMEZONEs; recurring-ical-events uses its own
copy of the IANA zones, so it checks the rule, overrides and EXDATEs, ical.js the zones.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import recurring_ical_events
from icalendar import Calendar, Component

from alignment.meetings import feed as calendar_feed
from alignment.meetings import invites
from alignment.meetings import services as meeting_services
from alignment.meetings.models import InviteMessage, MeetingSeries, OccurrenceStatus
from alignment.meetings.recurrence import Preset
from alignment.meetings.services import Guest
from tests import factories
from tests.alignment.meetings.helpers import NOW
from tests.conftest import require_services, skip_or_fail

JS = Path(__file__).resolve().parents[2] / "js"
GUEST = Guest("ada@example.org", "Ada Lovelace")
WINDOW = dt.timedelta(days=400)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"]
# Changes to a series are read in zones with daylight saving, north and south (the zones
# without it are read for new series and in the feed).
DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney"]
SOUTHERN = ["America/Santiago", "Pacific/Auckland"]

Starts = dict[str, list[dt.datetime]]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def long_horizon(settings: Any) -> None:
    # Meetings materialised over the whole window the readers expand.
    settings.MEETING_HORIZON_DAYS = WINDOW.days + 30


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        skip_or_fail("node is not installed", required=require_services())
    elif not (JS / "node_modules" / "ical.js").is_dir():
        skip_or_fail(
            "ical.js is not installed: npm install --prefix tests/js", required=require_services()
        )
    return str(path)


def icaljs(node: str, ics: str, after: dt.datetime, before: dt.datetime) -> Starts:
    payload = {"ics": ics, "after": after.isoformat(), "before": before.isoformat()}
    done = subprocess.run(
        [node, str(JS / "expand.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout)
    return {
        uid: [dt.datetime.fromisoformat(s.replace("Z", "+00:00")) for s in starts]
        for uid, starts in found.items()
        if starts
    }


def python_reader(ics: str, after: dt.datetime, before: dt.datetime) -> Starts:
    found: Starts = {}
    for event in recurring_ical_events.of(Calendar.from_ical(ics)).between(after, before):
        if event.get("STATUS") != "CANCELLED":
            start = event.decoded("DTSTART").astimezone(dt.UTC)
            found.setdefault(str(event["UID"]), []).append(start)
    return {uid: sorted(starts) for uid, starts in found.items()}


def app_starts(series_list: list[MeetingSeries], after: dt.datetime, before: dt.datetime) -> Starts:
    """The meetings of each series' current UID (from its `uid_since`) in the window."""
    found: Starts = {}
    for series in series_list:
        series.refresh_from_db()
        starts = (
            series.occurrences.exclude(status=OccurrenceStatus.CANCELLED)
            .filter(start__gte=max(after, series.uid_since), start__lt=before)
            .order_by("start")
            .values_list("start", flat=True)
        )
        if starts:
            found[series.uid] = list(starts)
    return found


def _recurrence_id(event: Component) -> dt.datetime | None:
    return event.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in event else None


def client_store(messages: list[str]) -> str:
    """The calendar a client holds after applying `messages` in order (RFC 5546): a
    REQUEST replaces its series, a CANCEL of one meeting adds it as a cancelled override,
    a CANCEL of the series removes it."""
    zones: dict[str, Component] = {}
    held: dict[str, list[Component]] = {}
    for ics in messages:
        calendar = Calendar.from_ical(ics)
        zones.update({str(z["TZID"]): z for z in calendar.walk("VTIMEZONE")})
        received: dict[str, list[Component]] = {}
        for event in calendar.walk("VEVENT"):
            received.setdefault(str(event["UID"]), []).append(event)
        for uid, events in received.items():
            if calendar.get("METHOD") != "CANCEL":
                held[uid] = events
            elif all(_recurrence_id(e) for e in events):
                ids = {_recurrence_id(e) for e in events}
                kept = [e for e in held.get(uid, []) if _recurrence_id(e) not in ids]
                held[uid] = kept + events
            else:
                held.pop(uid, None)
    store = Calendar()
    store.add("prodid", "-//Test client//EN")
    store.add("version", "2.0")
    for component in [*zones.values(), *(e for events in held.values() for e in events)]:
        store.add_component(component)
    return store.to_ical().decode()


def sent_to(address: str) -> list[str]:
    return list(
        InviteMessage.objects.filter(recipient=address).order_by("pk").values_list("ics", flat=True)
    )


def assert_readers_agree(
    node: str,
    ics: str,
    series_list: list[MeetingSeries],
    after: dt.datetime = NOW,
    before: dt.datetime = NOW + WINDOW,
) -> None:
    expected = app_starts(series_list, after, before)
    assert expected, "the window holds no meeting"
    assert python_reader(ics, after, before) == expected
    assert icaljs(node, ics, after, before) == expected


def one_on_one(ciso: Any, head_b: Any, dept_b: Any, **options: Any) -> MeetingSeries:
    options.setdefault("preset", Preset.WEEKLY)
    return factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, guests=(GUEST,), **options
    )


@pytest.mark.parametrize("tz", ZONES + SOUTHERN)
def test_a_new_series_reads_the_same_everywhere(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    series = one_on_one(ciso, head_b, dept_b, tz=tz, at=dt.time(14, 30))
    assert_readers_agree(node, client_store(sent_to(GUEST.email)), [series])


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_a_monthly_series_crossing_daylight_changes_keeps_its_local_time(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    # 10 March 2026 on: the US changes on 8 March, Europe on 29 March, Sydney on 5 April.
    series = one_on_one(ciso, head_b, dept_b, tz=tz, preset=Preset.MONTHLY)
    assert_readers_agree(node, client_store(sent_to(GUEST.email)), [series])


@pytest.mark.parametrize("tz", DST_ZONES)
def test_a_moved_meeting_reads_the_same_everywhere(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    series = one_on_one(ciso, head_b, dept_b, tz=tz)
    # Across the change of time: from before Europe's to after it, at another hour.
    occurrence = series.occurrences.order_by("start")[2]
    meeting_services.occurrence_move(
        occurrence, start=occurrence.start + dt.timedelta(days=8, hours=3), now=NOW
    )
    assert_readers_agree(node, client_store(sent_to(GUEST.email)), [series])


@pytest.mark.parametrize("tz", DST_ZONES)
def test_a_cancelled_meeting_reads_the_same_everywhere(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    series = one_on_one(ciso, head_b, dept_b, tz=tz)
    occurrence = series.occurrences.order_by("start")[5]
    meeting_services.occurrence_cancel(occurrence, now=NOW)
    messages = sent_to(GUEST.email)
    # The client that got the CANCEL of the one meeting, and one that later got the series
    # again (with the meeting as an EXDATE).
    assert_readers_agree(node, client_store(messages), [series])
    request = invites.request_calendar(series, now=NOW).to_ical().decode()
    assert_readers_agree(node, client_store([*messages, request]), [series])


@pytest.mark.parametrize("tz", DST_ZONES)
def test_a_changed_series_reads_the_same_everywhere(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    series = one_on_one(ciso, head_b, dept_b, tz="Europe/London")
    later = NOW + dt.timedelta(days=20)
    meeting_services.series_change(
        series, changes={"time_zone": tz, "start_time": dt.time(16, 15)}, now=later
    )
    meeting_services.series_change(series, changes={"title": "Risk review"}, now=later)
    assert_readers_agree(node, client_store(sent_to(GUEST.email)), [series], after=later)


def test_the_feed_reads_the_same_everywhere(
    node: str, ciso: Any, head_b: Any, dept_b: Any, head_a: Any, dept_a: Any
) -> None:
    # One active one-on-one per leader: head_b attends the others as a guest would.
    series_list = [
        factories.one_on_one(
            organiser=ciso,
            leader=factories.UserFactory(username=f"lead-{i}"),
            department=dept_b,
            users=(head_b,),
            preset=Preset.WEEKLY,
            tz=tz,
            at=dt.time(8 + i, 0),
        )
        for i, tz in enumerate(ZONES)
    ]
    series_list.append(factories.joint(organiser=ciso, heads=[head_a, head_b]))
    feed = calendar_feed.feed_calendar(head_b, now=NOW).to_ical().decode()
    assert_readers_agree(node, feed, series_list)


@pytest.mark.parametrize("tz", ["Europe/Berlin", "Australia/Sydney", "America/Santiago"])
def test_an_open_ended_series_keeps_its_zone_in_later_years(
    node: str, ciso: Any, head_b: Any, dept_b: Any, tz: str
) -> None:
    series = one_on_one(ciso, head_b, dept_b, tz=tz)
    # Nine years on: far past the two years the old RDATE lists covered, and still inside
    # the series' ten-year horizon (MEETING_SERIES_HORIZON_YEARS), where invites end it.
    after = dt.datetime(2035, 1, 1, tzinfo=dt.UTC)
    before = after + WINDOW
    expected = {series.uid: series.schedule.between(after, before)}
    ics = client_store(sent_to(GUEST.email))
    assert icaljs(node, ics, after, before) == expected
    assert python_reader(ics, after, before) == expected
