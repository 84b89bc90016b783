"""Friction budgets agreed by both sides: the security team and the department's head.

Either side proposes a budget (hours of security-added work per week) with a comment;
the other side accepts it, or answers with a proposal of its own, which supersedes the
open one. The security team's proposal is the budget in force at once, awaiting the
head's agreement (the CISO answers for friction); a head's proposal changes nothing
until the security team accepts it, so a head cannot raise their own budget alone. The
budget then shows who proposed it, who agreed and when; the proposals are never edited,
so their list is the negotiation's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from departments import roles
from departments.models import BudgetProposal, Department, ProposalStatus
from departments.versioning import lock_version, save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from departments.roles import AnyUser

ANSWERED_MEANWHILE = "This proposal was answered or replaced meanwhile: reload the page."


def on_security_side(user: AnyUser) -> bool:
    return roles.is_ciso(user)


def may_negotiate(user: AnyUser, department: Department) -> bool:
    """The security team and the department's head; not key leaders, not executives."""
    return on_security_side(user) or roles.heads(user, department)


@transaction.atomic
def propose(
    department: Department,
    *,
    hours: Decimal,
    comment: str,
    by: User,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> BudgetProposal:
    """A new open proposal from `by`'s side, superseding the open one (answered by it).

    The security team's is the budget in force at once; the department's waits. A
    proposal based on an older version of the department is refused (StaleVersion)."""
    if not may_negotiate(by, department):
        raise PermissionDenied("Only the security team and the head agree on this budget.")
    now = now or timezone.now()
    lock_version(department, expected_version)
    BudgetProposal.objects.filter(department=department, status=ProposalStatus.OPEN).update(
        status=ProposalStatus.SUPERSEDED, answered_by=by, answered_at=now
    )
    security = on_security_side(by)
    proposal = BudgetProposal.objects.create(
        department=department,
        hours=hours,
        comment=comment,
        from_security_team=security,
        proposed_by=by,
        proposed_at=now,
    )
    if security:
        _put_in_force(department, proposal)
    else:
        save_versioned(department)  # the page showed the old state: its version moves on
    return proposal


@transaction.atomic
def accept(
    department: Department, proposal_id: int, *, by: User, now: dt.datetime | None = None
) -> BudgetProposal:
    """The other side agrees to the open proposal: it becomes the budget in force."""
    lock_version(department)
    proposal = BudgetProposal.objects.filter(
        pk=proposal_id, department=department, status=ProposalStatus.OPEN
    ).first()
    if proposal is None:
        raise ValidationError(ANSWERED_MEANWHILE)
    if proposal.from_security_team and not roles.heads(by, department):
        raise PermissionDenied("The head of the department agrees to the security team's budget.")
    if not proposal.from_security_team and not on_security_side(by):
        raise PermissionDenied("The security team agrees to the head's budget.")
    proposal.status, proposal.answered_by, proposal.answered_at = (
        ProposalStatus.ACCEPTED,
        by,
        now or timezone.now(),
    )
    proposal.save(update_fields=["status", "answered_by", "answered_at"])
    _put_in_force(department, proposal)
    return proposal


def _put_in_force(department: Department, proposal: BudgetProposal) -> None:
    department.friction_budget_hours = proposal.hours
    department.budget_proposal = proposal
    save_versioned(department)


@dataclass(frozen=True)
class Negotiation:
    """What the budget card shows: where the budget in force came from, and the open
    proposal, if any, with whether this user is the one to answer it."""

    in_force: BudgetProposal | None
    open: BudgetProposal | None
    can_answer: bool
    can_propose: bool

    @property
    def agreed(self) -> bool:
        return self.in_force is not None and self.in_force.status == ProposalStatus.ACCEPTED


def negotiation(department: Department, user: AnyUser) -> Negotiation:
    """Two queries, whatever the history."""
    related = ("proposed_by", "answered_by")
    in_force = (
        BudgetProposal.objects.select_related(*related)
        .filter(pk=department.budget_proposal_id)
        .first()
        if department.budget_proposal_id
        else None
    )
    open_proposal = (
        BudgetProposal.objects.select_related(*related)
        .filter(department=department, status=ProposalStatus.OPEN)
        .first()
    )
    can_answer = open_proposal is not None and (
        roles.heads(user, department)
        if open_proposal.from_security_team
        else on_security_side(user)
    )
    return Negotiation(in_force, open_proposal, can_answer, may_negotiate(user, department))
