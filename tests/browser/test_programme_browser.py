"""The CISO runs the quarter in a real browser: a sample recorded, the programme review
walked item by item with an action item decided beside one, the review finished; then the
posture report given its words and frozen as a board pack, which an executive approves and
downloads as a PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from playwright.sync_api import Page, expect

from alignment.meetings.models import ActionItem
from alignment.models import BoardPack, PackStatus, ProgrammeReview
from tests import factories
from tests.browser.axe import assert_accessible

NARRATIVE = "Nine laptops in ten now report to EDR; the last tenth are the contractors' machines."
OBJECTIVE = "Know what runs on our laptops"
MEASURE = "Laptops with EDR"
INITIATIVE = "Roll out EDR"
ACTION = "Enrol the contractors' laptops in EDR"


def test_ciso_reviews_the_programme_and_an_executive_approves_the_board_pack(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    executive: Any,
    dept_a: Any,
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    objective = factories.ObjectiveFactory(title=OBJECTIVE)
    measure: Any = factories.MeasureFactory(objective=objective, title=MEASURE)
    initiative = factories.InitiativeFactory(objective=objective, title=INITIATIVE)
    factories.LinkFactory(initiative=initiative, goal=uptime)
    base = live_server.url

    # --- a sample on the measure ---
    login("ciso")
    page.goto(base + reverse("objectives:measure-detail", args=[measure.pk]))
    page.get_by_label("Value").fill("93")
    page.get_by_role("button", name="Record sample").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("On target")

    # --- the programme review, walked item by item ---
    page.goto(f"{base}/reviews/")
    page.get_by_role("button", name="Open this quarter's review").click()
    review = ProgrammeReview.objects.get()
    expect(page).to_have_url(base + review.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open")
    items = page.locator("li.card[id^='item-']")
    expect(items).to_have_count(2)
    expect(items.nth(0).get_by_role("heading", level=2)).to_contain_text(OBJECTIVE)
    expect(items.nth(1).get_by_role("heading", level=2)).to_contain_text(INITIATIVE)
    assert_accessible(page)

    # Each save reloads the page (at the item's anchor); the verdict's badge then shows.
    findings = [
        ("Yes", "Yes", "Keep", "Working as intended."),
        ("Yes", "No", "Adjust", "Slower than planned."),
    ]
    for index, (relevant, effective, verdict, note) in enumerate(findings):
        item = items.nth(index)
        item.get_by_label("Still relevant?").select_option(label=relevant)
        item.get_by_label("Effective?").select_option(label=effective)
        item.get_by_label("Verdict").select_option(label=verdict)
        item.get_by_label("Note").fill(note)
        item.get_by_role("button", name="Save findings").click()
        expect(item.locator(".badge", has_text=verdict)).to_be_visible()
    expect(page.locator("#remaining-note")).to_contain_text("0 items still without a verdict")

    # An action item beside the initiative, added in place (htmx).
    page.evaluate("window.__noReload = true")
    actions = items.nth(1).get_by_role("region", name="Action items")
    actions.get_by_role("textbox", name="Action").fill(ACTION)
    actions.get_by_label("Owner").select_option(label=executive.get_full_name())
    due = dt.date.today() + dt.timedelta(days=30)
    actions.get_by_label("Due (optional)").fill(due.isoformat())
    actions.get_by_role("button", name="Add action item").click()
    listed = items.nth(1).get_by_role("region", name="Action items").get_by_role("listitem")
    expect(listed.filter(has_text=ACTION)).to_contain_text(executive.get_full_name())
    assert page.evaluate("window.__noReload") is True
    # The form is blank again, ready for the next one.
    expect(items.nth(1).get_by_role("textbox", name="Action")).to_have_value("")
    assert ActionItem.objects.get().owner == executive

    page.get_by_role("button", name="Finish the review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished")
    expect(page.get_by_text("kept as it was")).to_be_visible()
    expect(page.get_by_role("button", name="Save findings")).to_have_count(0)
    expect(page.get_by_role("button", name="Finish the review")).to_have_count(0)
    expect(page.get_by_role("button", name="Add action item")).to_have_count(0)
    expect(listed.filter(has_text=ACTION)).to_contain_text(f"due {due.day} {due:%b %Y}")
    expect(items.nth(0)).to_contain_text("Still relevant: yes · effective: yes")
    assert_accessible(page)
    review.refresh_from_db()
    assert not review.is_open

    # --- the posture report, its narrative, and the board pack ---
    page.goto(f"{base}/report/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Security posture report")
    expect(page.get_by_text(MEASURE).first).to_be_visible()
    page.get_by_role("link", name="Write the narrative").click()
    expect(page).to_have_url(f"{base}/report/edit/")
    page.get_by_label("Measures against targets: what the board should take from it").fill(
        NARRATIVE
    )
    page.get_by_role("button", name="Save the report's words").click()
    expect(page).to_have_url(f"{base}/report/")
    measures = page.get_by_role("region", name="Measures against targets")
    expect(measures.get_by_text(NARRATIVE)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Freeze as a board pack").click()
    pack = BoardPack.objects.get()
    expect(page).to_have_url(base + pack.get_absolute_url())
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Board pack 1, ")
    expect(heading).to_contain_text("Awaiting approval")
    expect(page.get_by_role("region", name="Integrity")).to_contain_text("Verified")
    expect(page.get_by_text(NARRATIVE)).to_be_visible()
    # Only an executive approves.
    expect(page.get_by_role("button", name="Approve this pack")).to_have_count(0)
    assert_accessible(page)

    # --- the executive approves and downloads the PDF ---
    page.get_by_role("button", name="Log out").click()
    login(executive.username)
    page.goto(base + pack.get_absolute_url())
    page.get_by_role("button", name="Approve this pack").click()
    expect(heading).to_contain_text("Approved")
    expect(page.get_by_role("button", name="Approve this pack")).to_have_count(0)
    expect(page.get_by_role("region", name="Lifecycle")).to_contain_text("Approved on")
    expect(page.get_by_role("region", name="Integrity")).to_contain_text("Verified")
    assert_accessible(page)
    pack.refresh_from_db()
    assert pack.status == PackStatus.APPROVED
    assert pack.approved_by == executive
    assert pack.verifies()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
