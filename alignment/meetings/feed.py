"""The subscribed calendar (/calendar/<token>.ics): every active series a user attends,
read lean, built with the invites' events, cached per user, answered conditionally.

Reading: only the columns named in the FIELDS below, of the series (with their organiser),
their attendees (with their users), the attendees' answers for the whole series, and only
the moved or cancelled meetings (no agenda, no minutes; the others follow from the rule).

Caching is keyed by a fingerprint of what the feed shows, never by a counter that every
writer must remember to raise, nor by `updated_at` (a `QuerySet.update()` or a
`save(update_fields=…)` without it leaves it behind, and a deleted attendee or a renamed
user leaves no time at all): each poll digests the same columns of the same rows (four
queries, a few small columns per series and attendee; on PostgreSQL the database takes
each digest, so one short string per table leaves it instead of every row), with
the user, today's date (the time zones run from the first series to the current year) and
the settings the events depend on. The calendar itself is built from rows loaded with
`.only()` of the same FIELDS — reading any other column would cost a query per row, which
tests/alignment/meetings/test_feed_cache.py forbids — so the same fingerprint means the
same calendar, and whatever wrote a change (a service, the materialiser's `bulk_create`,
a bare `update()`, the admin), the next poll gets a new fingerprint and a fresh calendar.
What a poll saves is loading the meetings and serialising the calendar; a poll whose
ETag still matches gets 304 and no body. And when nothing at all was written since (the
programme's version, which database triggers move: alignment/changes.py), a poll reads
only that version, not the fingerprint's rows.

The fingerprint is the strong ETag: a poll with it is never answered "not modified"
after a change. Last-Modified is when that fingerprint was first rendered, at least a
second after the version it replaces in the cache, for clients that send only
If-Modified-Since; HTTP dates have one-second resolution, so such a client could be told
"not modified" wrongly only if a change were rendered within the same second as the
version it holds by a cache that no longer (or never) held that version — an entry
evicted at once, or another process's cache (Django's default local-memory cache is
per process; a shared one, such as Redis, keeps one entry per user for all of them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from icalendar import Calendar

from alignment import changes
from alignment.meetings.invites import assemble_calendar, series_events
from alignment.meetings.models import (
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
)
from alignment.meetings.models.series import MeetingSeriesQuerySet
from alignment.meetings.recurrence import horizon_years, max_occurrences

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Raise when the calendar built from the same rows changes (a new property, another
# layout): cached calendars of the older format are then never served again.
FEED_FORMAT = 1
CACHE_SECONDS = 24 * 60 * 60  # the date is in the fingerprint: a day is the most it helps
# The columns the feed reads, and all it reads: the calendar is built from rows loaded with
# `.only()` of these, the fingerprint is taken over `.values_list()` of the same.
SERIES_FIELDS = (
    "uid",
    "sequence",
    "title",
    "location",
    "video_link",
    "rule",
    "start_date",
    "start_time",
    "time_zone",
    "duration_minutes",
    "uid_since",
    "organiser",
    "organiser__username",
    "organiser__email",
    "organiser__first_name",
    "organiser__last_name",
)
PERSON_FIELDS = ("username", "email", "first_name", "last_name")
ATTENDEE_FIELDS = ("series", "user", "email", "name", *(f"user__{f}" for f in PERSON_FIELDS))
ANSWER_FIELDS = ("attendee", "occurrence", "response")
OCCURRENCE_FIELDS = ("series", "original_start", "start", "end", "status", "overridden")


def _shown(user: User) -> MeetingSeriesQuerySet:
    """The active series the user attends (an organiser attends their own)."""
    attending = SeriesAttendee.objects.filter(user=user).values("series_id")
    return MeetingSeries.objects.active().filter(pk__in=attending)


def _series_answers() -> QuerySet[MeetingAnswer]:
    return MeetingAnswer.objects.filter(occurrence=None)


def _exceptions() -> QuerySet[Occurrence]:
    """Moved or cancelled meetings: the only ones a calendar needs besides the rule (a
    partial index, occurrence_exception_idx, holds just these)."""
    return Occurrence.objects.filter(Q(status=OccurrenceStatus.CANCELLED) | Q(overridden=True))


def feed_series(user: User) -> list[MeetingSeries]:
    """The series the feed shows, with their people, their answers for the whole series
    and their moved or cancelled meetings: four queries, reading only the FIELDS above."""
    answers = _series_answers().only(*ANSWER_FIELDS)
    attendees = (
        # Each attendee's series is the one it is prefetched for (Django sets it).
        SeriesAttendee.objects.select_related("user")
        .only(*ATTENDEE_FIELDS)
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("pk")
    )
    exceptions = _exceptions().only(*OCCURRENCE_FIELDS).order_by("original_start", "pk")
    return list(
        _shown(user)
        .select_related("organiser")
        .only(*SERIES_FIELDS)
        .prefetch_related(
            Prefetch("attendees", queryset=attendees),
            Prefetch("occurrences", queryset=exceptions),
        )
        .order_by("pk")
    )


def feed_calendar(
    user: User, *, now: dt.datetime | None = None, series_list: list[MeetingSeries] | None = None
) -> Calendar:
    """Every active series the user organises or attends (`series_list`: as feed_series()
    read them already).

    A feed is published, not sent: no METHOD (RFC 5545 §3.7.2), and no invitation workflow.
    """
    now = now or timezone.now()
    if series_list is None:
        series_list = feed_series(user)
    events = [e for s in series_list for e in series_events(s, list(s.attendees.all()), now)]
    calendar = assemble_calendar(events, None, series_list)
    calendar.add("x-wr-calname", "Meeting of the Minds")
    return calendar


def fingerprint(user: User, today: dt.date) -> str:
    """A digest of every column of every row the user's feed is built from, read as plain
    tuples in four queries (see the module docstring)."""
    shown = _shown(user)
    ids = shown.values("pk")
    tables: list[QuerySet[Any, tuple[Any, ...]]] = [
        shown.values_list("pk", *SERIES_FIELDS),
        SeriesAttendee.objects.filter(series__in=ids).values_list("pk", *ATTENDEE_FIELDS),
        _series_answers().filter(attendee__series__in=ids).values_list("pk", *ANSWER_FIELDS),
        _exceptions().filter(series__in=ids).values_list("pk", *OCCURRENCE_FIELDS),
    ]
    digest = hashlib.sha256()
    digest.update(_context(user, today).encode())
    for rows in tables:
        digest.update(b"\x1d" + _digest_of(rows).encode())
    return digest.hexdigest()


def _context(user: User, today: dt.date) -> str:
    """What the feed depends on besides its rows: the user, the date, the settings."""
    return repr(
        (FEED_FORMAT, user.pk, today, settings.SITE_URL, horizon_years(), max_occurrences())
    )


def _digest_of(rows: QuerySet[Any, tuple[Any, ...]]) -> str:
    """A digest of every row: on PostgreSQL taken by the database over each row's text in
    primary-key order, so that a poll of 600 series moves one short string instead of every
    row (the work there still grows with the rows, but is a fraction of moving them);
    elsewhere taken here over the rows' tuples."""
    database = connections[rows.db]
    if database.vendor == "postgresql":
        sql, params = rows.order_by().query.sql_with_params()
        with database.cursor() as cursor:
            cursor.execute(
                # In primary-key order: every table's rows are read as values_list("pk",
                # …), whose first column Django names "pk".
                "SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r.pk), ''))"
                f" FROM ({sql}) AS r",
                params,
            )
            (found,) = cursor.fetchone()
        return str(found)
    digest = hashlib.sha256()
    for row in rows.order_by("pk"):
        digest.update(repr(row).encode() + b"\x1e")
    return digest.hexdigest()


