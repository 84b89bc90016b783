"""A business case from the first line to the executive's approval, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from playwright.sync_api import Page, expect

from business_cases.models import BusinessCase, CaseDecision, CaseStatus
from tests import factories
from tests.browser.axe import assert_accessible


def test_ciso_builds_a_case_watches_rosi_move_submits_and_exec_approves(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    executive: Any,
    dept_a: Any,
) -> None:
    initiative = factories.InitiativeFactory(title="Roll out SSO + MFA", owner=ciso)
    factories.LinkFactory(initiative=initiative, goal__department=dept_a)
    factories.AssessmentFactory(initiative=initiative, department=dept_a, hours_per_week=Decimal(2))
    page.on("dialog", lambda dialog: dialog.accept())  # "Submit …?" confirmations

    login("ciso")
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/business-case/new/")
    page.get_by_label("Title").fill("SSO + MFA for every employee")
    page.get_by_role("button", name="Create and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit business case")
    # People-time from the impact assessment is there before anything is typed.
    expect(page.get_by_text("People-time, Infrastructure")).to_be_visible()

    # Two cost lines: the blank row, then one more.
    page.locator("#id_costs-0-description").fill("IdP licences")
    page.locator("#id_costs-0-category").select_option("licences")
    page.locator("#id_costs-0-amount").fill("18000")
    page.get_by_role("button", name="Add a cost line").click()
    page.locator("#id_costs-1-description").fill("Integration services")
    page.locator("#id_costs-1-category").select_option("services")
    page.locator("#id_costs-1-recurrence").select_option("one_off")
    page.locator("#id_costs-1-amount").fill("25000")

    # One scenario; ROSI follows the typing without a save.
    rosi = page.locator("#figure-rosi")
    # Costs without a benefit: the loss it is, in figures and in words.
    expect(rosi).to_have_text("-100.0 %")
    expect(page.locator("#figure-rosi-words")).to_contain_text("loses all it costs")
    page.locator("#id_scenarios-0-name").fill("Account takeover")
    page.locator("#id_scenarios-0-sle").fill("250000")
    page.locator("#id_scenarios-0-aro_before").fill("0.4")
    page.locator("#id_scenarios-0-aro_after").fill("0.05")
    # yearly: 18,000 + 2 h × 46 × 60 = 23,520; TCO 25,000 + 3 × 23,520 = 95,560; annual
    # 31,853.33; risk reduction 250,000 × 0.35 = 87,500; ROSI = 55,646.67 ÷ 31,853.33 = 174.7 %
    expect(rosi).to_have_text("174.7 %")
    page.locator("#id_scenarios-0-aro_after").fill("0.3")
    # reduction 250,000 × 0.1 = 25,000: ROSI = (25,000 − 31,853.33) ÷ 31,853.33 = −21.5 %
    expect(rosi).to_have_text("-21.5 %")
    page.locator("#id_scenarios-0-aro_after").fill("0.05")
    expect(rosi).to_have_text("174.7 %")
    assert not BusinessCase.objects.get().cost_lines.filter(description="IdP licences").exists()
    assert_accessible(page)

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Business case saved.")).to_be_visible()
    expect(page.locator("#figure-rosi")).to_have_text("174.7 %")
    page.get_by_role("button", name="Submit for decision").click()
    expect(page.get_by_text("Submitted: senior leadership has been emailed.")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    login("exec")
    case = BusinessCase.objects.get()
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_label("Comment").fill("Worth it. Start in Q3.")
    assert_accessible(page)
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Approved")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert CaseDecision.objects.get().snapshot["figures"]["rosi"] == "1.7470"


def test_the_portfolio_sorts_in_place_and_is_accessible(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, executive: Any
) -> None:
    factories.sso_case(author=ciso, title="Alpha case")
    factories.CaseFactory(author=ciso, title="Beta case")
    login("exec")
    page.goto(f"{live_server.url}/business-cases/")
    assert_accessible(page)
    page.get_by_role("link", name="Case", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/business-cases/?sort=title&dir=desc")
    expect(page.locator("#portfolio-table tbody tr").first).to_contain_text("Beta case")
    page.get_by_role("link", name="Case ↓", exact=True).click()
    expect(page.locator("#portfolio-table tbody tr").first).to_contain_text("Alpha case")


def test_an_executive_sees_the_conflict_on_the_dlp_case_and_must_acknowledge_it(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    executive: Any,
    page_guard: Any,
) -> None:
    from alignment.models import Agreement, Relation

    sales = factories.DepartmentFactory(name="Sales")
    initiative = factories.InitiativeFactory(title="DLP for customer data", status="proposed")
    factories.LinkFactory(
        initiative=initiative,
        goal=factories.GoalFactory(department=sales, title="Triple annual revenue"),
        relation=Relation.CONFLICTS,
        rationale="Blocking rules may hold proposals sent to customers.",
        mitigation="",
    )
    factories.AssessmentFactory(
        initiative=initiative,
        department=sales,
        hours_per_week=Decimal("2.5"),
        head_agreement=Agreement.DISAGREED,
        head_comment="Proposals would wait for a reviewer.",
    )
    case = factories.sso_case(author=ciso, initiative=initiative, title="DLP for customer data")
    case.status = CaseStatus.SUBMITTED
    case.save()

    login("exec")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    business_side = page.get_by_role("region", name="The business side").or_(
        page.locator("section[aria-labelledby=trade-off-heading]")
    )
    expect(business_side).to_contain_text("Triple annual revenue")
    expect(business_side).to_contain_text("Nothing softens it yet.")
    page.get_by_role("link", name="Decide").click()
    expect(page.locator("#trade-off-warnings")).to_contain_text("Triple annual revenue")
    expect(page.locator("#trade-off-warnings")).to_contain_text("refused the assessment")
    expect(page.locator("#uncertainty svg.loss-chart")).to_be_visible()
    page.get_by_label("Approve").check()
    page.get_by_label("Comment").fill("Worth it for the GDPR records.")
    page.get_by_role("button", name="Record decision").click()
    expect(
        page.get_by_text("Acknowledge the warnings about the business side to approve.")
    ).to_be_visible()
    page_guard.forgive(422)  # the refused approval, on purpose
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert_accessible(page)

    page.get_by_label("I have read the warnings about the business side").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    initiative.refresh_from_db()
    assert initiative.status == "planned"
