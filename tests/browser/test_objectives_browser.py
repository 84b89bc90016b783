"""The CISO shapes the programme in a real browser: an objective that says why the business
should care, a measure with a sample, and the order of priority changed in place; the head
then reads it beside their own goal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from objectives.models import Measure, SecurityObjective
from tests import factories
from tests.browser.axe import assert_accessible


def test_ciso_creates_an_objective_with_a_measure_and_reorders_in_place(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    head_a: Any,
    dept_a: Any,
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    factories.ObjectiveFactory(title="Know who has access to what")
    login("ciso")

    page.goto(f"{live_server.url}/objectives/new/")
    page.get_by_label("Title").fill("Be ready for the bad day")
    page.get_by_label("Why the business should care").fill(
        "Customers stay when an incident is contained in minutes."
    )
    page.get_by_label("Business goals it protects or enables").select_option(str(uptime.pk))
    page.get_by_label("Pillar").select_option("incident")
    page.get_by_label("Availability").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save objective").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Be ready for the bad day")
    expect(page.get_by_role("link", name="99.95 % uptime")).to_be_visible()

    page.get_by_role("link", name="Add a measure").click()
    page.get_by_label("Title").fill("Laptops with EDR")
    page.get_by_label("Baseline").fill("40")
    page.get_by_label("Target").fill("98")
    page.get_by_label("Amber threshold").fill("90")
    page.get_by_label("Red threshold").fill("75")
    page.get_by_label("Department goals it serves").select_option(str(uptime.pk))
    page.get_by_role("button", name="Save measure").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Laptops with EDR")
    page.get_by_label("Value").fill("93")
    page.get_by_role("button", name="Record sample").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("On target")
    assert_accessible(page)
    assert Measure.objects.get().latest is not None

    # The newest objective comes last (by title here); moved up, in place.
    page.goto(f"{live_server.url}/objectives/")
    page.evaluate("window.__noReload = true")
    cards = page.locator("#objective-cards h2")
    expect(cards).to_have_text(["Be ready for the bad day", "Know who has access to what"])
    page.get_by_role("button", name="Move Know who has access to what up").click()
    expect(cards).to_have_text(["Know who has access to what", "Be ready for the bad day"])
    assert page.evaluate("window.__noReload") is True
    assert SecurityObjective.objects.first().title == "Know who has access to what"

    page.get_by_role("button", name="Log out").click()
    login("head-infrastructure")
    page.goto(live_server.url + uptime.get_absolute_url())
    expect(page.get_by_text("Customers stay when an incident is contained")).to_be_visible()
    expect(page.get_by_role("link", name="Laptops with EDR")).to_be_visible()
    assert_accessible(page)
