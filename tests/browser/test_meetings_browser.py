"""Meetings in a real browser: a monthly one-on-one from the form, its meetings listed, and
an action item added and ticked on the meeting page without a reload."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment.meetings.models import ActionItem, MeetingSeries
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PageGuard


def test_the_ciso_schedules_a_monthly_one_on_one_and_ticks_an_action_item(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    head_b: Any,
    dept_b: Any,
    page_guard: PageGuard,
) -> None:
    head_b.first_name, head_b.last_name = "Marcus", "Bell"
    head_b.save()
    grace = factories.UserFactory(username="ghopper", first_name="Grace", last_name="Hopper")
    factories.UserFactory(username="gbell", first_name="Grace", last_name="Bell")
    login("ciso")
    page.goto(f"{live_server.url}/meetings/series/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New meeting series")
    assert_accessible(page)

    first = timezone.localdate() + dt.timedelta(days=7)
    page.select_option("#id_kind", "one_on_one")
    page.fill("#id_title", "Sales and security")
    page.select_option("#id_department", str(dept_b.pk))
    page.select_option("#id_leader", str(head_b.pk))
    page.fill("#id_start_date", first.isoformat())
    page.fill("#id_start_time", "09:30")
    page.select_option("#id_preset", "monthly")
    expect(page.locator("#id_custom_rule")).to_be_hidden()  # only for a custom rule
    # Attendees are picked by typing part of a name: of the two Graces, the one typed.
    picker = page.get_by_role("combobox", name="Attendees")
    picker.click()
    picker.press_sequentially("hopp")
    option = page.get_by_role("option", name="Grace Hopper (ghopper, ghopper@example.com)")
    expect(option).to_be_visible()
    other = page.get_by_role("option", name="Grace Bell (gbell, gbell@example.com)")
    expect(other).to_have_count(0)
    option.click()
    expect(page.locator("#id_attendees")).to_have_values([str(grace.pk)])
    page.keyboard.press("Escape")

    # Refused without a title (422): the form comes back with the person still picked.
    page.fill("#id_title", "")
    page.get_by_role("button", name="Schedule and invite").click()
    expect(page.locator("#id_title")).to_have_class(re.compile("is-invalid"))
    page_guard.forgive(422)
    picked = page.locator(".ts-control .item")
    expect(picked).to_have_count(1)
    expect(picked).to_have_attribute("data-value", str(grace.pk))
    expect(picked).to_contain_text("Grace Hopper (ghopper, ghopper@example.com)")
    page.fill("#id_title", "Sales and security")
    page.get_by_role("button", name="Schedule and invite").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales and security")
    expect(page.get_by_text("Monthly on the")).to_be_visible()
    rows = page.locator("#occurrence-table tbody tr")
    expect(rows).to_have_count(MeetingSeries.objects.get().occurrences.count())
    assert rows.count() >= 3
    expect(rows.first).to_contain_text(first.strftime("%-d %b %Y"))
    attending = MeetingSeries.objects.get().attendees.values_list("user__username", flat=True)
    assert set(attending) == {"ciso", "head-sales", "ghopper"}
    assert_accessible(page)

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Action items", exact=True)).to_be_visible()
    page.fill("#id_title", "Send the list of standard changes")
    page.select_option("#id_owner", str(head_b.pk))
    page.get_by_role("button", name="Add action item").click()

    item = page.locator("#action-item-list li", has_text="Send the list of standard changes")
    expect(item).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("")  # a fresh form for the next one
    saved = ActionItem.objects.get()
    assert saved.owner == head_b

    item.get_by_role("checkbox").check()
    expect(page.locator(f"#action-item-{saved.pk}")).to_contain_text("done")
    saved.refresh_from_db()
    assert saved.done
    assert_accessible(page)

    page.reload()
    expect(page.locator(f"#done-{saved.pk}")).to_be_checked()
