"""Recurrence rules: presets, custom rules, and expansion in local wall time across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from alignment.meetings.recurrence import (
    Preset,
    RuleError,
    Schedule,
    describe,
    normalise,
    nth_weekday,
    preset_of,
    preset_rule,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 3, 10), (2, "TU")),
        (dt.date(2026, 3, 2), (1, "MO")),
        (dt.date(2026, 3, 28), (4, "SA")),
        (dt.date(2026, 3, 31), (-1, "TU")),  # a fifth Tuesday is "the last"
    ],
)
def test_nth_weekday_names_the_rank_of_the_day_in_its_month(
    day: dt.date, expected: tuple[int, str]
) -> None:
    assert nth_weekday(day) == expected


@pytest.mark.parametrize(
    ("preset", "rule"),
    [
        (Preset.WEEKLY, "FREQ=WEEKLY;BYDAY=TU"),
        (Preset.FORTNIGHTLY, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        (Preset.MONTHLY, "FREQ=MONTHLY;BYDAY=+2TU"),
        (Preset.QUARTERLY, "FREQ=MONTHLY;INTERVAL=3;BYDAY=+2TU"),
    ],
)
def test_presets_are_anchored_on_the_first_meeting(preset: str, rule: str) -> None:
    first = dt.date(2026, 3, 10)  # the second Tuesday of March
    assert preset_rule(preset, first) == rule
    assert preset_of(rule, first) == preset


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(RuleError):
        preset_rule("hourly", dt.date(2026, 3, 10))


def test_a_custom_rule_is_custom() -> None:
    assert preset_of("FREQ=WEEKLY;BYDAY=MO,TH", dt.date(2026, 3, 9)) == Preset.CUSTOM
    assert describe("FREQ=WEEKLY;BYDAY=MO,TH", dt.date(2026, 3, 9)).startswith("Custom")
    assert describe("FREQ=MONTHLY;BYDAY=+2TU", dt.date(2026, 3, 10)) == (
        "Monthly on the second Tuesday"
    )


def test_the_monthly_preset_meets_on_the_second_tuesday_every_month() -> None:
    schedule = Schedule(
        preset_rule(Preset.MONTHLY, dt.date(2026, 1, 13)), dt.datetime(2026, 1, 13, 9), "UTC"
    )
    starts = schedule.between(utc(2026, 1, 1), utc(2026, 7, 1))
    assert [s.date() for s in starts] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
        dt.date(2026, 5, 12),
        dt.date(2026, 6, 9),
    ]


def test_the_quarterly_preset_meets_every_third_month() -> None:
    rule = preset_rule(Preset.QUARTERLY, dt.date(2026, 1, 8))
    schedule = Schedule(rule, dt.datetime(2026, 1, 8, 14), "UTC")
    starts = schedule.between(utc(2026, 1, 1), utc(2027, 1, 1))
    assert [(s.month, s.day) for s in starts] == [(1, 8), (4, 9), (7, 9), (10, 8)]


def test_fortnightly_skips_a_week() -> None:
    schedule = Schedule("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", dt.datetime(2026, 3, 4, 9), "UTC")
    starts = schedule.between(utc(2026, 3, 1), utc(2026, 4, 2))
    assert [s.day for s in starts] == [4, 18, 1]


def test_a_berlin_meeting_stays_at_nine_local_across_both_dst_changes() -> None:
    """Weekly 09:00 Europe/Berlin from February to December 2026.

    Europe changes on 29 March and 25 October; the United States on 8 March and
    1 November. Local time stays 09:00 throughout; UTC moves 08:00 → 07:00 → 08:00.
    """
    schedule = Schedule("FREQ=WEEKLY;BYDAY=TU", dt.datetime(2026, 2, 3, 9), "Europe/Berlin")
    starts = schedule.between(utc(2026, 2, 1), utc(2026, 12, 31))
    assert all(s.tzinfo == UTC for s in starts)
    assert {s.astimezone(BERLIN).time() for s in starts} == {dt.time(9, 0)}
    by_day = {s.date(): s.time() for s in starts}
    assert by_day[dt.date(2026, 3, 24)] == dt.time(8, 0)  # before Europe's change
    assert by_day[dt.date(2026, 3, 31)] == dt.time(7, 0)  # after it
    assert by_day[dt.date(2026, 10, 20)] == dt.time(7, 0)
    assert by_day[dt.date(2026, 10, 27)] == dt.time(8, 0)


def test_a_new_york_meeting_stays_at_nine_local_across_the_us_changes() -> None:
    schedule = Schedule("FREQ=WEEKLY;BYDAY=MO", dt.datetime(2026, 3, 2, 9), "America/New_York")
    starts = schedule.between(utc(2026, 3, 1), utc(2026, 11, 10))
    assert {s.astimezone(NEW_YORK).time() for s in starts} == {dt.time(9, 0)}
    by_day = {s.date(): s.time() for s in starts}
    assert by_day[dt.date(2026, 3, 2)] == dt.time(14, 0)  # EST, UTC−5
    assert by_day[dt.date(2026, 3, 9)] == dt.time(13, 0)  # EDT, UTC−4, from 8 March
    assert by_day[dt.date(2026, 11, 2)] == dt.time(14, 0)  # EST again from 1 November


def test_expanding_in_utc_would_drift_which_is_why_we_do_not() -> None:
    """The control: the same rule expanded with a UTC start drifts an hour in local time."""
    drifting = Schedule("FREQ=WEEKLY;BYDAY=TU", dt.datetime(2026, 2, 3, 8), "UTC")
    locals_ = {
        s.astimezone(BERLIN).time() for s in drifting.between(utc(2026, 2, 1), utc(2026, 5, 1))
    }
    assert locals_ == {dt.time(9, 0), dt.time(10, 0)}


def test_between_includes_the_first_bound_and_excludes_the_second() -> None:
    schedule = Schedule("FREQ=DAILY", dt.datetime(2026, 3, 1, 9), "UTC")
    starts = schedule.between(utc(2026, 3, 1, 9), utc(2026, 3, 3, 9))
    assert starts == [utc(2026, 3, 1, 9), utc(2026, 3, 2, 9)]


def test_first_on_or_after_and_last() -> None:
    schedule = Schedule("FREQ=WEEKLY;BYDAY=TU;COUNT=3", dt.datetime(2026, 3, 3, 9), "UTC")
    assert schedule.first_on_or_after(utc(2026, 3, 4)) == utc(2026, 3, 10, 9)
    assert schedule.last() == utc(2026, 3, 17, 9)
    assert schedule.first_on_or_after(utc(2026, 4, 1)) is None
    assert Schedule("FREQ=WEEKLY", dt.datetime(2026, 3, 3, 9), "UTC").last() is None


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("freq=monthly;byday=+2tu", "FREQ=MONTHLY;BYDAY=+2TU"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;BYDAY=MO,TH"),
        # UNTIL becomes UTC, as RFC 5545 requires beside a DTSTART with a TZID; a date
        # means "until the end of that local day".
        ("FREQ=WEEKLY;UNTIL=20261231", "FREQ=WEEKLY;UNTIL=20261231T225959Z"),
        ("FREQ=WEEKLY;UNTIL=20260701T090000", "FREQ=WEEKLY;UNTIL=20260701T070000Z"),
        ("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6", "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6"),
    ],
)
def test_custom_rules_are_validated_and_normalised(rule: str, expected: str) -> None:
    assert normalise(rule, first_start=dt.datetime(2026, 3, 10, 9), tz="Europe/Berlin") == expected


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "one RRULE line"),
        ("garbage", "not NAME=VALUE"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=WEEKLY;BYHOUR=9,14", "BYHOUR cannot be used"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "COUNT or UNTIL"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be"),
        ("FREQ=WEEKLY;COUNT=many", "COUNT must be"),
        ("FREQ=WEEKLY;FREQ=DAILY", "appears twice"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL=TOMORROW"),
        ("FREQ=MONTHLY;BYDAY=+2XX", "Not a valid rule"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "No month"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "no meeting"),
        ("FREQ=WEEKLY;UNTIL=20200101", "no meeting"),
    ],
)
def test_bad_custom_rules_are_refused_with_a_reason(rule: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        normalise(rule, first_start=dt.datetime(2026, 3, 10, 9), tz="Europe/Berlin")


def test_an_impossible_rule_is_refused_quickly() -> None:
    """dateutil would walk to the year 9999 looking for 30 February; we stop early."""
    started = dt.datetime.now()
    with pytest.raises(RuleError):
        normalise(
            "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
            first_start=dt.datetime(2026, 3, 10, 9),
            tz="UTC",
        )
    assert dt.datetime.now() - started < dt.timedelta(seconds=2)
