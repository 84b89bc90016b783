"""The business side of a case: the trade-off shown, acknowledged, co-signed and paid for.

An executive sees the conflicts, the hours added against each friction budget, each
head's answer and the commitments on the case, its print view and its decision screen;
approving needs the warnings acknowledged, a second executive above the co-signature
amount, and room in the year's envelope. Approval plans the initiative and records its
budget; rejection leaves its reason on the initiative's page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alignment import outbox
from alignment.models import Agreement, Commitment, Relation
from business_cases import budget, services
from business_cases.models import (
    Allocation,
    BudgetEnvelope,
    BusinessCase,
    CaseDecision,
    CaseStatus,
    Spend,
)
from objectives.models import InitiativeStatus
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)


def url(name: str, case: BusinessCase) -> str:
    return reverse(f"business_cases:{name}", kwargs={"case_id": case.pk})


def dlp_case(ciso: Any, *, mitigated: bool = False, refused: bool = True) -> BusinessCase:
    """A submitted case whose initiative conflicts with Sales' revenue goal and adds
    2.5 h a week to Sales, whose head refused; one commitment softens it."""
    sales = factories.DepartmentFactory(name="Sales", friction_budget_hours=D("4"))
    initiative = factories.InitiativeFactory(
        title="DLP for customer data", status=InitiativeStatus.PROPOSED
    )
    revenue = factories.GoalFactory(department=sales, title="Triple annual revenue")
    link = factories.LinkFactory(
        initiative=initiative,
        goal=revenue,
        relation=Relation.CONFLICTS,
        rationale="Blocking rules may hold proposals sent to customers.",
        mitigation="Monitor-only for the first month." if mitigated else "",
    )
    # Another initiative's hours on Sales: together over its 4-hour budget.
    factories.AssessmentFactory(department=sales, hours_per_week=D("3"))
    assessment = factories.AssessmentFactory(
        initiative=initiative,
        department=sales,
        hours_per_week=D("2.5"),
        head_agreement=Agreement.DISAGREED if refused else Agreement.AGREED,
        head_comment="Proposals would wait for a reviewer." if refused else "Fine.",
    )
    Commitment.objects.create(
        title="DLP pilot with the field team",
        department=sales,
        due_date=dt.date(2027, 2, 1),
        assessment=assessment,
    )
    del link
    case = factories.sso_case(author=ciso, initiative=initiative, title="DLP for customer data")
    case.status = CaseStatus.SUBMITTED
    case.save()
    return BusinessCase.objects.with_lines().get(pk=case.pk)


def decide(client: Any, case: BusinessCase, outcome: str = "approved", **extra: str) -> Any:
    return client.post(
        url("case-decide", case), {"outcome": outcome, "comment": "Decided.", **extra}
    )


# --- seen -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["case-detail", "case-print", "case-decide"])
def test_the_trade_off_is_on_the_case_its_print_view_and_the_decision_screen(
    client: Any, ciso: Any, executive: Any, name: str
) -> None:
    case = dlp_case(ciso)
    client.force_login(executive)
    html = client.get(url(name, case)).content.decode()
    assert "Triple annual revenue" in html and "(Sales)" in html
    assert "Blocking rules may hold proposals sent to customers." in html
    assert "Nothing softens it yet." in html
    assert "2.5 h/week" in html and "5.5 h/week" in html and "over budget" in html
    assert "Disagreed" in html and "Proposals would wait for a reviewer." in html
    assert "DLP pilot with the field team" in html
    assert "2 warnings from the business side" in html


def test_a_mitigated_conflict_shows_its_mitigation_and_warns_of_nothing(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = dlp_case(ciso, mitigated=True, refused=False)
    client.force_login(executive)
    html = client.get(url("case-decide", case)).content.decode()
    assert "Softened by: Monitor-only for the first month." in html
    assert "warnings from the business side" not in html and "One warning" not in html
    assert 'name="acknowledged"' not in html


def test_the_pdf_has_the_trade_off_and_the_loss_exceedance_chart(ciso: Any) -> None:
    pytest.importorskip("weasyprint")
    import re
    from io import BytesIO

    from pypdf import PdfReader

    from business_cases import pdf

    def line_segments(case: BusinessCase) -> tuple[str, int]:
        """The PDF's text, and how many straight segments its pages draw (vector art)."""
        pages = PdfReader(BytesIO(pdf.render(case))).pages
        text = " ".join(page.extract_text() for page in pages)
        drawn = b"".join(page.get_contents().get_data() for page in pages)
        return text, len(re.findall(rb"[\d.]+ [\d.]+ l\b", drawn))

    case = dlp_case(ciso)
    text, with_curves = line_segments(case)
    assert "The business side" in text and "Triple annual revenue" in text
    assert "Proposals would wait for a reviewer." in text
    assert "Chance a year loses more than" in text and "P10" in text and "P90" in text
    # Without a scenario there is no loss to chart: the two curves' segments go.
    case.scenarios.all().delete()
    text, without = line_segments(BusinessCase.objects.with_lines().get(pk=case.pk))
    assert "No scenario with a loss to chart." in text
    assert with_curves - without >= 20, (with_curves, without)


