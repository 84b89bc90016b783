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
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Untyped until types-python-dateutil joins the test dependencies (pyproject.toml).
from dateutil.rrule import rrule, rrulestr

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
SEARCH_SECONDS = 0.5
MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


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


def _until_utc(value: str, zone: ZoneInfo) -> str:
    """UNTIL as RFC 5545 wants it next to a TZID'd DTSTART: a UTC date-time."""
    try:
        if len(value) == 8:  # a date: the whole local day counts
            day = dt.datetime.strptime(value, "%Y%m%d")
            local = day.replace(hour=23, minute=59, second=59, tzinfo=zone)
        elif value.endswith("Z"):
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)
    except ValueError as error:
        raise RuleError(f"UNTIL={value} is not a date (YYYYMMDD) or date-time.") from error
    return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def normalise(rule: str, *, first_start: dt.datetime, tz: str) -> str:
    """Check `rule` and return it in canonical form (upper case, UNTIL in UTC).

    `first_start` is the naive local start of the first meeting. Raises RuleError with a
    sentence a person can act on.
    """
    zone = ZoneInfo(tz)
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
        values["UNTIL"] = _until_utc(values["UNTIL"], zone)
    if _impossible_day(values):
        raise RuleError("No month in this rule has that day.")
    canonical = ";".join(f"{name}={values[name]}" for name, _ in parts)
    try:
        parsed = _parse(canonical, first_start.replace(tzinfo=zone))
    except (ValueError, TypeError, IndexError) as error:
        raise RuleError(f"Not a valid rule: {error}.") from error
    if not _has_an_instance(parsed):
        raise RuleError("This rule produces no meeting in the next few years.")
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


def _has_an_instance(parsed: rrule) -> bool:
    """Whether the rule yields at least one start, decided within a time limit.

    dateutil yields nothing for an impossible rule (30 February, the 2nd Monday of a
    week) but keeps stepping to the year 9999 first, which takes seconds; it cannot be
    interrupted, so the search runs in a thread that is abandoned after SEARCH_SECONDS.
    """
    found: list[bool] = []

    def search() -> None:
        try:
            found.append(next(iter(parsed), None) is not None)
        except (ValueError, IndexError, OverflowError):
            found.append(False)

    worker = threading.Thread(target=search, daemon=True)
    worker.start()
    worker.join(SEARCH_SECONDS)
    return bool(found and found[0])


def _parse(rule: str, dtstart: dt.datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=dtstart, forceset=False, cache=False)
    if not isinstance(parsed, rrule):  # pragma: no cover - forceset=False gives an rrule
        raise RuleError("One rule only.")
    return parsed


@dataclass(frozen=True)
class Schedule:
    """What expansion needs: the rule, the first start (naive, local) and the zone."""

    rule: str
    first_start: dt.datetime
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def local_start(self) -> dt.datetime:
        return self.first_start.replace(tzinfo=self.zone)

    def between(self, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
        """Starts (aware, UTC) of the meetings with after <= start < before."""
        zone = self.zone
        parsed = _parse(self.rule, self.local_start())
        starts = parsed.between(after.astimezone(zone), before.astimezone(zone), inc=True)
        return [start.astimezone(UTC) for start in starts if start < before]

    def first_on_or_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first start (aware, UTC) at or after `moment`."""
        parsed = _parse(self.rule, self.local_start())
        found = parsed.after(moment.astimezone(self.zone), inc=True)
        return found.astimezone(UTC) if found else None

    def last(self) -> dt.datetime | None:
        """The last start (aware, UTC) of a bounded rule (COUNT or UNTIL); None if unbounded."""
        if "COUNT=" not in self.rule and "UNTIL=" not in self.rule:
            return None
        starts = list(_parse(self.rule, self.local_start()))
        return starts[-1].astimezone(UTC) if starts else None


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
