"""The dashboard, impact assessments and friction budgets in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from alignment.models import Agreement, Relation
from departments.models import GoalStatus
from tests import factories
from tests.browser.axe import AXE_SOURCE, BLOCKING, assert_accessible
from tests.browser.conftest import PageGuard
from tests.factories import PASSWORD


@pytest.fixture
def programme(ciso: Any, dept_a: Any, dept_b: Any) -> dict[str, Any]:
    """A small programme: Infrastructure goes over its budget with the approval gate."""
    dept_a.friction_budget_hours = Decimal("10")
    dept_a.save()
    gate = factories.InitiativeFactory(title="Change-approval gate", owner=ciso)
    mfa = factories.InitiativeFactory(title="Roll out SSO + MFA", owner=ciso)
    deploys = factories.GoalFactory(
        department=dept_a, title="p95 deploy under 15 min", status=GoalStatus.AT_RISK
    )
    factories.LinkFactory(initiative=gate, goal=deploys, relation=Relation.CONFLICTS)
    factories.LinkFactory(initiative=mfa, goal=deploys, relation=Relation.SUPPORTS)
    gate_on_infra = factories.AssessmentFactory(
        initiative=gate, department=dept_a, hours_per_week=Decimal("8")
    )
    factories.AssessmentFactory(initiative=mfa, department=dept_a, hours_per_week=Decimal("3"))
    factories.AssessmentFactory(
        initiative=mfa,
        department=dept_b,
        hours_per_week=Decimal("2"),
        head_agreement=Agreement.AGREED,
        head_comment="Hardware keys for the field team.",
    )
    return {"gate": gate, "gate_on_infra": gate_on_infra}


@pytest.fixture
def other_page(browser: Browser) -> Iterator[Page]:
    """A second browser with its own cookies, guarded like the first."""
    context = browser.new_context()
    page = context.new_page()
    guard = PageGuard(page)
    yield page
    problems = guard.problems()
    context.close()
    if problems:
        pytest.fail("The second page was not clean:\n" + "\n".join(problems))


def log_in_as(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")


def assert_section_accessible(page: Page, selector: str) -> None:
    """axe-core on one part of a page (the rest of the department page has other owners)."""
    page.evaluate(AXE_SOURCE)
    found = page.evaluate(
        """async (selector) => {
            const r = await axe.run({include: [[selector]]}, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help}));
        }""",
        selector,
    )
    problems = [f"{v['impact']}: {v['id']} — {v['help']}" for v in found if v["impact"] in BLOCKING]
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def test_ciso_dashboard_loads_accessibly_with_its_figures(
    page: Page, live_server: Any, login: Callable[[str], None], programme: dict[str, Any]
) -> None:
    login("ciso")

    expect(page.get_by_role("heading", level=1)).to_have_text("Security & business at a glance")
    chart = page.get_by_role("img", name="Security-added hours per week against each department's")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("Infrastructure")
    expect(chart).to_contain_text("11 of 10 h/week — over budget")
    expect(page.get_by_text("Over budget by 1 h")).to_be_visible()
    expect(page.get_by_role("link", name="Propose budget for Infrastructure")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Unmitigated conflicts").click()
    expect(page).to_have_url(
        live_server.url + reverse("alignment:conflict-list") + "?unmitigated=1"
    )
    expect(page.get_by_role("cell", name="Change-approval gate")).to_be_visible()


def test_dashboard_summarises_the_heatmap_and_its_cards_look_like_links(
    page: Page, live_server: Any, login: Callable[[str], None], programme: dict[str, Any]
) -> None:
    login("ciso")
    section = page.locator("section", has=page.locator("#heatmap-heading"))
    expect(section).to_contain_text("1 of 2 departments with unmitigated conflicts")
    worst = section.get_by_role("row", name=re.compile(r"^Infrastructure"))
    expect(worst).to_contain_text("1")
    expect(section.locator(".heat-cell")).to_have_count(0)  # a summary, never the cells

    card = page.get_by_role("link", name=re.compile(r"^\d+ Unmitigated conflicts"))
    expect(card).to_contain_text("View conflicts →")
    before = card.evaluate("el => getComputedStyle(el).boxShadow")
    card.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
    expect(card).to_be_focused()
    assert card.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    card.hover()
    page.wait_for_function(
        "([el, before]) => getComputedStyle(el).boxShadow !== before",
        arg=[card.element_handle(), before],
    )
    assert_accessible(page)

    section.get_by_role("link", name="Infrastructure").click()
    expect(page).to_have_url(re.compile(r"/alignment/heatmap/departments/infrastructure/$"))
    expect(page.locator("#heatmap-department-infrastructure .heat-cell")).not_to_have_count(0)
    assert_accessible(page)


def test_executive_dashboard_has_the_figures_but_no_edit_buttons(
    page: Page, login: Callable[[str], None], executive: Any, programme: dict[str, Any]
) -> None:
    login("exec")

    expect(
        page.get_by_role("heading", level=2, name="Added workflow hours per week")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Security-added hours per week")).to_contain_text("Sales")
    expect(page.get_by_role("link", name="Propose budget")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.locator("main").get_by_role("button")).to_have_count(0)
    assert_accessible(page)


def test_head_disagrees_in_place_and_the_ciso_sees_it(
    page: Page,
    other_page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    programme: dict[str, Any],
    head_a: Any,
    dept_a: Any,
) -> None:
    assessment = programme["gate_on_infra"]
    login("head-infrastructure")
    page.goto(live_server.url + dept_a.get_absolute_url())
    assert_section_accessible(page, "section[aria-labelledby=impact-heading]")
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#assessment-row-{assessment.pk}")
    expect(row).to_contain_text("Awaiting the head")

    # Disagreeing without a reason is refused in place.
    row.get_by_label("I disagree").check()
    row.get_by_role("button", name="Send answer").click()
    expect(row.get_by_text("Say why you disagree")).to_be_visible()
    page_guard.forgive(422)

    row.get_by_label("Comment").fill("Eight hours a week is more than we can absorb.")
    row.get_by_role("button", name="Send answer").click()
    # The CISO (the programme's owner) is emailed by default: the row says so.
    expect(
        row.get_by_text("Your answer is recorded, and the security team is told that you disagree.")
    ).to_be_visible()
    expect(row.locator(".badge", has_text="Disagreed")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # no reload happened

    # The head changes their mind from the same row: the new version came back with it.
    row.get_by_text("Change your answer").click()
    row.get_by_label("I agree").check()
    row.get_by_label("Comment").fill("Fine once standard changes are pre-approved.")
    row.get_by_role("button", name="Send answer").click()
    expect(row.locator(".badge", has_text="Agreed")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    assert_section_accessible(page, f"#assessment-row-{assessment.pk}")

    log_in_as(other_page, live_server, "ciso")
    other_page.goto(live_server.url + programme["gate"].get_absolute_url())
    ciso_row = other_page.locator(f"#assessment-row-{assessment.pk}")
    expect(ciso_row).to_contain_text("Agreed")
    expect(ciso_row).to_contain_text("Fine once standard changes are pre-approved.")
    expect(ciso_row.get_by_role("button", name="Send answer")).to_have_count(0)


def test_ciso_sees_over_budget_while_typing_the_hours(
    page: Page, live_server: Any, login: Callable[[str], None], programme: dict[str, Any]
) -> None:
    assessment = programme["gate_on_infra"]
    login("ciso")
    page.goto(live_server.url + reverse("alignment:assessment-edit", args=[assessment.pk]))
    preview = page.locator("#friction-preview")
    expect(preview).to_contain_text("11 h/week")
    expect(preview.get_by_text("Over budget")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Hours added per week").fill("5")
    expect(preview).to_contain_text("8 h/week")
    expect(preview.get_by_text("Within budget")).to_be_visible()

    page.get_by_role("button", name="Save assessment").click()
    expect(page).to_have_url(live_server.url + programme["gate"].get_absolute_url())
    expect(page.get_by_text("Impact on Infrastructure saved.")).to_be_visible()


def test_the_ciso_and_the_head_agree_on_a_friction_budget_in_place(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    programme: dict[str, Any],
    dept_a: Any,
) -> None:
    login("ciso")
    page.goto(live_server.url + dept_a.get_absolute_url())
    page.evaluate("window.__noReload = true")
    budget = page.locator("#friction-budget")
    expect(budget).to_contain_text("Over budget by 1 h")

    # The CISO proposes 12 h: in force at once, awaiting the head's agreement.
    budget.get_by_role("link", name="Propose a budget").click()
    budget = page.locator("#friction-budget")
    budget.get_by_label("Friction budget (hours/week)").fill("12")
    budget.get_by_label("Comment").fill("Covers the access review and the DLP pilot.")
    budget.get_by_role("button", name="Propose budget").click()
    expect(budget).to_contain_text("Within budget")
    expect(budget).to_contain_text("12 h/week")
    expect(budget).to_contain_text("not yet agreed by the head")
    assert page.evaluate("window.__noReload") is True

    # The head answers with 14 h and a reason; the budget in force stays 12 h.
    login(dept_a.head.username)
    page.goto(live_server.url + dept_a.get_absolute_url())
    budget = page.locator("#friction-budget")
    expect(budget).to_contain_text("Covers the access review and the DLP pilot.")
    budget.get_by_role("link", name="Propose another").click()
    budget.get_by_label("Friction budget (hours/week)").fill("14")
    budget.get_by_label("Comment").fill("Month-end close needs two more hours.")
    budget.get_by_role("button", name="Propose budget").click()
    expect(budget).to_contain_text("Awaiting the security team's answer")
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("12")

    # The CISO agrees: 14 h is the budget, agreed by both, with who and when.
    login("ciso")
    page.goto(live_server.url + dept_a.get_absolute_url())
    budget = page.locator("#friction-budget")
    expect(budget).to_contain_text("Month-end close needs two more hours.")
    budget.get_by_role("button", name="Agree to 14 h/week").click()
    expect(budget).to_contain_text("against a friction budget of 14 h/week")
    expect(budget.locator("#budget-agreement")).to_contain_text("Agreed: proposed by")
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("14")


def test_a_low_progress_label_stays_readable(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, dept_a: Any
) -> None:
    dept_a.friction_budget_hours = Decimal("100")
    dept_a.save()
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("3"))
    login("ciso")
    page.goto(live_server.url + dept_a.get_absolute_url())  # its friction budget section
    bar = page.locator(".progress-bar", has_text="3 %")
    expect(bar).to_be_visible()
    # The bar is at least as wide as its label, so "3 %" is not clipped.
    assert bar.evaluate("el => el.getBoundingClientRect().width >= el.scrollWidth - 1")
    assert bar.evaluate("el => el.scrollWidth") > 0
    assert_section_accessible(page, "#friction-budget")
