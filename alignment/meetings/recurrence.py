"""Recurrence rules (RFC 5545 RRULE) for meeting series: presets, validation, expansion.

A series is defined in local wall time: "every second Tuesday at 09:00 Europe/Berlin".
Expansion therefore happens in that zone (a zone-aware DTSTART; dateutil steps the wall
clock, zoneinfo gives each instance its own offset) and only then is converted to UTC.
That keeps 09:00 at 09:00 local across daylight-saving changes, where expanding in UTC
would drift by an hour twice a year.

Times that do not exist locally (02:30 on the spring-forward night) resolve as zoneinfo
does (fold 0: the offset before the change), which lands an hour later on the wall clock;
ambiguous autumn times take their first (summer-time) reading.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

# Untyped until types-python-dateutil joins the test dependencies (pyproject.toml).
from dateutil.rrule import rrule, rrulestr
from django.conf import settings

UTC = dt.UTC
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Parts a meeting rule may use. BYHOUR/BYMINUTE/BYSECOND would turn one series into
# several meetings a day; the time of day is the series' start time instead.
ALLOWED_PARTS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
MAX_RULE_LENGTH = 300
MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
# The most starts one period of each frequency can hold (no BYHOUR and the like: one a
# day), hence the widest BYSETPOS that can ever match.
PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
# The Gregorian calendar repeats itself every 400 years, weekdays and leap days included.
CYCLE_YEARS = 400
# The earliest year a series may begin in: no zone arithmetic near year 1.
FIRST_YEAR = 1970


def horizon_years() -> int:
    """How far past its first start a series is ever expanded (settings)."""
    return int(settings.MEETING_SERIES_HORIZON_YEARS)


def max_occurrences() -> int:
    """The most starts one expansion of a series yields (settings)."""
    return int(settings.MEETING_SERIES_MAX_OCCURRENCES)


def last_first_year() -> int:
    """The latest year a series may begin in: its horizon, in any zone, stays before 9999."""
    return dt.MAXYEAR - horizon_years() - 2


def horizon_end(first_start: dt.datetime) -> dt.datetime:
    """The end of the series' horizon: `first_start` (naive or aware) plus the horizon years.

    A 29 February start ends on 28 February.
    """
    years = horizon_years()
    # Two days before the end of 9999: a start up to then converts to UTC from any zone.
    last = dt.datetime(dt.MAXYEAR, 12, 29, 23, 59, 59, tzinfo=first_start.tzinfo)
    if first_start.year + years > dt.MAXYEAR:
        return last
    try:
        end = first_start.replace(year=first_start.year + years)
    except ValueError:  # 29 February, into a common year
        end = first_start.replace(year=first_start.year + years, day=28)
    return min(end, last)


class Preset:
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    CUSTOM = "custom"

    CHOICES = [
        (WEEKLY, "Weekly"),
        (FORTNIGHTLY, "Fortnightly"),
        (MONTHLY, "Monthly, on the same weekday of the month"),
        (QUARTERLY, "Quarterly, on the same weekday of the month"),
        (CUSTOM, "Custom rule (RFC 5545 RRULE)"),
    ]


class RuleError(ValueError):
    """A recurrence rule that is malformed or not fit for a meeting; the message says why."""


def nth_weekday(day: dt.date) -> tuple[int, str]:
    """(n, weekday) of `day` in its month: 2nd Tuesday → (2, "TU"); a 5th one is "last" (-1)."""
    n = (day.day - 1) // 7 + 1
    return (-1 if n == 5 else n), WEEKDAYS[day.weekday()]


def preset_rule(preset: str, first_day: dt.date) -> str:
    """The RRULE for a preset, anchored on the weekday (and its rank) of the first meeting."""
    n, weekday = nth_weekday(first_day)
    byday = f"{n:+d}{weekday}"
    rules = {
        Preset.WEEKLY: f"FREQ=WEEKLY;BYDAY={weekday}",
        Preset.FORTNIGHTLY: f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}",
        Preset.MONTHLY: f"FREQ=MONTHLY;BYDAY={byday}",
        Preset.QUARTERLY: f"FREQ=MONTHLY;INTERVAL=3;BYDAY={byday}",
    }
    if preset not in rules:
        raise RuleError(f"Unknown preset {preset!r}.")
    return rules[preset]


def preset_of(rule: str, first_day: dt.date) -> str:
    """The preset that produces `rule` from `first_day`, or CUSTOM."""
    for preset, _label in Preset.CHOICES[:-1]:
        if preset_rule(preset, first_day) == rule:
            return preset
    return Preset.CUSTOM


def _parts(rule: str) -> list[tuple[str, str]]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or len(text) > MAX_RULE_LENGTH:
        raise RuleError("Write one RRULE line, e.g. FREQ=MONTHLY;BYDAY=+2TU.")
    parts = []
    for chunk in text.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise RuleError(f"{chunk!r} is not NAME=VALUE.")
        parts.append((name.strip().upper(), value.strip().upper()))
    return parts


def _until_utc(value: str, zone: ZoneInfo, first_start: dt.datetime) -> str:
    """UNTIL as RFC 5545 wants it next to a TZID'd DTSTART: a UTC date-time.

    An UNTIL past the horizon is refused (not clipped), so the stored rule says what the
    calendars show.
    """
    try:
        if len(value) == 8:  # a date: the whole local day counts
            day = dt.datetime.strptime(value, "%Y%m%d")
            local = day.replace(hour=23, minute=59, second=59, tzinfo=zone)
        elif value.endswith("Z"):
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)
        end = horizon_end(first_start.replace(tzinfo=zone))
        beyond = local > end
        until = local.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise RuleError(f"UNTIL={value} is not a date (YYYYMMDD) or date-time.") from error
    if beyond:
        raise RuleError(
            f"UNTIL may be at most {horizon_years()} years after the first meeting, "
            f"on or before {end:%d %B %Y}."
        )
    return until.strftime("%Y%m%dT%H%M%SZ")


def normalise(rule: str, *, first_start: dt.datetime, tz: str) -> str:
    """Check `rule` and return it in canonical form (upper case, UNTIL in UTC).

    `first_start` is the naive local start of the first meeting. Raises RuleError with a
    sentence a person can act on.
    """
    zone = ZoneInfo(tz)
    if not FIRST_YEAR <= first_start.year <= last_first_year():
        raise RuleError(f"The first meeting must be between {FIRST_YEAR} and {last_first_year()}.")
    parts = _parts(rule)
    names = [name for name, _ in parts]
    unknown = sorted(set(names) - ALLOWED_PARTS)
    if unknown:
        raise RuleError(
            f"{', '.join(unknown)} cannot be used: a meeting happens once a day at its start time."
        )
    if len(names) != len(set(names)):
        raise RuleError("A part of the rule appears twice.")
    values = dict(parts)
    if values.get("FREQ") not in ALLOWED_FREQS:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.")
    if "COUNT" in values and "UNTIL" in values:
        raise RuleError("Use COUNT or UNTIL, not both.")
    for name, low, high in (("INTERVAL", 1, 99), ("COUNT", 1, 1000)):
        if name in values and not (values[name].isdigit() and low <= int(values[name]) <= high):
            raise RuleError(f"{name} must be a whole number from {low} to {high}.")
    if "UNTIL" in values:
        values["UNTIL"] = _until_utc(values["UNTIL"], zone, first_start)
    if _impossible_day(values):
        raise RuleError("No month in this rule has that day.")
    if _impossible_position(values):
        raise RuleError(
            "BYSETPOS picks a position that no period of this rule has: "
            "it needs BYDAY or BYMONTHDAY to give several days a period."
        )
    canonical = ";".join(f"{name}={values[name]}" for name, _ in parts)
    try:
        first = _first_in_horizon(canonical, first_start, zone)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as error:
        raise RuleError(f"Not a valid rule: {error}.") from error
    if first is None:
        raise RuleError(
            f"This rule produces no meeting in the {horizon_years()} years from the first one."
        )
    return canonical


def _impossible_day(values: dict[str, str]) -> bool:
    """30 February and the like, caught before dateutil searches in vain for seconds."""
    try:
        months = [int(m) for m in values.get("BYMONTH", "").split(",") if m]
        days = [int(d) for d in values.get("BYMONTHDAY", "").split(",") if d]
    except ValueError:
        return False  # dateutil reports the malformed value
    if not months or not days:
        return False
    longest = max(MONTH_DAYS.get(m, 31) for m in months)
    return all(abs(d) > longest for d in days)


def _impossible_position(values: dict[str, str]) -> bool:
    """A BYSETPOS beyond what any period holds (FREQ=DAILY;BYSETPOS=2): never a meeting."""
    try:
        positions = [int(p) for p in values.get("BYSETPOS", "").split(",") if p]
    except ValueError:
        return False  # dateutil reports the malformed value
    if not positions:
        return False
    widest = PERIOD_DAYS.get(values.get("FREQ", ""), 366)
    if values.get("FREQ") == "WEEKLY" and "BYDAY" in values:
        widest = len({day[-2:] for day in values["BYDAY"].split(",") if day})
    elif values.get("FREQ") == "WEEKLY" and "BYMONTHDAY" not in values:
        widest = 1  # the weekday of the first meeting
    return all(abs(p) > widest for p in positions)


def _first_in_horizon(rule: str, first_start: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first start (local, aware) of `rule` within the horizon, or None.

    dateutil yields nothing for an impossible rule (30 February, the 2nd Monday of a
    week) but steps on to the year 9999 before it says so, which takes seconds and cannot
    be interrupted. The search is therefore run on the same rule moved by whole 400-year
    cycles (the calendar, weekdays and leap days included, is identical there) to just
    before 9999: dateutil then gives up after at most CYCLE_YEARS + the horizon. Wall
    time only (no zone): UNTIL and the horizon are checked on the answer, in the zone.
    """
    without_end = ";".join(
        part for part in rule.split(";") if not part.startswith(("UNTIL=", "COUNT="))
    )
    cycles = max(0, (dt.MAXYEAR - 1 - horizon_years() - first_start.year) // CYCLE_YEARS)
    shift = cycles * CYCLE_YEARS
    moved = first_start.replace(year=first_start.year + shift)
    found = next(iter(_parse(without_end, moved)), None)
    if found is None:
        return None
    start = found.replace(year=found.year - shift, tzinfo=zone)
    ends = [horizon_end(first_start.replace(tzinfo=zone))]
    for part in rule.split(";"):
        if part.startswith("UNTIL="):  # canonical: a UTC date-time
            ends.append(dt.datetime.strptime(part[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
    return start if start <= min(ends) else None


def _parse(rule: str, dtstart: dt.datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=dtstart, forceset=False, cache=False)
    if not isinstance(parsed, rrule):  # pragma: no cover - forceset=False gives an rrule
        raise RuleError("One rule only.")
    return parsed


@dataclass(frozen=True)
class Schedule:
    """What expansion needs: the rule, the first start (naive, local) and the zone.

    Every expansion stops at the horizon (the first start plus
    MEETING_SERIES_HORIZON_YEARS) and after MEETING_SERIES_MAX_OCCURRENCES starts,
    whatever the rule says (COUNT, UNTIL or no end).
    """

    rule: str
    first_start: dt.datetime
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def local_start(self) -> dt.datetime:
        return self.first_start.replace(tzinfo=self.zone)

    def end(self) -> dt.datetime:
        """The horizon (aware, local): no start lies after it."""
        return horizon_end(self.local_start())

    def starts(self) -> Iterator[dt.datetime]:
        """The starts (aware, UTC) in order, within the horizon and the cap.

        A start that has no UTC reading (the first hours of the year 1 east of UTC) is
        left out rather than raising OverflowError; dateutil's own ValueError on stepping
        past the year 9999 ends the starts.
        """
        end = self.end()
        parsed = _parse(self.rule, self.local_start())
        within = islice(takewhile(lambda start: start <= end, parsed), max_occurrences())
        while True:
            try:
                start = next(within)
            except (StopIteration, ValueError, OverflowError):
                return
            try:
                yield start.astimezone(UTC)
            except OverflowError:
                continue

    def between(self, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
        """Starts (aware, UTC) of the meetings with after <= start < before."""
        found = []
        for start in self.starts():
            if start >= before:
                break
            if start >= after:
                found.append(start)
        return found

    def first_on_or_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first start (aware, UTC) at or after `moment`."""
        return next((start for start in self.starts() if start >= moment), None)

    def last(self) -> dt.datetime | None:
        """The last start (aware, UTC) of a bounded rule (COUNT or UNTIL); None if unbounded.

        Read within the horizon: at most the cap of starts is stepped through.
        """
        if "COUNT=" not in self.rule and "UNTIL=" not in self.rule:
            return None
        tail = deque(self.starts(), maxlen=1)
        return tail[0] if tail else None


def describe(rule: str, first_day: dt.date) -> str:
    """A short human description: 'Monthly on the second Tuesday'."""
    preset = preset_of(rule, first_day)
    n, weekday = nth_weekday(first_day)
    day_name = WEEKDAY_NAMES[WEEKDAYS.index(weekday)]
    if preset == Preset.WEEKLY:
        return f"Weekly on {day_name}"
    if preset == Preset.FORTNIGHTLY:
        return f"Every other {day_name}"
    if preset == Preset.MONTHLY:
        return f"Monthly on the {ORDINALS[n]} {day_name}"
    if preset == Preset.QUARTERLY:
        return f"Quarterly on the {ORDINALS[n]} {day_name}"
    return f"Custom: {rule}"
