"""Published calendars: the events of a calendar a person publishes count as busy.

A person may give the address of a calendar they publish as ICS
(UserProfile.busy_calendar_url). Beat fetches every such calendar each half hour
(tasks.fetch_busy_calendars) and a new address is fetched once the profile is saved
(tasks.fetch_busy_calendar); what was read is cached as busy intervals in UTC
(BusyCalendar), which the scheduler (alignment/meetings/slots.py) reads with its other
busy time — it never waits on the network.

Fetching someone else's server on a user's say-so is the dangerous part, so it is narrow:

- http and https only, and only hosts named exactly in settings.BUSY_CALENDAR_HOSTS,
  checked before any connection (with none named, nothing is fetched); proxies from the
  environment are not used, so the only connection is to the host named;
- no redirects (one could lead anywhere): a redirect is recorded as an error;
- settings.BUSY_CALENDAR_TIMEOUT for the connection and each read, twice it in all;
- at most settings.BUSY_CALENDAR_MAX_BYTES, without compression (no decompression bomb);
- a bounded expansion: no rule that repeats more often than hourly (dateutil would list
  a minutely rule's half a million meetings a year), at most MAX_EVENTS events, a time
  budget, and at most MAX_INTERVALS busy periods kept (the earliest).

Transparent ("free") and cancelled events are not busy. Times without a zone and all-day
events are read in the person's own zone. A failure records a short reason for the
profile page and keeps the intervals last read from the same address.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from icalendar import Calendar, Component

from alignment.meetings.models import BusyCalendar, UserProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

Interval = tuple[dt.datetime, dt.datetime]

FETCH_TASK = "alignment.tasks.fetch_busy_calendar"
MAX_INTERVALS = 5_000  # kept per person, after merging overlaps: the earliest
MAX_OCCURRENCES = 50_000  # read before merging; a calendar with more is refused
MAX_EVENTS = 20_000  # VEVENTs in one calendar
EXPAND_SECONDS = 20.0  # to expand one calendar's rules
FETCH_PER_RUN = 1_000  # calendars per run of fetch_all …
RUN_SECONDS = 20 * 60  # … and its time: beat starts the next run half an hour later
CHUNK = 64 * 1024
TOO_OFTEN = {"SECONDLY", "MINUTELY"}
ERROR_LENGTH = 300  # BusyCalendar.error


class Refused(Exception):
    """A calendar not fetched or not read; the message is for its owner to read."""


def read_ahead() -> dt.timedelta:
    """How far ahead a calendar is read: the scheduler's horizon (slots.clash_horizon, a
    year or the materialisation horizon if longer) and a month, so that a cache whose
    refresh keeps failing still covers it. slots.py imports this module, so the horizon
    is restated here; tests/alignment/meetings/test_busy_calendars.py keeps them in step."""
    return dt.timedelta(days=max(366, settings.MEETING_HORIZON_DAYS) + 31)


# --- The address ------------------------------------------------------------------------


def allowed_hosts() -> list[str]:
    return [host.strip().strip("[]").lower() for host in settings.BUSY_CALENDAR_HOSTS]


def url_refusal(url: str) -> str | None:
    """Why this address may not be fetched, in a sentence; None when it may.

    The one check, asked by the profile form and again before every fetch."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return "This is not a valid web address."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only http:// and https:// addresses can be fetched."
    if parts.username is not None or parts.password is not None:
        return "Give the address without a user name or password."
    hosts = allowed_hosts()
    if not hosts:
        return (
            "Your administrator allows no calendar hosts, so a published calendar cannot "
            "be fetched."
        )
    if host not in hosts:
        return "Only addresses on these hosts can be fetched: " + ", ".join(hosts) + "."
    return None


# --- Fetching ---------------------------------------------------------------------------