# --- acknowledged -------------------------------------------------------------------------


def test_an_executive_cannot_approve_without_acknowledging_the_warnings(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = dlp_case(ciso)
    client.force_login(executive)
    response = decide(client, case)
    assert response.status_code == 422
    assert "Acknowledge the warnings about the business side to approve." in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and not CaseDecision.objects.exists()
    # The service refuses it too, whatever the form did.
    with pytest.raises(ValidationError, match="Acknowledge"):
        services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)

    assert decide(client, case, acknowledged="on").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    decision = CaseDecision.objects.get()
    assert len(decision.acknowledged) == 2
    assert "Triple annual revenue" in decision.acknowledged[0]
    assert "Acknowledged:" in client.get(url("case-detail", case)).content.decode()


def test_rejecting_needs_no_acknowledgement_and_leaves_its_reason_on_the_initiative(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = dlp_case(ciso)
    client.force_login(executive)
    response = client.post(
        url("case-decide", case),
        {"outcome": "rejected", "comment": "Not while Sales triples its revenue."},
    )
    assert response.status_code == 302
    case.initiative.refresh_from_db()
    assert case.initiative.status == InitiativeStatus.PROPOSED
    page = client.get(case.initiative.get_absolute_url()).content.decode()
    assert "Rejected by" in page and "Not while Sales triples its revenue." in page


# --- consequences -----------------------------------------------------------------------------


def test_approval_plans_the_initiative_and_records_the_approved_budget(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = dlp_case(ciso, mitigated=True, refused=False)
    client.force_login(executive)
    assert decide(client, case).status_code == 302
    case.initiative.refresh_from_db()
    assert case.initiative.status == InitiativeStatus.PLANNED
    # 30,000 one-off + 3 × 18,900 yearly.
    assert case.initiative.budget == D("86700.00")
    allocation = Allocation.objects.get(case=case)
    assert (allocation.one_off, allocation.yearly) == (D("30000.00"), D("18900.00"))
    year = budget.this_year()
    assert (allocation.first_year, allocation.last_year) == (year, year + 2)
    page = client.get(case.initiative.get_absolute_url()).content.decode()
    assert "Approved by" in page


def test_an_initiative_already_under_way_keeps_its_status(ciso: Any, executive: Any) -> None:
    case = dlp_case(ciso, mitigated=True, refused=False)
    case.initiative.status = InitiativeStatus.IN_PROGRESS
    case.initiative.save()
    services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)
    case.initiative.refresh_from_db()
    assert case.initiative.status == InitiativeStatus.IN_PROGRESS


# --- two executives ----------------------------------------------------------------------------


def test_a_case_above_the_threshold_needs_a_second_executive(
    client: Any, ciso: Any, executive: Any, settings: Any, mailoutbox: Any
) -> None:
    settings.CASE_COSIGN_ABOVE = D("50000")
    cfo = factories.executive_user("cfo")
    case = dlp_case(ciso, mitigated=True, refused=False)
    client.force_login(executive)
    assert (
        "needs the approval of two executives"
        in client.get(url("case-decide", case)).content.decode()
    )
    decide(client, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not Allocation.objects.exists()
    page = client.get(url("case-detail", case)).content.decode()
    assert "waiting for the second" in page
    # The same executive cannot co-sign their own approval.
    response = decide(client, case)
    assert "second executive co-signs" in response.content.decode()
    assert CaseDecision.objects.count() == 1

    client.force_login(cfo)
    assert decide(client, case).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert CaseDecision.objects.count() == 2 and Allocation.objects.filter(case=case).exists()


def test_one_rejection_ends_a_case_awaiting_its_co_signature(
    ciso: Any, executive: Any, settings: Any
) -> None:
    settings.CASE_COSIGN_ABOVE = D("50000")
    cfo = factories.executive_user("cfo")
    case = dlp_case(ciso, mitigated=True, refused=False)
    services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    services.case_decide(case=case, outcome="rejected", comment="Too dear.", by=cfo)
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and not Allocation.objects.exists()


# --- the envelope --------------------------------------------------------------------------------


def test_the_envelope_is_set_by_an_executive_and_shows_committed_actual_remaining(
    client: Any, ciso: Any, executive: Any
) -> None:
    year = budget.this_year()
    client.force_login(executive)
    page = reverse("business_cases:budget")
    response = client.post(
        reverse("business_cases:envelope-set"),
        {"year": year, "one_off": "100000", "running": "50000", "version": ""},
    )
    assert response.status_code == 302
    envelope = BudgetEnvelope.objects.get(year=year)
    assert (envelope.one_off, envelope.running, envelope.set_by) == (
        D("100000"),
        D("50000"),
        executive,
    )
    case = dlp_case(ciso, mitigated=True, refused=False)
    services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)
    client.force_login(ciso)
    response = client.post(
        reverse("business_cases:spend-add"),
        {
            "year": year,
            "initiative": case.initiative_id,
            "kind": "one_off",
            "amount": "12000",
            "description": "First invoice",
        },
    )
    assert response.status_code == 302
    summary = budget.year_budget(year)
    assert summary.one_off.committed == D("30000.00") and summary.one_off.actual == D("12000")
    assert summary.one_off.remaining == D("70000.00")
    assert summary.running.remaining == D("50000") - D("18900.00")
    html = client.get(page).content.decode()
    assert "70,000" in html and "31,100" in html and "12,000" in html
    assert "DLP for customer data" in html  # by initiative


def test_an_invalid_envelope_or_spend_shows_errors_and_changes_nothing(
    client: Any, ciso: Any, executive: Any
) -> None:
    client.force_login(executive)
    response = client.post(
        reverse("business_cases:envelope-set"), {"one_off": "-5", "running": "abc"}
    )
    assert response.status_code == 422 and not BudgetEnvelope.objects.exists()
    client.force_login(ciso)
    response = client.post(reverse("business_cases:spend-add"), {"amount": "0", "description": "x"})
    assert response.status_code == 422 and not Spend.objects.exists()
    # Only executives set the envelope; only the security team records spend.
    assert client.post(reverse("business_cases:envelope-set"), {}).status_code == 403
    client.force_login(executive)
    assert client.post(reverse("business_cases:spend-add"), {}).status_code == 403


def test_a_case_that_would_exceed_the_envelope_says_so_and_cannot_be_approved(
    client: Any, ciso: Any, executive: Any
) -> None:
    BudgetEnvelope.objects.create(year=budget.this_year(), one_off=D("20000"), running=D("90000"))
    case = dlp_case(ciso, mitigated=True, refused=False)
    case.status = CaseStatus.DRAFT
    case.save()
    client.force_login(ciso)
    html = client.get(url("case-detail", case)).content.decode()
    assert (
        "would exceed this year's security budget" in html and "one-off cost of 30,000.00" in html
    )
    case.status = CaseStatus.SUBMITTED
    case.save()
    client.force_login(executive)
    response = decide(client, case)
    assert "exceeds what remains" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and not Allocation.objects.exists()


def test_the_new_case_starts_from_the_portfolio(client: Any, ciso: Any) -> None:
    initiative = factories.InitiativeFactory(title="Secrets manager")
    client.force_login(ciso)
    listing = client.get(reverse("business_cases:case-list")).content.decode()
    assert reverse("business_cases:case-new") in listing
    response = client.post(
        reverse("business_cases:case-new"),
        {"initiative": initiative.pk, "title": "", "horizon_years": "3", "discount_rate": "8"},
    )
    case = BusinessCase.objects.get()
    assert response.status_code == 302 and case.title == "Secrets manager"
    assert case.initiative == initiative and case.author == ciso
    response = client.post(reverse("business_cases:case-new"), {"initiative": "999999"})
    assert response.status_code == 422 and BusinessCase.objects.count() == 1


def test_the_trade_off_reads_a_fixed_number_of_queries(
    client: Any, ciso: Any, executive: Any, django_assert_num_queries: Any
) -> None:
    from business_cases import sources

    case = dlp_case(ciso)
    with django_assert_num_queries(4):
        sources.trade_off(case.initiative)
    for n in range(10):
        department = factories.DepartmentFactory()
        factories.LinkFactory(
            initiative=case.initiative,
            goal=factories.GoalFactory(department=department),
            relation=Relation.CONFLICTS,
        )
        factories.AssessmentFactory(initiative=case.initiative, department=department)
        Commitment.objects.create(
            title=f"Help {n}",
            department=department,
            due_date=dt.date(2027, 1, 1),
            link=case.initiative.links.last(),
        )
    with django_assert_num_queries(4):
        assert len(sources.trade_off(case.initiative).conflicts) == 11


def test_the_dashboard_and_the_posture_report_show_the_envelope(
    client: Any, ciso: Any, executive: Any
) -> None:
    from alignment import posture

    year = budget.this_year()
    BudgetEnvelope.objects.create(year=year, one_off=D("100000"), running=D("50000"))
    case = dlp_case(ciso, mitigated=True, refused=False)
    services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)
    client.force_login(executive)
    html = client.get("/").content.decode()
    assert f"Security budget {year}" in html
    assert "70,000" in html and "31,100" in html  # remaining one-off and running

    document = posture.build(posture.current_report())
    section = next(s for s in document["sections"] if s["key"] == "budget")
    values = {f["key"]: f["value"] for f in section["figures"]}
    assert values["budget.one_off_remaining"] == "70000.00"
    assert values["budget.running_committed"] == "18900.00"
    report = client.get(reverse("alignment:report")).content.decode()
    assert "Security budget" in report and "70,000" in report


def test_the_submission_email_carries_the_warnings(ciso: Any, executive: Any) -> None:
    from alignment.models import CaseEmail

    case = dlp_case(ciso)
    case.status = CaseStatus.DRAFT
    case.save()
    services.case_submit(case=BusinessCase.objects.with_lines().get(pk=case.pk), by=ciso)
    email = CaseEmail.objects.get(recipient=executive.email)
    assert "The business side, to acknowledge before approving:" in email.body_text
    assert "“Triple annual revenue” (Sales)" in email.body_text
    assert "refused the assessment" in email.body_html