class _Entry(TypedDict):
    fingerprint: str
    body: bytes
    last_modified: dt.datetime
    version: str  # the programme's, read before the fingerprint (alignment/changes.py)
    context: str


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str  # unquoted
    last_modified: dt.datetime  # whole seconds, UTC


def current(user: User, *, now: dt.datetime | None = None) -> Feed:
    """The user's calendar as it stands: from the cache when nothing it shows changed.

    A poll in a programme that did not change since the calendar was cached (the same
    version, alignment/changes.py) reads nothing else; after a change anywhere, the
    fingerprint decides whether this calendar changed."""
    now = now or timezone.now()
    key = f"meetings:feed:{user.pk}"
    today = now.astimezone(dt.UTC).date()
    context = _context(user, today)
    version = changes.version()  # before anything it vouches for is read
    entry: _Entry | None = cache.get(key)
    if entry is not None and entry.get("version") == version and entry["context"] == context:
        return Feed(entry["body"], entry["fingerprint"], entry["last_modified"])
    found = fingerprint(user, today)
    if entry is not None and entry["fingerprint"] == found:
        cache.set(key, _Entry(**{**entry, "version": version, "context": context}), CACHE_SECONDS)
        return Feed(entry["body"], found, entry["last_modified"])
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    if entry is not None and entry["last_modified"] >= stamp:
        stamp = entry["last_modified"] + dt.timedelta(seconds=1)
    # Read after the fingerprint: a change in between is in the body (at worst newer than
    # its fingerprint), and the next poll's fingerprint differs, so it is built again.
    body = feed_calendar(user, now=stamp).to_ical()
    fresh = _Entry(
        fingerprint=found, body=body, last_modified=stamp, version=version, context=context
    )
    cache.set(key, fresh, CACHE_SECONDS)
    return Feed(body, found, stamp)
