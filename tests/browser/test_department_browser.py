"""The department head's side in a real browser: goals, inline check-ins, uploads, access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from alignment.models import Relation
from departments.models import Goal, ProcessDocument
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PageGuard
from tests.factories import PASSWORD


def log_in_as(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    """Another browser (its own cookies), guarded like the first."""
    context = browser.new_context()
    page = context.new_page()
    guard = PageGuard(page)
    yield page
    guard.forgive(422)  # the refused save, which the tests provoke on this page
    problems = guard.problems()
    context.close()
    if problems:
        pytest.fail("The second page was not clean:\n" + "\n".join(problems))


def test_head_logs_a_goal_then_a_check_in_inline_without_reload(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    head_a: Any,
    dept_a: Any,
) -> None:
    login("head-infrastructure")
    page.goto(live_server.url + reverse("departments:my-department"))
    expect(page).to_have_url(live_server.url + dept_a.get_absolute_url())

    page.get_by_role("link", name="Add a goal").click()
    page.fill("#id_title", "p95 deploy time under 15 min")
    page.select_option("#id_category", "performance")
    page.fill("#id_metric", "p95 deploy duration")
    page.fill("#id_unit", "min")
    page.fill("#id_baseline", "40")
    page.fill("#id_target", "15")
    page.fill("#id_current", "40")
    page.fill("#id_due_date", "2027-06-30")
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("p95 deploy time under 15 min")
    goal = Goal.objects.get(department=dept_a)

    page.get_by_role("link", name="Infrastructure").click()
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#goal-row-{goal.pk}")
    expect(row.locator(".goal-current")).to_have_text("40")
    row.get_by_text("Log a check-in").click()
    expect(row.get_by_label("Date")).to_have_value(dt.date.today().isoformat())

    # An empty value is refused in place, and nothing is saved.
    row.get_by_role("button", name="Record check-in").click()
    expect(row.get_by_text("This field is required.")).to_be_visible()
    assert not goal.checkins.exists()
    page_guard.forgive(422)

    row.get_by_label("Value").fill("25")
    row.get_by_label("Confidence").select_option("4")
    row.get_by_label("Comment").fill("Parallel test stages")
    row.get_by_role("button", name="Record check-in").click()

    expect(row.get_by_role("status")).to_have_text(
        "Check-in recorded: 25 min on " + (dt.date.today().strftime("%-d %b %Y")) + "."
    )
    expect(row.locator(".goal-current")).to_have_text("25")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "60")
    assert page.evaluate("window.__noReload") is True
    goal.refresh_from_db()
    assert goal.current == Decimal("25")


def test_head_of_sales_cannot_reach_the_edit_page_of_an_infrastructure_goal(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    head_b: Any,
    dept_a: Any,
    dept_b: Any,
) -> None:
    goal = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    login("head-sales")

    response = page.goto(live_server.url + reverse("departments:goal-edit", args=[goal.pk]))

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("99.95 % uptime")).to_have_count(0)
    page_guard.forgive(404)


def test_a_bad_upload_shows_its_error_and_stores_nothing(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    head_a: Any,
    dept_a: Any,
    media_root: Any,
) -> None:
    login("head-infrastructure")
    page.goto(live_server.url + dept_a.get_absolute_url())
    documents = page.locator("#documents")
    documents.get_by_label("File").set_input_files(
        files=[{"name": "procedure.pdf", "mimeType": "application/pdf", "buffer": b"Only text.\n"}]
    )
    documents.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("its content is a plain-text file")).to_be_visible()
    assert not ProcessDocument.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))
    page_guard.forgive(422)

    # A good one then appears in the list, in place.
    page.locator("#documents").get_by_label("File").set_input_files(
        files=[{"name": "procedure.md", "mimeType": "text/plain", "buffer": b"# Steps\n"}]
    )
    page.locator("#documents").get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="procedure", exact=True)).to_be_visible()
    assert ProcessDocument.objects.get().content_type == "text/markdown; charset=utf-8"


def test_the_second_of_two_concurrent_edits_is_refused(
    page: Page,
    second_page: Page,
    live_server: Any,
    login: Callable[[str], None],
    head_a: Any,
    dept_a: Any,
) -> None:
    goal = factories.GoalFactory(department=dept_a, title="99.95 % uptime", owner=head_a)
    edit_url = live_server.url + reverse("departments:goal-edit", args=[goal.pk])
    login("head-infrastructure")
    log_in_as(second_page, live_server, "head-infrastructure")
    page.goto(edit_url)
    second_page.goto(edit_url)

    page.fill("#id_title", "99.99 % uptime")
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("99.99 % uptime")

    second_page.fill("#id_title", "99.9 % uptime")
    second_page.get_by_role("button", name="Save goal").click()
    refusal = second_page.get_by_text("review and retry")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Changed by")
    goal.refresh_from_db()
    assert goal.title == "99.99 % uptime"


@pytest.mark.parametrize("username", ["head-infrastructure", "ciso"])
def test_the_department_page_is_accessible(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    username: str,
    head_a: Any,
    ciso: Any,
    dept_a: Any,
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime", status="at_risk")
    for day in range(4):
        factories.CheckInFactory(
            goal=uptime, date=dt.date(2026, 1, 1) + dt.timedelta(days=7 * day), value=99 + day
        )
    factories.GoalFactory(department=dept_a, title="p95 deploy under 15 min")
    gate = factories.InitiativeFactory(title="Change-approval gate")
    factories.LinkFactory(goal=uptime, initiative=gate, relation=Relation.CONFLICTS)
    factories.AssessmentFactory(department=dept_a, initiative=gate)
    factories.DocumentFactory(department=dept_a, uploaded_by=head_a)
    login(username)

    page.goto(live_server.url + dept_a.get_absolute_url())
    page.locator("details summary").first.click()  # an open form is checked too

    assert_accessible(page)
