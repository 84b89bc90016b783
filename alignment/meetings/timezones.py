"""VTIMEZONE components (RFC 5545 §3.6.5) in the form calendar clients write and read best.

A zone with daylight-saving time is written as Thunderbird, Google and Outlook write it: one
STANDARD and one DAYLIGHT observance, each a yearly RRULE (`FREQ=YEARLY;BYMONTH=3;
BYDAY=-1SU`) with its onset as DTSTART, in local time before the change. Such a definition
has no end: it stays right for every later year, which an open-ended series needs. A zone
without daylight-saving time is one STANDARD observance.

The yearly rules are read off the zone's transitions in the current (or next) year, as
"the nth / last weekday of the month" or, failing that, "the first weekday on or after a
day" (BYMONTHDAY=d..d+6 with BYDAY), and kept only if they reproduce every transition
zoneinfo knows for the next RULE_YEARS years. Transitions the rules do not give (the
zone's rules changed since the series began) are written before them as observances with
explicit dates; a zone whose rules no yearly rule fits (Africa/Casablanca follows
Ramadan) is written entirely so, up to FALLBACK_YEARS ahead.

Two readers' habits shape the output: ical.js, behind Thunderbird's and Nextcloud's
calendars, ignores the DTSTART of an observance that has RDATEs and reads only the first
value of each RDATE line, so every onset gets an RDATE line of its own, DTSTART's too; and
it reads a time before the first onset as UTC, so the first onset lies before the series.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

UTC = dt.UTC
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# How far ahead the yearly rules must reproduce zoneinfo's transitions to be used.
RULE_YEARS = 20
# How far ahead explicit dates reach for a zone that no yearly rule fits.
FALLBACK_YEARS = 50
EPOCH = dt.datetime(1970, 1, 1)
# The last year whose transitions are looked for: its end (1 January of the next year,
# in UTC) must still be a datetime. A series is never expanded anywhere near it
# (recurrence.horizon_end), so later years need no data.
LAST_YEAR = dt.MAXYEAR - 1
# Properties whose TZID parameter needs a VTIMEZONE in the same calendar.
ZONED_PROPERTIES = ("DTSTART", "DTEND", "DUE", "EXDATE", "RDATE", "RECURRENCE-ID")


@dataclass(frozen=True)
class Transition:
    """One change of the zone's offset or name, at `at` (UTC)."""

    at: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    dst: bool

    @property
    def onset(self) -> dt.datetime:
        """The local wall time of the change, read before it (how a VTIMEZONE gives it)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True)
class YearlyRule:
    """A yearly change: in `month`, on `byday` (+2SU, -1SU) or on the `weekday` that falls
    on one of `monthdays`, at `time` (local, before the change)."""

    month: int
    weekday: int
    time: dt.time
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    nth: int = 0
    monthdays: tuple[int, ...] = ()

    def day(self, year: int) -> int:
        """The day of the month the rule picks in `year`."""
        first_weekday, length = monthrange(year, self.month)
        days = [d for d in range(1, length + 1) if (first_weekday + d - 1) % 7 == self.weekday]
        if self.monthdays:
            return next(d for d in days if d in self.monthdays)
        return days[self.nth - 1] if self.nth > 0 else days[self.nth]

    def onset(self, year: int) -> dt.datetime:
        return dt.datetime.combine(dt.date(year, self.month, self.day(year)), self.time)

    def rrule(self) -> dict[str, object]:
        weekday = WEEKDAYS[self.weekday]
        if self.monthdays:
            return {
                "FREQ": "YEARLY",
                "BYMONTH": self.month,
                "BYMONTHDAY": list(self.monthdays),
                "BYDAY": weekday,
            }
        return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{self.nth:+d}{weekday}"}

    def matches(self, transition: Transition) -> bool:
        return transition.onset == self.onset(transition.onset.year) and (
            transition.offset_from,
            transition.offset_to,
            transition.name,
        ) == (self.offset_from, self.offset_to, self.name)


def _state(zone: ZoneInfo, moment: dt.datetime) -> tuple[dt.timedelta, str]:
    local = moment.astimezone(zone)
    return local.utcoffset() or dt.timedelta(0), local.tzname() or ""


def _is_summer(zone: ZoneInfo, moment: dt.datetime) -> bool:
    # Positive only: tzdata gives Europe/Dublin a negative DST in winter.
    return (moment.astimezone(zone).dst() or dt.timedelta(0)) > dt.timedelta(0)


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of offset or name from 1 January `first_year` to the end of `last_year`.

    zoneinfo does not list its transitions: they are found day by day, then to the second
    by bisection (no zone changes twice within a day).
    """
    found = []
    moment = dt.datetime(first_year, 1, 1, tzinfo=UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _state(zone, moment)
    while moment < end:
        later = min(moment + dt.timedelta(days=1), end)
        new = _state(zone, later)
        if new != state:
            low, high = moment, later
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (low, middle) if _state(zone, middle) == new else (middle, high)
            found.append(Transition(high, state[0], new[0], new[1], _is_summer(zone, high)))
            state = new
        moment = later
    return found


def _candidates(transition: Transition, days: Iterable[int]) -> Iterator[YearlyRule]:
    """Yearly rules that give `transition`, the conventional forms first; `days` are the
    days of the month on which the zone changes, in other years, at the same time."""
    onset = transition.onset
    base = YearlyRule(
        month=onset.month,
        weekday=onset.weekday(),
        time=onset.time(),
        offset_from=transition.offset_from,
        offset_to=transition.offset_to,
        name=transition.name,
    )
    length = monthrange(onset.year, onset.month)[1]
    if onset.day <= 28:
        yield replace(base, nth=(onset.day - 1) // 7 + 1)
    if length - onset.day < 28:
        yield replace(base, nth=-((length - onset.day) // 7 + 1))
    low = min(days, default=onset.day)
    if low + 6 <= (28 if onset.month == 2 else length):  # the week is whole every year
        yield replace(base, monthdays=tuple(range(low, low + 7)))


def yearly_rules(found: list[Transition], first_year: int, last_year: int) -> list[YearlyRule]:
    """Rules reproducing `found` exactly in every year from `first_year` to `last_year`.

    Raises ValueError when no set of yearly rules does.
    """
    by_year = {
        year: [t for t in found if t.onset.year == year]
        for year in range(first_year, last_year + 1)
    }
    template = by_year[first_year]
    if any(len(changes) != len(template) for changes in by_year.values()):
        raise ValueError("Not the same number of changes every year.")
    rules = []
    for index, transition in enumerate(template):
        same = [changes[index] for changes in by_year.values()]
        days = [t.onset.day for t in same if t.onset.month == transition.onset.month]
        rule = next(
            (r for r in _candidates(transition, days) if all(r.matches(t) for t in same)), None
        )
        if rule is None:
            raise ValueError(f"No yearly rule gives the change of {transition.onset:%d %B}.")
        rules.append(rule)
    return rules


def _observance(daylight: bool) -> TimezoneStandard | TimezoneDaylight:
    return TimezoneDaylight() if daylight else TimezoneStandard()


def _describe(
    component: TimezoneStandard | TimezoneDaylight,
    start: dt.datetime,
    offset_from: dt.timedelta,
    offset_to: dt.timedelta,
    name: str,
) -> None:
    component.add("dtstart", start)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    if name:
        component.add("tzname", name)


def _dated(found: Iterable[Transition]) -> list[TimezoneStandard | TimezoneDaylight]:
    """Observances with explicit onsets: one per kind of change, one RDATE line per onset."""
    groups: dict[tuple[bool, dt.timedelta, dt.timedelta, str], list[Transition]] = {}
    for transition in found:
        key = (transition.dst, transition.offset_from, transition.offset_to, transition.name)
        groups.setdefault(key, []).append(transition)
    components = []
    for (dst, offset_from, offset_to, name), group in groups.items():
        component = _observance(dst)
        _describe(component, group[0].onset, offset_from, offset_to, name)
        for transition in group:
            component.add("rdate", transition.onset)
        components.append(component)
    return components


def _yearly(rules: tuple[YearlyRule, ...], year: int) -> list[TimezoneStandard | TimezoneDaylight]:
    """One observance per rule, from its onset in `year` on, with no end."""
    larger = max((rule.offset_to for rule in rules), default=dt.timedelta(0))
    components = []
    for rule in rules:
        # Two changes a year: the one to the larger offset is summer time, even where
        # tzdata calls winter the daylight period (Europe/Dublin's negative DST).
        daylight = (
            rule.offset_to == larger if len(rules) == 2 else rule.offset_to > rule.offset_from
        )
        component = _observance(daylight)
        _describe(component, rule.onset(year), rule.offset_from, rule.offset_to, rule.name)
        component.add("rrule", rule.rrule())
        components.append(component)
    return components


def _rules_since(
    found: list[Transition], this_year: int, first_year: int, last_year: int
) -> tuple[list[YearlyRule], int] | None:
    """The yearly rules of the current (or next) year and the first year they hold since,
    or None when none reproduces every change up to `last_year`."""
    for start in (this_year, this_year + 1):
        if start > last_year:
            break
        try:
            rules = yearly_rules(found, start, last_year)
        except ValueError:
            continue
        while start > first_year:
            earlier = [t for t in found if t.onset.year == start - 1]
            if len(earlier) != len(rules) or not all(map(YearlyRule.matches, rules, earlier)):
                break
            start -= 1
        return rules, start
    return None


@dataclass(frozen=True)
class ZonePlan:
    """What a zone's VTIMEZONE says: the offset before any change (when no change comes
    before the series), the dated changes, and the yearly rules from `rules_from` on."""

    initial: tuple[dt.timedelta, str, bool] | None
    dated: tuple[Transition, ...]
    rules: tuple[YearlyRule, ...]
    rules_from: int


@lru_cache(maxsize=512)
def zone_plan(tzid: str, first_year: int, this_year: int) -> ZonePlan:
    """The plan of zone `tzid` from `first_year` on, its rules read in `this_year` (cached:
    finding transitions takes tens of milliseconds a zone)."""
    zone = ZoneInfo(tzid)
    # No meeting of this app predates 1970 (EPOCH), and a search from year 1 would step
    # through two thousand years of days.
    first_year = min(max(first_year, EPOCH.year), LAST_YEAR - 1)
    this_year = min(max(this_year, first_year), LAST_YEAR - 1)
    last_year = min(this_year + RULE_YEARS, LAST_YEAR)
    found = transitions(zone, first_year, last_year)
    result = _rules_since(found, this_year, first_year, last_year)
    rules: list[YearlyRule] = []
    if result is None:
        fallback_year = min(this_year + FALLBACK_YEARS, LAST_YEAR)
        rules_from = fallback_year + 1  # every change dated, none by rule
        found += transitions(zone, last_year + 1, fallback_year)
    else:
        rules, rules_from = result
    initial = None
    if not any(t.onset.year == first_year for t in found):
        moment = dt.datetime(first_year, 1, 1, tzinfo=UTC)
        initial = (*_state(zone, moment), _is_summer(zone, moment))
    dated = tuple(t for t in found if t.onset.year < rules_from)
    return ZonePlan(initial, dated, tuple(rules), rules_from)


def vtimezone(tzid: str, *, since: dt.date, today: dt.date) -> Timezone:
    """The VTIMEZONE of IANA zone `tzid`, right from `since` on, for every later year
    (up to FALLBACK_YEARS past `today` for a zone no yearly rule fits)."""
    first_year = since.year - 1  # the year before: its last change precedes `since`
    plan = zone_plan(tzid, first_year, max(today.year, first_year))
    component = Timezone()
    component.add("tzid", tzid)
    if plan.initial is not None:
        # No change before `since` to read the offset from: an observance that starts at
        # 1970 gives it (the single observance of a zone without daylight-saving time).
        offset, name, summer = plan.initial
        initial = _observance(summer)
        _describe(initial, EPOCH, offset, offset, name)
        component.add_component(initial)
    for observance in _dated(plan.dated) + _yearly(plan.rules, plan.rules_from):
        component.add_component(observance)
    return component


def used_tzids(calendar: Calendar) -> list[str]:
    """The TZIDs the calendar's events refer to, in order of first use."""
    tzids: dict[str, None] = {}
    for event in calendar.walk("VEVENT"):
        for name in ZONED_PROPERTIES:
            values = event.get(name)
            for value in values if isinstance(values, list) else [values]:
                tzid = getattr(value, "params", {}).get("TZID")
                if tzid:
                    tzids[str(tzid)] = None
    return list(tzids)


def add_timezones(calendar: Calendar, *, since: dt.date, today: dt.date) -> None:
    """Put a VTIMEZONE for every TZID the events use first in the calendar (RFC 5545
    §3.6.5), each right from `since` on and for every later year."""
    present = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    zones = [
        vtimezone(tzid, since=since, today=today)
        for tzid in used_tzids(calendar)
        if tzid not in present
    ]
    calendar.subcomponents[0:0] = zones
