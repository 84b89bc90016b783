"""Free slots for a recurring meeting: no clash with anyone's meetings, inside working hours.

A slot is a first day and a local time in the organiser's zone. It is free when every
meeting the rule gives it within the horizon (expanded by the app's own recurrence code,
alignment/meetings/recurrence.py, so daylight-saving changes fall as they will in the
calendar) overlaps no scheduled meeting of the organiser or an attendee and lies inside
each person's working hours, in their own zone (UserProfile.works_during).

The work is bounded: `Calendars.load` reads everyone's busy time for the whole window in
a fixed number of queries; the search then runs in Python, each overlap test a binary
search over that person's merged busy intervals.

Busy time is the scheduled (not cancelled) occurrences, and, past the last occurrence
materialised so far, the expansion of each active series' rule: meetings beyond the
materialisation horizon are in everyone's calendar (the invite carries the rule), so a
clash there is a clash all the same. It is also every busy period of the calendar a
person publishes (alignment/meetings/busy.py), as last fetched.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Max

from alignment.meetings import busy as published
from alignment.meetings.models import (
    MeetingSeries,
    Occurrence,
    SeriesAttendee,
    UserProfile,
)
from alignment.meetings.recurrence import Schedule, preset_rule

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Look a year ahead: long enough for every monthly and quarterly pattern to meet every
# other (a 4th Monday and a last Monday coincide only in months with four Mondays).
CLASH_HORIZON_DAYS = 366
SEARCH_DAYS = 28  # candidate first days: four weeks give every nth weekday of a month
STEP = dt.timedelta(minutes=15)
PUBLISHED_TITLE = "Busy in their own calendar"


def clash_horizon() -> dt.timedelta:
    """At least the materialisation horizon (settings.MEETING_HORIZON_DAYS)."""
    return dt.timedelta(days=max(settings.MEETING_HORIZON_DAYS, CLASH_HORIZON_DAYS))


@dataclass(frozen=True)
class Busy:
    """One meeting that occupies someone: when, and which series (for a message)."""

    start: dt.datetime
    end: dt.datetime
    title: str
    series_id: int | None


@dataclass(frozen=True)
class Clash:
    """A meeting of the candidate rule that overlaps `busy`, a meeting of `person`."""

    person: User
    busy: Busy


@dataclass
class _Timeline:
    """One person's busy time: the meetings, and their union as sorted disjoint intervals."""

    meetings: list[Busy] = field(default_factory=list)
    starts: list[dt.datetime] = field(default_factory=list)
    ends: list[dt.datetime] = field(default_factory=list)

    def add(self, busy: Busy) -> None:
        self.meetings.append(busy)
        # Merge with every interval it touches; the rest stays sorted and disjoint.
        start, end = busy.start, busy.end
        i = bisect_left(self.starts, start)
        if i > 0 and self.ends[i - 1] >= start:
            i -= 1
        j = i
        while j < len(self.starts) and self.starts[j] <= end:
            start, end = min(start, self.starts[j]), max(end, self.ends[j])
            j += 1
        self.starts[i:j] = [start]
        self.ends[i:j] = [end]

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        i = bisect_left(self.starts, end)
        return i > 0 and self.ends[i - 1] > start


@dataclass(frozen=True)
class Slot:
    """A free slot: the first day and local time (organiser's zone), and its rule."""

    day: dt.date
    time: dt.time
    rule: str
    starts: tuple[dt.datetime, ...]


