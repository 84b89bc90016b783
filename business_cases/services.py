"""The life of a business case: create, keep people-time in step, submit, decide, revise.

draft → submitted → approved / rejected / revision requested. The security team writes
and submits; only executives decide, with a comment. A decided case that changes starts
its next revision (back to draft), which needs a decision of its own; an approved case
is locked until someone starts that revision on purpose.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from business_cases import announcements, budget, finance, sources
from business_cases.models import (
    DECIDED,
    BudgetEnvelope,
    BusinessCase,
    CaseDecision,
    CaseStatus,
    CostCategory,
    CostLine,
    LoadedRate,
    Outcome,
    Recurrence,
)
from business_cases.models.fields import MAX_MONEY
from departments import roles
from departments.versioning import save_versioned
from objectives.models import Initiative, InitiativeStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CENT = Decimal("0.01")
# Initiative.budget holds 12 digits before the point.
MAX_INITIATIVE_BUDGET = Decimal("999999999999.99")


def assessed_people_time(case: BusinessCase) -> list[CostLine]:
    """The people-time lines the initiative's impact assessments call for now (unsaved)."""
    assessed = sources.assessed_time(case.initiative)
    rates = LoadedRate.rates_for({a.department_id for a in assessed})
    lines = []
    for a in assessed:
        rate = rates[a.department_id]
        # An assessment's hours have no upper bound of their own: the line takes at most
        # what any cost line may hold, so the case's figures stay in range.
        yearly = min(finance.people_time_yearly(a.hours_per_week, rate), MAX_MONEY)
        lines.append(
            CostLine(
                case=case,
                description=(
                    f"People-time, {a.department_name}: {a.hours_per_week} h/week × "
                    f"{finance.WORKING_WEEKS_PER_YEAR} weeks × {rate}/h"
                ),
                category=CostCategory.PEOPLE_TIME,
                recurrence=Recurrence.YEARLY,
                amount=yearly.quantize(CENT),
                source_department_id=a.department_id,
                hours_per_week=a.hours_per_week,
                hourly_rate=rate,
            )
        )
    return lines


def people_time_drift(case: BusinessCase) -> bool:
    """True when the assessments now say something else than the case's people-time lines."""
    stored = {
        (line.source_department_id, line.amount)
        for line in case.cost_lines.all()
        if line.is_from_assessment
    }
    return stored != {
        (line.source_department_id, line.amount) for line in assessed_people_time(case)
    }


def refresh_people_time(case: BusinessCase) -> None:
    """One yearly people-time line per assessed department, in step with the assessments.

    The lines are the case's own rows, so they are in its history and its snapshot; the
    editor shows them read-only, and only a change of the assessment changes them.
    """
    wanted = {line.source_department_id: line for line in assessed_people_time(case)}
    existing = {
        line.source_department_id: line
        for line in CostLine.objects.filter(case=case, source_department__isnull=False)
    }
    for department_id, line in existing.items():
        if department_id not in wanted:
            line.delete()
    for department_id, line in wanted.items():
        current = existing.get(department_id)
        if current is None:
            line.save()
        elif (current.amount, current.description) != (line.amount, line.description):
            current.amount, current.description = line.amount, line.description
            current.hours_per_week, current.hourly_rate = line.hours_per_week, line.hourly_rate
            current.save()


@transaction.atomic
def case_create(*, case: BusinessCase, author: User) -> BusinessCase:
    """Save a new draft: goals pre-filled from the initiative's supporting links, and
    people-time from its impact assessments."""
    if not roles.is_ciso(author):
        raise PermissionDenied("Only the security team writes business cases.")
    case.author = author
    case.status = CaseStatus.DRAFT
    case.full_clean()
    case.save()
    case.business_goals.set(sources.supporting_goal_ids(case.initiative))
    refresh_people_time(case)
    return case


def case_reopen(case: BusinessCase) -> bool:
    """A decided case that changes becomes the draft of its next revision (unsaved).

    True when it did; the caller saves the case.
    """
    if case.status not in DECIDED:
        return False
    case.revision += 1
    case.status = CaseStatus.DRAFT
    case.submitted_at = None
    return True


@transaction.atomic
def case_start_revision(*, case: BusinessCase, by: User) -> None:
    """Unlock an approved case: revision n+1, a draft, compared with what was approved."""
    if not roles.is_ciso(by):
        raise PermissionDenied("Only the security team revises business cases.")
    locked = BusinessCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.APPROVED:
        raise ValidationError("Only an approved case needs a new revision to change.")
    case_reopen(case)
    save_versioned(case, update_fields=["revision", "status", "submitted_at", "updated_at"])
    refresh_people_time(case)


