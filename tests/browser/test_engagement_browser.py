"""The stakeholder engagement map in a real browser: the CISO records a change of heart on a
meeting page, in place, and sees the map move, while an earlier day still shows the past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment.meetings.models import Occurrence
from alignment.models import Engagement, ReadingSource, StakeholderReading, StakeLevel
from tests import factories
from tests.browser.axe import assert_accessible

# The matrix's columns: the leader, then one per engagement level (1-based for nth-child).
COLUMN = {level: level.value + 1 for level in Engagement}


def test_the_ciso_records_an_engagement_change_from_a_meeting_and_sees_the_map_move(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    head_b: Any,
    dept_b: Any,
) -> None:
    head_b.first_name, head_b.last_name = "Marcus", "Bell"
    head_b.save()
    StakeholderReading.objects.create(
        leader=head_b,
        department=dept_b,
        current_engagement=Engagement.RESISTANT,
        desired_engagement=Engagement.SUPPORTIVE,
        influence=StakeLevel.HIGH,
        interest=StakeLevel.MEDIUM,
        recorded_at=timezone.now() - dt.timedelta(days=10),
    )
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=timezone.localdate() + dt.timedelta(days=30),
        now=timezone.now(),
    )
    start = timezone.now() - dt.timedelta(hours=2)
    occurrence = Occurrence.objects.create(
        series=series, original_start=start, start=start, end=start + dt.timedelta(minutes=45)
    )
    login("ciso")

    page.goto(live_server.url + occurrence.get_absolute_url())
    panel = page.locator("#engagement-meeting")
    expect(panel).to_contain_text("Marcus Bell")
    expect(panel).to_contain_text("Resistant")
    # The form starts from the latest reading: only what moved is changed.
    expect(page.locator("#id_engagement_current_engagement")).to_have_value("2")
    assert_accessible(page)

    page.select_option("#id_engagement_current_engagement", str(Engagement.SUPPORTIVE.value))
    page.fill("#id_engagement_note", "Offered to pilot hardware keys with the field team.")
    panel.get_by_role("button", name="Record engagement").click()
    expect(panel.get_by_role("status")).to_contain_text("Marcus Bell is now supportive")
    expect(page.get_by_role("heading", name="Minutes")).to_be_visible()  # still the meeting
    reading = StakeholderReading.objects.latest("recorded_at")
    assert (reading.source, reading.occurrence_id) == (ReadingSource.MEETING, occurrence.pk)

    page.goto(live_server.url + reverse("alignment:engagement-matrix"))
    row = page.locator(f"#engagement-row-{head_b.pk}")
    now_cell = row.locator(f"td:nth-child({COLUMN[Engagement.SUPPORTIVE]})")
    expect(now_cell).to_contain_text("Now")
    expect(now_cell).to_contain_text("Wanted")  # where we wanted him: reached
    assert_accessible(page)

    # A week ago the map showed what had been recorded by then, in place.
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    page.fill("#id_on", week_ago.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(week_ago.strftime("%-d %B %Y"))
    row = page.locator(f"#engagement-row-{head_b.pk}")
    expect(row.locator(f"td:nth-child({COLUMN[Engagement.RESISTANT]})")).to_contain_text("Now")
    expect(row.locator(f"td:nth-child({COLUMN[Engagement.SUPPORTIVE]})")).not_to_contain_text("Now")
    expect(page).to_have_url(f"{live_server.url}/engagement/?on={week_ago.isoformat()}")

    page.get_by_role("link", name="Marcus Bell").click()
    expect(page.locator("#engagement-history")).to_contain_text("Offered to pilot hardware keys")