def _opener() -> urllib.request.OpenerDirector:
    """http and https, and an error for every status but 2xx — redirects included: without
    a redirect handler a 3xx is an HTTPError, never a second request. No ProxyHandler:
    a proxy from the environment would be a connection to a host nobody allowed."""
    opener = urllib.request.OpenerDirector()
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ]
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def download(url: str) -> bytes:
    """The body at `url`, within the allowed hosts, the timeout and the size limit."""
    refusal = url_refusal(url)
    if refusal is not None:
        raise Refused(refusal)
    timeout: float = settings.BUSY_CALENDAR_TIMEOUT
    limit: int = settings.BUSY_CALENDAR_MAX_BYTES
    too_big = f"The calendar is larger than {limit:,} bytes."
    too_slow = f"The calendar's server did not answer within {timeout:g} seconds."
    # The timeout bounds each socket operation; a server that drips bytes is stopped by
    # the deadline instead.
    deadline = time.monotonic() + 2 * timeout
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "text/calendar",
            "Accept-Encoding": "identity",
            "User-Agent": "MeetingOfTheMinds busy-calendar",
        },
    )
    chunks: list[bytes] = []
    size = 0
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise Refused(too_big)
            while chunk := response.read(min(CHUNK, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise Refused(too_big)
                if time.monotonic() > deadline:
                    raise Refused(too_slow)
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:
            raise Refused(
                f"The address redirects elsewhere (HTTP {error.code}), which is not followed: "
                "give the calendar's own address."
            ) from None
        raise Refused(f"The calendar's server answered HTTP {error.code}.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise Refused(too_slow) from None
        raise Refused(f"The calendar's server could not be reached ({error.reason}).") from None
    except TimeoutError:
        raise Refused(too_slow) from None
    except (OSError, ValueError, http.client.HTTPException) as error:  # dropped, malformed
        raise Refused(f"The calendar could not be fetched ({type(error).__name__}).") from None
    return b"".join(chunks)


# --- Reading ----------------------------------------------------------------------------


def _utc(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A DTSTART or DTEND in UTC; floating times and dates are in `zone`."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def _check_rules(event: Component) -> None:
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules else []:
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        if (
            freq in TOO_OFTEN
            or len(rule.get("BYMINUTE", [])) > 1
            or len(rule.get("BYSECOND", [])) > 1
        ):
            raise Refused("An event repeats more often than every hour; the calendar is not read.")


def _interval(occurrence: Component, zone: ZoneInfo) -> Interval | None:
    """When this occurrence keeps its owner busy; None when it does not."""
    if str(occurrence.get("TRANSP", "")).upper() == "TRANSPARENT":
        return None
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start, end = occurrence.get("DTSTART"), occurrence.get("DTEND")
    if start is None or end is None:
        return None
    begins, ends = _utc(start.dt, zone), _utc(end.dt, zone)
    return (begins, ends) if ends > begins else None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def parse(
    body: bytes, *, zone: ZoneInfo, window: tuple[dt.datetime, dt.datetime]
) -> tuple[list[Interval], str]:
    """The busy intervals of an ICS calendar within `window`, merged; and a note when only
    the first MAX_INTERVALS of them are kept."""
    after, before = window
    try:
        calendar = Calendar.from_ical(body)
    except Exception:  # the parser meets hostile input: any failure is "not a calendar"
        raise Refused("This is not an iCalendar (ICS) file.") from None
    if calendar.name != "VCALENDAR":  # a lone VEVENT parses too
        raise Refused("This is not an iCalendar (ICS) file.")
    events = calendar.walk("VEVENT")
    if len(events) > MAX_EVENTS:
        raise Refused(f"The calendar has more than {MAX_EVENTS:,} events.")
    for event in events:
        _check_rules(event)
    # One series (a UID with its moved occurrences) at a time, so that the time budget is
    # looked at between them; the events without rules are expanded together (cheap).
    series: dict[str, list[Component]] = {}
    single: list[Component] = []
    for event in events:
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event:
            series.setdefault(str(event.get("UID", "")), []).append(event)
        else:
            single.append(event)
    zones = calendar.walk("VTIMEZONE")
    deadline = time.monotonic() + EXPAND_SECONDS
    found: list[Interval] = []
    # A day either side: floating and all-day events are placed in `zone` only below.
    span = (after - dt.timedelta(days=1), before + dt.timedelta(days=1))
    for group in [single, *series.values()]:
        if time.monotonic() > deadline:
            raise Refused("The calendar's repeating events take too long to read.")
        part = Calendar()
        for component in [*zones, *group]:
            part.add_component(component)
        try:
            occurrences = recurring_ical_events.of(part, skip_bad_series=True).between(*span)
        except Exception:  # as above: a malformed rule or date is the calendar's fault
            raise Refused("The calendar has an event that cannot be read.") from None
        for occurrence in occurrences:
            interval = _interval(occurrence, zone)
            if interval is None or interval[1] <= after or interval[0] >= before:
                continue
            found.append((max(interval[0], after), min(interval[1], before)))
            if len(found) > MAX_OCCURRENCES:
                raise Refused(f"The calendar has more than {MAX_OCCURRENCES:,} events in the year.")
    busy = merge(found)
    if len(busy) > MAX_INTERVALS:
        last = busy[MAX_INTERVALS - 1][1]
        note = (
            f"The calendar has more than {MAX_INTERVALS:,} busy periods in the coming year: "
            f"only those until {last:%d %b %Y} count."
        )
        return busy[:MAX_INTERVALS], note
    return busy, ""


# --- The cache --------------------------------------------------------------------------


@transaction.atomic
def _store(
    user_id: int, url: str, *, now: dt.datetime, busy: list[Interval] | None, error: str
) -> BusyCalendar | None:
    """What a fetch of `url` found (`busy`), or why it failed (`busy` None)."""
    # The address may have been changed or cleared while this fetch ran: then what was
    # read is no one's (a fetch of the new address is queued by the change).
    current = (
        UserProfile.objects.select_for_update()
        .filter(user_id=user_id)
        .values_list("busy_calendar_url", flat=True)
        .first()
    )
    if current != url:
        return None
    fields: dict[str, Any] = {"url": url, "error": error[:ERROR_LENGTH]}
    if busy is not None:
        fields |= {"busy": [[s.isoformat(), e.isoformat()] for s, e in busy], "fetched_at": now}
    elif BusyCalendar.objects.filter(user_id=user_id).exclude(url=url).exists():
        # A failed first fetch of a new address: what the old one said no longer holds.
        fields |= {"busy": [], "fetched_at": None}
    row, _ = BusyCalendar.objects.update_or_create(user_id=user_id, defaults=fields)
    return row


def forget(user_id: int) -> None:
    """The user publishes no calendar any more: drop what the last one said."""
    BusyCalendar.objects.filter(user_id=user_id).delete()


def _fetch(profile: UserProfile, now: dt.datetime) -> BusyCalendar | None:
    url = profile.busy_calendar_url
    try:
        body = download(url)
        busy, note = parse(body, zone=profile.zone, window=(now, now + read_ahead()))
    except Refused as refusal:
        log.info("busy calendar of user %s not read: %s", profile.user_id, refusal)
        return _store(profile.user_id, url, now=now, busy=None, error=str(refusal))
    return _store(profile.user_id, url, now=now, busy=busy, error=note)


def fetch_for(user: User, *, now: dt.datetime | None = None) -> BusyCalendar | None:
    """Fetch the user's published calendar and cache its busy time; None when they
    publish none (and then nothing is cached for them)."""
    profile = UserProfile.objects.filter(user=user).first()
    if profile is None or not profile.busy_calendar_url:
        forget(user.pk)
        return None
    return _fetch(profile, now or timezone.now())


def fetch_all(*, now: dt.datetime | None = None) -> int:
    """Fetch every active user's published calendar; how many were read without error.

    The least recently tried first, at most FETCH_PER_RUN of them and for RUN_SECONDS, so
    that a run ends before beat starts the next; a calendar that fails, in whatever way,
    does not stop the others. Cached calendars no profile names any more are dropped.
    """
    named = UserProfile.objects.exclude(busy_calendar_url="")
    BusyCalendar.objects.exclude(user_id__in=named.values("user_id")).delete()
    profiles = named.filter(user__is_active=True).order_by(
        F("user__busy_calendar__updated_at").asc(nulls_first=True), "pk"
    )[:FETCH_PER_RUN]
    stop = time.monotonic() + RUN_SECONDS
    read = 0
    for profile in profiles:
        if time.monotonic() > stop:
            break
        try:
            row = _fetch(profile, now or timezone.now())
        except Exception:  # a bug or a database hiccup for one user must not stop the rest
            log.exception("busy calendar of user %s failed", profile.user_id)
            continue
        read += int(row is not None and row.fetched_at is not None and not row.error)
    return read


def request_fetch(user_id: int) -> None:
    """Ask a worker to fetch this user's calendar. A broker that is down must not fail the
    request that saved the address: beat's half-hourly run fetches it anyway."""
    try:
        current_app.send_task(FETCH_TASK, args=[user_id])
    except Exception:
        log.warning("could not enqueue %s; beat's run will fetch it", FETCH_TASK, exc_info=True)


def address_changed(profile: UserProfile) -> None:
    """The user changed the address of their published calendar: forget what the old one
    said when there is none now, else fetch the new one once the change is committed."""
    if not profile.busy_calendar_url:
        forget(profile.user_id)
    else:
        transaction.on_commit(partial(request_fetch, profile.user_id))


def cached(user: User) -> BusyCalendar | None:
    """What was last read of the user's published calendar (for their profile page)."""
    return BusyCalendar.objects.filter(user=user).first()


# --- For the scheduler ------------------------------------------------------------------


def busy_intervals(
    user_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Each user's busy periods from their published calendar that overlap [start, end),
    sorted; in one query. Users who publish none are absent."""
    found: dict[int, list[Interval]] = {}
    rows = BusyCalendar.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "busy")
    for user_id, pairs in rows:
        intervals = found.setdefault(user_id, [])
        for pair in pairs:
            try:
                begins, ends = (dt.datetime.fromisoformat(value) for value in pair)
            except (TypeError, ValueError):  # a row edited by hand in the admin
                continue
            if begins < end and ends > start:
                intervals.append((begins, ends))
    return found
