"""The one click in a real browser (issue 11): the CISO of the demo company, who has a
weekly briefing, a senior-leadership meeting and a joint meeting but no one-on-one yet,
schedules one with every key leader, then reads the meetings list: one one-on-one per
key leader, and no two of the CISO's meetings at the same time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment.meetings import scheduling
from alignment.meetings.demo import seed_meetings
from alignment.meetings.models import MeetingKind, MeetingSeries
from departments.demo import DEPARTMENTS, seed_organisation
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD

# "Monday 9 March 2026, 10:00–10:45 (Europe/Berlin)", under the meeting page's title.
WHEN = re.compile(r"(\d{1,2} \w+ \d{4}), (\d{2}:\d{2})–(\d{2}:\d{2}) \(([^)]+)\)")
# "Mon 9 Mar 2026, 10:00", in the meetings list.
LISTED = "%a %d %b %Y, %H:%M"
# Every head and every key leader of the demo's table of departments.
KEY_LEADERS = sum(1 + len(spec[4]) for spec in DEPARTMENTS.values())


@dataclass(frozen=True)
class Shown:
    title: str
    start: dt.datetime
    end: dt.datetime


@pytest.fixture
def ciso_without_one_on_ones(transactional_db: None) -> Any:
    """The demo's people and meetings, its one-on-ones taken away."""
    now = timezone.now()
    organisation = seed_organisation(timezone.localdate(now))
    seed_meetings(organisation.users, now=now)
    MeetingSeries.objects.filter(kind=MeetingKind.ONE_ON_ONE).delete()
    ciso = organisation.users["ciso"]
    ciso.set_password(PASSWORD)  # the demo's logins share its published password
    ciso.save(update_fields=["password"])
    assert MeetingSeries.objects.exclude(organiser=ciso).count() == 0
    return ciso


def shown_meeting(page: Page, title: str, listed: str) -> Shown:
    """The start and end the meeting page shows, checked against the list's start."""
    when = page.locator("h1 + p").first.inner_text()
    found = WHEN.search(when)
    assert found is not None, when
    day, start, end, zone = found.groups()
    tz = ZoneInfo(zone)
    begins = dt.datetime.strptime(f"{day} {start}", "%d %B %Y %H:%M").replace(tzinfo=tz)
    ends = dt.datetime.strptime(f"{day} {end}", "%d %B %Y %H:%M").replace(tzinfo=tz)
    if ends <= begins:  # over midnight
        ends += dt.timedelta(days=1)
    assert dt.datetime.strptime(listed, LISTED).replace(tzinfo=tz) == begins, (listed, when)
    return Shown(title, begins, ends)


def test_one_click_books_every_key_leader_and_no_two_meetings_at_once(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso_without_one_on_ones: Any,
) -> None:
    ciso = ciso_without_one_on_ones
    leaders = scheduling.key_leaders()
    assert len(leaders) == KEY_LEADERS

    login(ciso.username)
    page.goto(f"{live_server.url}/meetings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    page.get_by_role("button", name="Schedule one-on-ones with every key leader").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/")
    expect(page.get_by_text(f"{KEY_LEADERS} monthly one-on-ones scheduled.")).to_be_visible()
    expect(page.get_by_text("No time without a clash")).to_have_count(0)
    assert_accessible(page)

    kinds = page.locator("#series-table tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds.count("One-on-one") == KEY_LEADERS
    assert (
        MeetingSeries.objects.filter(
            organiser=ciso, kind=MeetingKind.ONE_ON_ONE, active=True
        ).count()
        == KEY_LEADERS
    )

    # The next 30 days as listed (one page: the list does not paginate), each meeting's
    # end read from its own page.
    rows = page.locator("#upcoming-meetings tbody tr")
    listed = [
        (
            row.locator("td").nth(0).inner_text().strip(),
            row.get_by_role("link").inner_text().strip(),
            row.get_by_role("link").get_attribute("href") or "",
        )
        for row in rows.all()
    ]
    assert all(href.startswith("/meetings/") for _start, _title, href in listed), listed
    shown: list[Shown] = []
    for start, title, href in listed:
        page.goto(live_server.url + href)
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        shown.append(shown_meeting(page, title, start))

    one_on_ones = [s for s in shown if s.title.startswith("One-on-one: ")]
    assert len(one_on_ones) >= KEY_LEADERS // 2, shown  # the test reads real one-on-ones
    assert any(not s.title.startswith("One-on-one: ") for s in shown)  # and the others
    ordered = sorted(shown, key=lambda s: s.start)
    clashes = [(a, b) for a, b in pairwise(ordered) if b.start < a.end]
    assert clashes == [], "the CISO is booked twice at once:\n" + "\n".join(
        f"{a.title} {a.start:%a %d %b %H:%M}–{a.end:%H:%M} and "
        f"{b.title} {b.start:%a %d %b %H:%M}–{b.end:%H:%M}"
        for a, b in clashes
    )
