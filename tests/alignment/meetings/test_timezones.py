"""VTIMEZONEs in the conventional form (yearly rules), right for every later year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from alignment.meetings import timezones

SINCE = dt.date(2026, 3, 10)
TODAY = dt.date(2026, 3, 2)
# Sampled through every season of every year, up to well past the rules' check.
MOMENTS = [
    dt.datetime(2026, 3, 10, tzinfo=dt.UTC) + dt.timedelta(hours=h)
    for h in range(0, 24 * 366 * 45, 24 * 6 + 7)
]


def observances(component: object) -> list[tuple[str, dict[str, str]]]:
    return [
        (sub.name, {name: sub[name].to_ical().decode() for name in ("RRULE", "DTSTART")})
        for sub in component.subcomponents  # type: ignore[attr-defined]
        if "RRULE" in sub
    ]


def test_berlin_is_one_standard_and_one_daylight_with_yearly_rules() -> None:
    zone = timezones.vtimezone("Europe/Berlin", since=SINCE, today=TODAY)
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert observances(zone) == [
        ("DAYLIGHT", {"RRULE": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "DTSTART": "20250330T020000"}),
        ("STANDARD", {"RRULE": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "DTSTART": "20251026T030000"}),
    ]
    assert "UNTIL" not in zone.to_ical().decode()


def test_sydney_changes_the_other_way_round() -> None:
    zone = timezones.vtimezone("Australia/Sydney", since=SINCE, today=TODAY)
    daylight = zone.walk("DAYLIGHT")[0]
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=+1SU;BYMONTH=10"
    assert daylight["TZOFFSETTO"].td == dt.timedelta(hours=11)
    assert len(zone.subcomponents) == 2


@pytest.mark.parametrize("tzid", ["Asia/Kolkata", "UTC"])
def test_a_zone_without_daylight_saving_is_one_standard_observance(tzid: str) -> None:
    zone = timezones.vtimezone(tzid, since=SINCE, today=TODAY)
    (standard,) = zone.subcomponents
    assert standard.name == "STANDARD"
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td


def test_a_zone_no_yearly_rule_fits_gets_dated_changes_one_per_line() -> None:
    # Morocco follows Ramadan; ical.js reads only the first date of an RDATE line.
    zone = timezones.vtimezone("Africa/Casablanca", since=SINCE, today=TODAY)
    text = zone.to_ical().decode()
    assert "RRULE" not in text
    assert all("," not in line for line in text.splitlines() if line.startswith("RDATE"))


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Berlin",
        "Europe/Dublin",
        "America/New_York",
        "America/Santiago",
        "America/Nuuk",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Pacific/Auckland",
        "Asia/Jerusalem",
        "Asia/Kolkata",
        "Africa/Casablanca",
    ],
)
def test_the_vtimezone_read_back_gives_zoneinfo_offsets_for_decades(tzid: str) -> None:
    # icalendar builds a time zone from the VTIMEZONE alone (dateutil reads the rules).
    read = timezones.vtimezone(tzid, since=SINCE, today=TODAY).to_tz(lookup_tzid=False)
    zone = ZoneInfo(tzid)
    wrong = [m for m in MOMENTS if m.astimezone(read).utcoffset() != m.astimezone(zone).utcoffset()]
    assert wrong == []


def test_add_timezones_covers_every_tzid_an_event_uses_once() -> None:
    calendar = Calendar()
    event = Event()
    event.add("dtstart", dt.datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Europe/Berlin")))
    event.add("exdate", [dt.datetime(2026, 3, 17, 9, tzinfo=ZoneInfo("Europe/Berlin"))])
    event.add("recurrence-id", dt.datetime(2026, 3, 24, 9, tzinfo=ZoneInfo("Asia/Kolkata")))
    event.add("dtend", dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC))
    calendar.add_component(event)
    timezones.add_timezones(calendar, since=SINCE, today=TODAY)
    timezones.add_timezones(calendar, since=SINCE, today=TODAY)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Berlin", "Asia/Kolkata"]
    assert calendar.subcomponents[0].name == "VTIMEZONE"
    assert calendar.get_missing_tzids() == set()