@transaction.atomic
def case_submit(*, case: BusinessCase, by: User) -> None:
    """Send a draft to senior leadership, queueing one email per executive with it."""
    if not roles.is_ciso(by):
        raise PermissionDenied("Only the security team submits business cases.")
    locked = BusinessCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.DRAFT:
        raise ValidationError("Only a draft can be submitted.")
    if not case.has_content:
        raise ValidationError(
            "Add at least one cost and one benefit (a risk scenario, a benefit line or time "
            "saved) before submitting: there is nothing to decide yet."
        )
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = timezone.now()
    save_versioned(case, update_fields=["status", "submitted_at", "updated_at"])
    announcements.case_submitted(case)


def approvals_needed(case: BusinessCase) -> int:
    """Executives who must approve the revision: two above CASE_COSIGN_ABOVE (total cost
    of ownership over the horizon), else one."""
    return 2 if case.figures.total_cost_of_ownership > settings.CASE_COSIGN_ABOVE else 1


def approvals_so_far(case: BusinessCase) -> list[CaseDecision]:
    """The approvals already given to the case's current revision (a co-signature waits)."""
    return [
        d
        for d in case.decisions.all()
        if d.revision == case.revision and d.outcome == Outcome.APPROVED
    ]


@transaction.atomic
def case_decide(
    *, case: BusinessCase, outcome: str, comment: str, by: User, acknowledged: bool = False
) -> CaseDecision:
    """An executive's decision on the submitted revision, with a snapshot of its figures.

    Approving needs the executive to acknowledge the trade-off's warnings (unmitigated
    conflicts, refused assessments), and the case to fit the year's budget envelope; a
    case above CASE_COSIGN_ABOVE stays submitted until a second executive approves too.
    The final approval draws from the envelope, plans the initiative and records the
    approved budget against it. Rows are locked case first, then the envelope, so two
    approvals at once cannot overspend. The author's email is queued with the decision.
    """
    if not roles.is_executive(by):
        raise PermissionDenied("Only senior leadership decides business cases.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose approve, reject or send back."})
    if not comment.strip():
        raise ValidationError({"comment": "Say why: the security team acts on it."})
    locked = BusinessCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.SUBMITTED or locked.revision != case.revision:
        raise ValidationError("This case is not awaiting a decision.")
    earlier = list(
        CaseDecision.objects.filter(case=case, revision=case.revision, outcome=Outcome.APPROVED)
    )
    if any(d.decided_by_id == by.pk for d in earlier):
        raise ValidationError(
            "You have approved this revision already: a second executive co-signs."
        )
    warnings = sources.trade_off(case.initiative).warnings
    final = outcome != Outcome.APPROVED or len(earlier) + 1 >= approvals_needed(case)
    if outcome == Outcome.APPROVED:
        if warnings and not acknowledged:
            raise ValidationError(
                {"acknowledge": "Acknowledge the warnings about the business side to approve."}
            )
        if final:
            _draw_from_envelope(case)
    decision = CaseDecision.objects.create(
        case=case,
        revision=case.revision,
        outcome=outcome,
        comment=comment.strip(),
        decided_by=by,
        snapshot=case.snapshot(),
        acknowledged=warnings if outcome == Outcome.APPROVED else [],
    )
    if final:
        case.status = outcome
        save_versioned(case, update_fields=["status", "updated_at"])
        if outcome == Outcome.APPROVED:
            _plan_initiative(case)
        # A first approval that waits for its co-signature is no news for the author yet.
        announcements.case_decided(decision)
    return decision


def _draw_from_envelope(case: BusinessCase) -> None:
    """Lock the year's envelope, refuse an approval it cannot cover, record the draw."""
    year = budget.this_year()
    envelope = BudgetEnvelope.objects.select_for_update().filter(year=year).first()
    problems = []
    if envelope is not None:  # without an envelope there is nothing to exceed
        problems = budget.shortfall(case, year, budget=budget.year_budget(year, envelope=envelope))
    if problems:
        raise ValidationError(
            [*problems, "An executive can raise the envelope on the budget page first."]
        )
    budget.record_draw(case, year)


def _plan_initiative(case: BusinessCase) -> None:
    """An approved case plans its initiative (if still proposed) and sets its budget to
    the approved total cost of ownership."""
    initiative = Initiative.objects.select_for_update().get(pk=case.initiative_id)
    approved = min(case.figures.total_cost_of_ownership, MAX_INITIATIVE_BUDGET).quantize(CENT)
    if initiative.status == InitiativeStatus.PROPOSED:
        initiative.status = InitiativeStatus.PLANNED
    initiative.budget = approved
    save_versioned(initiative, update_fields=["status", "budget", "updated_at"])
