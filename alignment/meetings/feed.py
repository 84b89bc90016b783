"""The subscribed calendar (/calendar/<token>.ics): every active series a user attends,
read lean, built with the invites' events, cached per user, answered conditionally.

Reading: four queries whatever the number of meetings — the series (only the columns the
feed shows, with their organiser), their attendees with their users, the attendees'
answers for the whole series, and only the moved or cancelled meetings (no agenda, no
minutes); the other meetings follow from the rule.

Caching is keyed by a fingerprint of what was read, never by a counter the writers must
remember to raise: a digest of every loaded column of every row the feed is built from
(series, organiser, attendees and their users, answers, moved or cancelled meetings),
with the user, today's date (the time zone definitions run from the first series to the
current year) and the settings the events depend on. The feed reads nothing but these
rows (a column left out by `.only()` would cost a query each, which the query-count test
forbids), so two reads with the same fingerprint give the same calendar, and any change —
a save, a `QuerySet.update()` that leaves `updated_at` alone, a `bulk_create`, a deleted
attendee, a renamed user — gives another fingerprint and a fresh calendar on the next
poll. A poll still runs the four queries (a few small columns per series and attendee);
what it saves is loading every meeting and serialising the calendar (seconds at scale).

The fingerprint is the strong ETag. Last-Modified is when that fingerprint was first
rendered, at least a second after the one it replaces in the cache, so a client that
sends only If-Modified-Since is not told "not modified" after a change either (its
resolution is one second: only a cache entry evicted and replaced within the second
it was written could repeat a time, and such a client then re-downloads on the next
change).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from icalendar import Calendar

from alignment.meetings.invites import assemble_calendar, series_events
from alignment.meetings.models import (
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
)
from alignment.meetings.recurrence import horizon_years, max_occurrences

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Raise when the calendar built from the same rows changes (a new property, another
# layout): cached calendars of the older format are then never served again.
FEED_FORMAT = 1
CACHE_SECONDS = 24 * 60 * 60  # the date is in the fingerprint: a day is the most it helps
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
    "organiser__username",
    "organiser__email",
    "organiser__first_name",
    "organiser__last_name",
)
PERSON_FIELDS = ("username", "email", "first_name", "last_name")
OCCURRENCE_FIELDS = ("series_id", "original_start", "start", "end", "status", "overridden")


def feed_series(user: User) -> list[MeetingSeries]:
    """The active series the user attends (an organiser attends their own), with their
    people, their answers for the series and their moved or cancelled meetings."""
    attending = SeriesAttendee.objects.filter(user=user).values("series_id")
    attendees = (
        # Each attendee's series is the one it is prefetched for (Django sets it).
        SeriesAttendee.objects.select_related("user")
        .only("series_id", "user", "email", "name", *(f"user__{f}" for f in PERSON_FIELDS))
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=MeetingAnswer.objects.filter(occurrence=None).only(
                    "attendee_id", "occurrence_id", "response"
                ),
            )
        )
        .order_by("pk")
    )
    exceptions = (
        Occurrence.objects.filter(Q(status=OccurrenceStatus.CANCELLED) | Q(overridden=True))
        .only(*OCCURRENCE_FIELDS)
        .order_by("original_start", "pk")
    )
    return list(
        MeetingSeries.objects.active()
        .filter(pk__in=attending)
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


def _loaded(row: models.Model) -> tuple[object, ...]:
    """The row's model and every column loaded on it (the deferred ones are never read)."""
    deferred = row.get_deferred_fields()
    values = [
        getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.attname not in deferred
    ]
    return (row._meta.label, *values)


def fingerprint(user: User, series_list: list[MeetingSeries], today: dt.date) -> str:
    """A digest of everything the user's feed is built from (see the module docstring)."""
    digest = hashlib.sha256()
    context = (FEED_FORMAT, user.pk, today, settings.SITE_URL, horizon_years(), max_occurrences())
    digest.update(repr(context).encode())
    rows: list[models.Model] = []
    for series in series_list:
        rows += [series, series.organiser]
        for attendee in series.attendees.all():
            rows += [attendee, *([attendee.user] if attendee.user is not None else [])]
            rows += attendee.answers.all()
        rows += series.occurrences.all()
    for row in rows:
        digest.update(b"\x1e" + repr(_loaded(row)).encode())
    return digest.hexdigest()


class _Entry(TypedDict):
    fingerprint: str
    body: bytes
    last_modified: dt.datetime


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str  # unquoted
    last_modified: dt.datetime  # whole seconds, UTC


def current(user: User, *, now: dt.datetime | None = None) -> Feed:
    """The user's calendar as it stands: from the cache when nothing it shows changed."""
    now = now or timezone.now()
    series_list = feed_series(user)
    key = f"meetings:feed:{user.pk}"
    found = fingerprint(user, series_list, now.astimezone(dt.UTC).date())
    entry: _Entry | None = cache.get(key)
    if entry is not None and entry["fingerprint"] == found:
        return Feed(entry["body"], found, entry["last_modified"])
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    if entry is not None and entry["last_modified"] >= stamp:
        stamp = entry["last_modified"] + dt.timedelta(seconds=1)
    body = feed_calendar(user, now=stamp, series_list=series_list).to_ical()
    cache.set(key, _Entry(fingerprint=found, body=body, last_modified=stamp), CACHE_SECONDS)
    return Feed(body, found, stamp)
