"""draft → submitted → approved / rejected / revision requested, with emails and history.

Emails are queued with the step and sent by the outbox sweep (tests/alignment/test_case_emails.py
has the details).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from alignment import notifications, outbox
from alignment.models import CaseEmail
from business_cases import services
from business_cases.models import BusinessCase, CaseDecision, CaseStatus
from tests import factories
from tests.business_cases.helpers import cost, editor_data, existing_rows

pytestmark = pytest.mark.django_db
D = Decimal


def url(name: str, case: BusinessCase) -> str:
    return reverse(f"business_cases:{name}", kwargs={"case_id": case.pk})


def submitted_case(ciso: Any, **kwargs: Any) -> BusinessCase:
    case = factories.sso_case(author=ciso, **kwargs)
    case.status = CaseStatus.SUBMITTED
    case.save()
    return case


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> list[bool]:
    """The after-commit "sweep now" is recorded instead of reaching the broker."""
    asked: list[bool] = []
    monkeypatch.setattr(outbox, "request_sweep", lambda: asked.append(True))
    return asked


def decide(client: Any, case: BusinessCase, outcome: str, comment: str = "Go ahead.") -> Any:
    return client.post(url("case-decide", case), {"outcome": outcome, "comment": comment})


# --- submit --------------------------------------------------------------------------------


def test_ciso_submits_a_draft_and_executives_are_emailed_by_the_sweep(
    client: Any,
    ciso: Any,
    executive: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    no_broker: list[bool],
) -> None:
    other_exec = factories.executive_user("cfo")
    case = factories.sso_case(author=ciso, title="SSO + MFA")
    client.force_login(ciso)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("case-submit", case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.submitted_at is not None
    # "Sweep now", once, after the commit (beside the busy-database retry's own marker).
    sweeps = [c for c in callbacks if getattr(c, "__name__", "") == "_sweep_after_commit"]
    assert len(sweeps) == 1 and no_broker == [True]
    assert mailoutbox == [] and CaseEmail.objects.count() == 2
    assert notifications.sweep()["case_emails"] == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([executive.email, other_exec.email])
    message = mailoutbox[0]
    assert "SSO + MFA" in message.subject
    assert "ROSI: 79.9 %" in message.body
    assert f"/business-cases/{case.pk}/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_an_empty_case_cannot_be_submitted(client: Any, ciso: Any, mailoutbox: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    response = client.post(url("case-submit", case), follow=True)
    assert "there is nothing to decide yet" in response.text
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert mailoutbox == [] and not CaseEmail.objects.exists()


@pytest.mark.parametrize("who", ["executive", "head_a"])
def test_only_the_security_team_submits(client: Any, who: str, request: Any) -> None:
    case = factories.sso_case()
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("case-submit", case)).status_code in (403, 404)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_submit_refuses_get(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    assert client.get(url("case-submit", case)).status_code == 405


def test_a_submitted_case_cannot_be_edited_or_submitted_again(client: Any, ciso: Any) -> None:
    case = submitted_case(ciso)
    client.force_login(ciso)
    assert client.get(url("case-edit", case)).status_code == 403
    response = client.post(url("case-submit", case), follow=True)
    assert "Only a draft can be submitted." in response.text


# --- decide --------------------------------------------------------------------------------


def test_an_executive_approves_with_a_comment_and_the_author_is_emailed_by_the_sweep(
    client: Any,
    ciso: Any,
    executive: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = submitted_case(ciso, title="SSO + MFA")
    client.force_login(executive)
    page = client.get(url("case-decide", case))
    assert page.status_code == 200 and "Record decision" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, case, "approved", "Worth it; start in Q3.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    decision = CaseDecision.objects.get()
    assert (decision.revision, decision.decided_by, decision.comment) == (
        1,
        executive,
        "Worth it; start in Q3.",
    )
    # The snapshot keeps the approved figures, as strings.
    assert decision.snapshot["figures"]["total_cost_of_ownership"] == "86700.00"
    assert decision.snapshot["figures"]["npv"] == "52314.80"
    assert mailoutbox == []
    notifications.sweep()
    assert [m.to for m in mailoutbox] == [[ciso.email]]
    assert "approved" in mailoutbox[0].subject
    assert "Worth it; start in Q3." in mailoutbox[0].body


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("rejected", CaseStatus.REJECTED), ("revision_requested", CaseStatus.REVISION_REQUESTED)],
)
def test_an_executive_rejects_or_sends_back(
    client: Any, ciso: Any, executive: Any, outcome: str, status: str
) -> None:
    case = submitted_case(ciso)
    client.force_login(executive)
    decide(client, case, outcome, "Not this year.")
    case.refresh_from_db()
    assert case.status == status


def test_a_decision_needs_a_comment(client: Any, ciso: Any, executive: Any) -> None:
    case = submitted_case(ciso)
    client.force_login(executive)
    response = decide(client, case, "approved", "   ")
    assert response.status_code == 422  # an invalid form, in place
    assert "A decision needs a comment." in response.text
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and not CaseDecision.objects.exists()


@pytest.mark.parametrize("who", ["ciso", "head_a", "head_b", "admin_user"])
def test_a_head_or_the_ciso_cannot_approve(client: Any, who: str, request: Any, ciso: Any) -> None:
    case = submitted_case(ciso)
    client.force_login(request.getfixturevalue(who))
    response = decide(client, case, "approved")
    assert response.status_code == (404 if who.startswith("head") else 403)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and not CaseDecision.objects.exists()


def test_only_a_submitted_case_can_be_decided(client: Any, ciso: Any, executive: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(executive)
    response = decide(client, case, "approved")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and not CaseDecision.objects.exists()


def test_a_revision_is_decided_once_even_by_two_executives(ciso: Any, executive: Any) -> None:
    case = BusinessCase.objects.with_lines().get(pk=submitted_case(ciso).pk)
    services.case_decide(case=case, outcome="approved", comment="Yes.", by=executive)
    stale = BusinessCase.objects.with_lines().get(pk=case.pk)
    stale.status = CaseStatus.SUBMITTED  # as a second executive's page still believes
    with pytest.raises(ValidationError, match="not awaiting a decision"):
        services.case_decide(case=stale, outcome="rejected", comment="No.", by=executive)
    assert CaseDecision.objects.count() == 1
    # Should the check be passed twice at once by one executive, the database refuses the
    # second (two executives are kept apart by the case's row lock).
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDecision.objects.create(
            case=case, revision=1, outcome="rejected", comment="No.", decided_by=executive
        )


def test_decide_refuses_put(client: Any, ciso: Any, executive: Any) -> None:
    case = submitted_case(ciso)
    client.force_login(executive)
    assert client.put(url("case-decide", case)).status_code == 405


# --- approved cases are locked; a change is a new revision ----------------------------------


def approved_case(client: Any, ciso: Any, executive: Any) -> BusinessCase:
    case = submitted_case(ciso)
    client.force_login(executive)
    decide(client, case, "approved", "Yes.")
    case.refresh_from_db()
    return case


def test_an_approved_case_cannot_be_edited_in_place(client: Any, ciso: Any, executive: Any) -> None:
    case = approved_case(client, ciso, executive)
    client.force_login(ciso)
    response = client.get(url("case-edit", case))
    assert response.status_code == 403
    assert "start a new revision" in response.text
    data = editor_data(case, title="Quietly changed", costs=[cost(amount="1")])
    assert client.post(url("case-edit", case), data).status_code == 403
    headers = {"HTTP_HX_REQUEST": "true"}
    assert client.post(url("case-figures", case), data, **headers).status_code == 403
    case.refresh_from_db()
    assert case.title != "Quietly changed" and case.status == CaseStatus.APPROVED


def test_a_change_to_an_approved_case_is_a_new_revision_that_needs_a_decision(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = approved_case(client, ciso, executive)
    client.force_login(ciso)
    response = client.post(url("case-revise", case))
    assert response.status_code == 302 and response["Location"] == url("case-edit", case)
    case.refresh_from_db()
    assert (case.status, case.revision) == (CaseStatus.DRAFT, 2)

    rows = existing_rows(case)
    rows["costs"][2]["amount"] = "24000"  # licences double: TCO 86,700 → 122,700
    assert client.post(url("case-edit", case), editor_data(case, **rows)).status_code == 302
    assert client.post(url("case-submit", case)).status_code == 302

    client.force_login(executive)
    page = client.get(url("case-decide", case)).text
    assert "What changed since the approval" in page
    assert "86,700" in page and "122,700" in page and "+36,000" in page
    decide(client, case, "approved", "Fine.")
    assert list(CaseDecision.objects.order_by("revision").values_list("revision", "outcome")) == [
        (1, "approved"),
        (2, "approved"),
    ]


def test_only_an_approved_case_is_revised(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    response = client.post(url("case-revise", case), follow=True)
    assert "Only an approved case needs a new revision" in response.text
    case.refresh_from_db()
    assert case.revision == 1


def test_an_executive_cannot_start_a_revision(client: Any, ciso: Any, executive: Any) -> None:
    case = approved_case(client, ciso, executive)
    client.force_login(executive)
    assert client.post(url("case-revise", case)).status_code == 403
    case.refresh_from_db()
    assert (case.status, case.revision) == (CaseStatus.APPROVED, 1)


def test_editing_a_case_sent_back_starts_its_next_revision(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = submitted_case(ciso)
    client.force_login(executive)
    decide(client, case, "revision_requested", "Show the pessimistic case.")
    client.force_login(ciso)
    case.refresh_from_db()
    assert (
        client.post(url("case-edit", case), editor_data(case, **existing_rows(case))).status_code
        == 302
    )
    case.refresh_from_db()
    assert (case.status, case.revision) == (CaseStatus.DRAFT, 2)


# --- the page and its history --------------------------------------------------------------


def test_the_case_page_shows_figures_decisions_and_history(
    client: Any, ciso: Any, executive: Any
) -> None:
    case = approved_case(client, ciso, executive)
    client.force_login(executive)
    page = client.get(url("case-detail", case)).text
    assert "79.9 %" in page and "Approved" in page
    assert "Start a new revision" not in page  # executives do not write
    assert "The case changed" in page and "Status:" in page  # the history, on the page
    history = client.get(url("case-history", case)).text
    assert "Draft" in history and "Approved" in history
    assert "Revision 1 approved" in history and "Yes." in history


def test_every_change_is_in_the_history(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso, title="First title")
    client.force_login(ciso)
    data = editor_data(case, title="Second title", costs=[cost("Licences", "1000")])
    assert client.post(url("case-edit", case), data).status_code == 302
    history = client.get(url("case-history", case)).text
    assert "First title" in history and "Second title" in history
    assert "Cost line “Licences” created" in history


@pytest.mark.parametrize("who", ["head_a", "outsider"])
def test_heads_see_no_case_page(client: Any, who: str, request: Any, dept_a: Any) -> None:
    case = factories.sso_case()
    client.force_login(request.getfixturevalue(who))
    for name in ("case-detail", "case-history", "case-print", "case-pdf", "case-decide"):
        assert client.get(url(name, case)).status_code == 404, name