class Calendars:
    """The busy time and working hours of a few people over one window."""

    def __init__(
        self,
        people: Iterable[User],
        profiles: Mapping[int, UserProfile],
        window: tuple[dt.datetime, dt.datetime],
    ) -> None:
        self.people = {person.pk: person for person in people}
        self.profiles = dict(profiles)
        self.window = window
        self._timelines: dict[int, _Timeline] = {pk: _Timeline() for pk in self.people}

    @classmethod
    def load(
        cls,
        people: Iterable[User],
        *,
        now: dt.datetime,
        horizon: dt.timedelta | None = None,
        exclude_series: int | None = None,
    ) -> Calendars:
        """Everyone's meetings and published busy time from `now` over the horizon, in
        six queries.

        `exclude_series`: the series being changed, which does not clash with itself.
        """
        people = list({person.pk: person for person in people}.values())
        window = (now, now + (horizon or clash_horizon()))
        ids = [person.pk for person in people]
        found = {p.user_id: p for p in UserProfile.objects.filter(user_id__in=ids)}
        profiles = {pk: found.get(pk) or UserProfile(user_id=pk) for pk in ids}
        calendars = cls(people, profiles, window)
        members: dict[int, set[int]] = {}  # series → the people of `ids` in it
        organised = MeetingSeries.objects.filter(organiser_id__in=ids)
        for series_id, user_id in organised.values_list("pk", "organiser_id"):
            members.setdefault(series_id, set()).add(user_id)
        attending = SeriesAttendee.objects.filter(user_id__in=ids)
        for series_id, user_id in attending.values_list("series_id", "user_id"):
            members.setdefault(series_id, set()).add(user_id)
        members.pop(exclude_series, None)  # type: ignore[arg-type]
        meetings = (
            Occurrence.objects.scheduled()
            .filter(series_id__in=members, end__gt=window[0], start__lt=window[1])
            .values_list("series_id", "series__title", "start", "end")
        )
        for series_id, title, start, end in meetings:
            calendars.add(members[series_id], Busy(start, end, title, series_id))
        calendars._add_beyond_materialised(members)
        for user_id, intervals in published.busy_intervals(ids, *window).items():
            for start, end in intervals:
                calendars.add([user_id], Busy(start, end, PUBLISHED_TITLE, None))
        return calendars

    def _add_beyond_materialised(self, members: Mapping[int, set[int]]) -> None:
        """The meetings each active series' rule gives after its last materialised one."""
        after, before = self.window
        series_list = (
            MeetingSeries.objects.active()
            .filter(pk__in=members)
            .annotate(last_start=Max("occurrences__original_start"))
        )
        for series in series_list:
            last: dt.datetime | None = series.last_start  # type: ignore[attr-defined]
            since = max(after, last + dt.timedelta(seconds=1)) if last else after
            for start in series.schedule.between(since, before):
                busy = Busy(start, start + series.duration, series.title, series.pk)
                self.add(members[series.pk], busy)

    def add(self, people: Iterable[int], busy: Busy) -> None:
        """`busy` occupies these people from now on (a series just scheduled)."""
        for pk in people:
            self._timelines[pk].add(busy)

    def add_slot(
        self, people: Iterable[int], slot: Slot, duration: dt.timedelta, title: str
    ) -> None:
        people = list(people)
        for start in slot.starts:
            self.add(people, Busy(start, start + duration, title, None))

    def is_free(
        self, people: Sequence[int], starts: Sequence[dt.datetime], length: dt.timedelta
    ) -> bool:
        """No meeting at any of `starts` overlaps a meeting of these people; all in hours."""
        for start in starts:
            end = start + length
            for pk in people:
                if self._timelines[pk].overlaps(start, end):
                    return False
                if not self.profiles[pk].works_during(start, end):
                    return False
        return True

    def clashes(
        self, people: Sequence[int], starts: Sequence[dt.datetime], length: dt.timedelta
    ) -> list[Clash]:
        """Every existing meeting of these people that one of `starts` would overlap."""
        found: list[Clash] = []
        seen: set[tuple[int, Busy]] = set()
        for start in starts:
            end = start + length
            for pk in people:
                timeline = self._timelines[pk]
                if not timeline.overlaps(start, end):
                    continue
                for busy in timeline.meetings:
                    if busy.start < end and busy.end > start and (pk, busy) not in seen:
                        seen.add((pk, busy))
                        found.append(Clash(self.people[pk], busy))
        return sorted(found, key=lambda clash: (clash.busy.start, clash.person.pk))


