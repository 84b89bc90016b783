"""Friction budgets agreed by both sides: the security team proposes (in force at once,
awaiting the head), the head agrees or proposes another (which waits for the security
team), and the budget shows who agreed and when. Proposals are never edited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from departments import budgets
from departments.demo import seed_organisation
from departments.models import BudgetProposal, Department, ProposalStatus
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def propose(user: Any, department: Any, hours: str, comment: str = "") -> Any:
    department.refresh_from_db()
    data = {"friction_budget_hours": hours, "comment": comment, "version": department.version}
    url = reverse("alignment:friction-budget", args=[department.slug])
    return client_for(user).post(url, data, **HTMX)


def agree(user: Any, department: Any, proposal: BudgetProposal) -> Any:
    url = reverse("alignment:friction-budget-accept", args=[department.slug])
    return client_for(user).post(url, {"proposal": proposal.pk}, **HTMX)


def budget_of(department: Any) -> Decimal:
    department.refresh_from_db()
    return department.friction_budget_hours


def test_the_cisos_proposal_is_in_force_awaiting_the_head(ciso: Any, dept_a: Any) -> None:
    response = propose(ciso, dept_a, "12", "Covers the access review.")
    assert response.status_code == 200
    assert budget_of(dept_a) == Decimal("12")
    assert "not yet agreed by the head" in response.text
    proposal = BudgetProposal.objects.get()
    assert proposal.status == ProposalStatus.OPEN and proposal.from_security_team
    assert dept_a.budget_proposal == proposal


def test_the_head_agrees_and_the_budget_says_who_and_when(
    ciso: Any, head_a: Any, dept_a: Any
) -> None:
    propose(ciso, dept_a, "12")
    page = client_for(head_a).get(dept_a.get_absolute_url()).text
    assert "Agree to 12 h/week" in page
    response = agree(head_a, dept_a, BudgetProposal.objects.get())
    assert response.status_code == 200
    assert "Agreed: proposed by" in response.text and "accepted by" in response.text
    proposal = BudgetProposal.objects.get()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.answered_by == head_a
    assert budget_of(dept_a) == Decimal("12")


def test_a_heads_counter_proposal_waits_for_the_security_team(
    ciso: Any, head_a: Any, dept_a: Any
) -> None:
    propose(ciso, dept_a, "12")
    response = propose(head_a, dept_a, "14", "Month-end close needs more.")
    assert response.status_code == 200
    assert "Awaiting the security team's answer" in response.text
    assert budget_of(dept_a) == Decimal("12")  # a head cannot raise their own budget alone
    first, second = BudgetProposal.objects.order_by("pk")
    assert first.status == ProposalStatus.SUPERSEDED and first.answered_by == head_a
    assert second.status == ProposalStatus.OPEN and not second.from_security_team

    page = client_for(ciso).get(dept_a.get_absolute_url()).text
    assert "Month-end close needs more." in page and "Agree to 14 h/week" in page
    assert agree(ciso, dept_a, second).status_code == 200
    assert budget_of(dept_a) == Decimal("14")
    assert dept_a.budget_proposal == second
    assert BudgetProposal.objects.count() == 2  # the negotiation's history stays


def test_nobody_agrees_to_their_own_sides_proposal(ciso: Any, head_a: Any, dept_a: Any) -> None:
    propose(ciso, dept_a, "12")
    assert agree(ciso, dept_a, BudgetProposal.objects.get()).status_code == 403
    propose(head_a, dept_a, "30")
    assert agree(head_a, dept_a, BudgetProposal.objects.get(status="open")).status_code == 403
    assert budget_of(dept_a) == Decimal("12")


def test_agreeing_to_a_proposal_replaced_meanwhile_changes_nothing(
    ciso: Any, head_a: Any, dept_a: Any
) -> None:
    propose(ciso, dept_a, "12")
    old = BudgetProposal.objects.get()
    propose(ciso, dept_a, "9")
    response = agree(head_a, dept_a, old)
    assert response.status_code == 409
    assert "answered or replaced meanwhile" in response.text
    assert budget_of(dept_a) == Decimal("9")
    assert not BudgetProposal.objects.filter(status=ProposalStatus.ACCEPTED).exists()
    # Garbage ids are the same clear answer, not a 500.
    url = reverse("alignment:friction-budget-accept", args=[dept_a.slug])
    for junk in ("", "x", "9" * 40):
        assert client_for(head_a).post(url, {"proposal": junk}, **HTMX).status_code == 409


def test_a_proposal_from_an_older_page_is_refused(ciso: Any, head_a: Any, dept_a: Any) -> None:
    dept_a.refresh_from_db()
    seen = dept_a.version
    propose(head_a, dept_a, "14")
    url = reverse("alignment:friction-budget", args=[dept_a.slug])
    data = {"friction_budget_hours": "8", "version": seen}
    response = client_for(ciso).post(url, data, **HTMX)
    assert response.status_code == 422 and "review and retry" in response.text
    assert budget_of(dept_a) == Decimal("20.0")


def test_a_key_leader_an_executive_and_another_head_cannot_negotiate(
    ciso: Any, executive: Any, head_b: Any, dept_a: Any
) -> None:
    leader = factories.UserFactory()
    dept_a.key_leaders.add(leader)
    propose(ciso, dept_a, "12")
    proposal = BudgetProposal.objects.get()
    for user, status in ((leader, 403), (executive, 403), (head_b, 404)):
        assert propose(user, dept_a, "99").status_code == status
        assert agree(user, dept_a, proposal).status_code == status
    assert budget_of(dept_a) == Decimal("12")
    assert BudgetProposal.objects.count() == 1


def test_the_accept_endpoint_takes_only_posts(ciso: Any, dept_a: Any) -> None:
    url = reverse("alignment:friction-budget-accept", args=[dept_a.slug])
    assert client_for(ciso).get(url).status_code == 405


def test_the_database_keeps_one_open_proposal_and_hours_in_range(ciso: Any, dept_a: Any) -> None:
    budgets.propose(dept_a, hours=Decimal("12"), comment="", by=ciso)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetProposal.objects.create(
            department=dept_a, hours=Decimal("5"), from_security_team=False
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetProposal.objects.create(
            department=dept_a,
            hours=Decimal("10001"),
            from_security_team=True,
            status=ProposalStatus.SUPERSEDED,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetProposal.objects.filter(status=ProposalStatus.OPEN).update(
            status=ProposalStatus.ACCEPTED
        )


def test_the_demo_has_agreed_budgets_and_one_awaiting_the_security_team() -> None:
    seed_organisation(dt.date.today())
    seed_organisation(dt.date.today())  # a second run adds nothing
    sales = Department.objects.get(slug="sales")
    open_proposal = BudgetProposal.objects.get(status=ProposalStatus.OPEN)
    assert open_proposal.department == sales and not open_proposal.from_security_team
    for department in Department.objects.all():
        assert department.budget_proposal is not None
        assert department.budget_proposal.status == ProposalStatus.ACCEPTED
        assert department.budget_proposal.hours == department.friction_budget_hours
    assert BudgetProposal.objects.count() == Department.objects.count() + 1