def candidate_days(
    first: dt.date, *, load: Mapping[int, int] | None = None, days: int = SEARCH_DAYS
) -> list[dt.date]:
    """The first days to try from `first`: least-loaded weekdays first, then earliest.

    `load` counts the meetings already on each weekday (date.weekday()), so that a run of
    one-on-ones spreads over the week instead of filling Monday first.
    """
    load = load or {}
    span = [first + dt.timedelta(days=n) for n in range(days)]
    return sorted(span, key=lambda day: (load.get(day.weekday(), 0), day))


def candidate_times(preferred: Sequence[dt.time] = ()) -> list[dt.time]:
    """The `preferred` times first, then every quarter of an hour of the day."""
    times = list(preferred)
    moment = dt.datetime(2000, 1, 1)
    for _ in range(int(dt.timedelta(days=1) / STEP)):
        if moment.time() not in times:
            times.append(moment.time())
        moment += STEP
    return times


def find_slot(
    calendars: Calendars,
    *,
    organiser: User,
    attendees: Sequence[User],
    duration: dt.timedelta,
    preset: str,
    days: Sequence[dt.date],
    times: Sequence[dt.time] | None = None,
    started: bool = False,
) -> Slot | None:
    """The first free slot, trying `days` in order and, on each, `times` in order.

    A slot is free when every meeting its rule (`preset`, anchored on the day) gives
    within the calendars' window clashes with nobody and lies inside everyone's working
    hours. None when there is no such slot among the candidates. `started`: the series
    may have begun before the window (the demo's one-on-ones with a history); only its
    meetings within the window count.
    """
    own = calendars.profiles[organiser.pk]
    zone = own.zone
    people = list(dict.fromkeys([organiser.pk, *(a.pk for a in attendees)]))
    after, before = calendars.window
    for day in days:
        rule = preset_rule(preset, day)
        for time in times if times is not None else candidate_times():
            first = dt.datetime.combine(day, time, tzinfo=zone)
            # Cheap refusals before the rule is expanded. Every preset repeats the first
            # meeting's weekday and local time, so outside the organiser's hours on the
            # first day is outside them every time; the first meeting itself must suit
            # everyone (unless it lies before the window) and must not start late.
            if not own.works_during(first, first + duration):
                continue
            if not started and (first < after or not calendars.is_free(people, [first], duration)):
                continue
            schedule = Schedule(rule, dt.datetime.combine(day, time), zone.key)
            starts = schedule.between(after, before)
            if starts and calendars.is_free(people, starts, duration):
                return Slot(day, time, rule, tuple(starts))
    return None


def first_free_slot(
    *,
    organiser: User,
    attendees: Sequence[User],
    duration: dt.timedelta,
    preset: str,
    now: dt.datetime,
    horizon: dt.timedelta | None = None,
    first_day: dt.date | None = None,
) -> Slot | None:
    """The earliest free slot from `first_day` (default: tomorrow, organiser's zone) over
    the next four weeks, every quarter of an hour; checked over `horizon` from `now`."""
    calendars = Calendars.load([organiser, *attendees], now=now, horizon=horizon)
    zone = calendars.profiles[organiser.pk].zone
    first_day = first_day or now.astimezone(zone).date() + dt.timedelta(days=1)
    return find_slot(
        calendars,
        organiser=organiser,
        attendees=attendees,
        duration=duration,
        preset=preset,
        days=candidate_days(first_day),
    )


def schedule_clashes(
    *,
    schedule: Schedule,
    duration: dt.timedelta,
    people: Sequence[User],
    now: dt.datetime,
    exclude_series: int | None = None,
) -> list[Clash]:
    """The existing meetings of `people` that `schedule` would overlap over the horizon."""
    calendars = Calendars.load(people, now=now, exclude_series=exclude_series)
    starts = schedule.between(*calendars.window)
    return calendars.clashes([p.pk for p in people], starts, duration)
