"""Business cases for the demo company, for `seed_demo` to call after it seeds initiatives.

Looked up by initiative and title and created only when missing, like the rest of the
demo; no email is sent (statuses and the decision are written directly, not through the
workflow services).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from django.db import transaction
from django.utils import timezone

from business_cases import budget, services, sources
from business_cases.models import (
    BenefitLine,
    BudgetEnvelope,
    BusinessCase,
    CaseDecision,
    CaseStatus,
    CostLine,
    Outcome,
    RiskScenario,
    Spend,
    UserImpactLine,
)
from objectives.models import Initiative

if TYPE_CHECKING:
    from django.contrib.auth.models import User

D = Decimal
# The parts of a row of CASES, as its comment lays them out; amounts are text, for D().
CostRow: TypeAlias = tuple[str, str, str, str]
ScenarioRow: TypeAlias = tuple[str, bool, bool, bool, str, str, str, str, str, str, str, str, str]
BenefitRow: TypeAlias = tuple[str, str]
UserRow: TypeAlias = tuple[str, int, str, str, str]
CaseRow: TypeAlias = tuple[
    str,
    CaseStatus,
    str,
    list[CostRow],
    list[ScenarioRow],
    list[BenefitRow],
    list[UserRow],
    tuple[str, str, str],
]
# fmt: off
# initiative: (title, status, summary, [(description, category, recurrence, amount)],
#              [(scenario, C, I, A, sle low/likely/high, aro before low/likely/high,
#                aro after low/likely/high)], [(benefit, yearly)],
#              [(user line, users, minutes a week, added/saved, rate)], cia how)
CASES: dict[str, CaseRow] = {
    "Roll out SSO + MFA": (
        "SSO + MFA for every employee", CaseStatus.APPROVED,
        "One login with MFA for every business app: phished passwords stop being enough to "
        "get in, and the help desk stops resetting passwords.",
        [("Identity provider licences", "licences", "yearly", "18000"),
         ("Integration and roll-out services", "services", "one_off", "25000"),
         ("Hardware keys for travellers", "hardware", "one_off", "3200")],
        [("Account takeover through a phished password", True, True, False,
          "120000", "250000", "400000", "0.3", "0.4", "0.6", "0.02", "0.05", "0.1")],
        [("Audit evidence for access control, hours saved", "4000")],
        [("MFA prompts", 420, "2", "added", "45"),
         ("Password resets no longer needed", 420, "3", "saved", "45")],
        ("Phished passwords no longer open accounts.", "", ""),
    ),
    "EDR on all laptops": (
        "EDR on every laptop", CaseStatus.SUBMITTED,
        "Detect and contain ransomware on a laptop in minutes instead of days.",
        [("EDR licences", "licences", "yearly", "21000"),
         ("Managed detection service", "services", "yearly", "12000")],
        [("Ransomware on a laptop spreads to file shares", False, True, True,
          "150000", "400000", "900000", "0.15", "0.25", "0.4", "0.03", "0.05", "0.1")],
        [],
        [("Agent scans slow local builds", 60, "2", "added", "70")],
        ("", "Tampered files are caught before they spread.",
         "Laptops are back in hours, not days."),
    ),
    "DLP for customer data": (
        "DLP for customer data", CaseStatus.SUBMITTED,
        "Stop customer records leaving by email, cloud shares and USB: GDPR evidence of "
        "where the data goes, at a price in Sales' time while the rules are tuned.",
        [("DLP licences", "licences", "yearly", "38000"),
         ("Deployment and rule design", "services", "one_off", "42000"),
         ("Rule tuning, first year", "staff", "one_off", "12000")],
        [("Customer records leak through email or a shared link", True, False, False,
          "150000", "450000", "1500000", "0.15", "0.3", "0.5", "0.05", "0.1", "0.2")],
        [("GDPR records of processing kept up to date, hours saved", "6000")],
        [],
        ("Customer records stay where they belong.", "", ""),
    ),
    "Secrets manager": (
        "A secrets manager for the platform", CaseStatus.DRAFT,
        "Credentials out of repositories and CI variables, rotated automatically.",
        [("Secrets manager licence", "licences", "yearly", "9000"),
         ("Migration of existing secrets", "staff", "one_off", "15000")],
        [("Leaked cloud key used to mine or steal data", True, False, False,
          "50000", "150000", "600000", "0.1", "0.2", "0.3", "0.02", "0.04", "0.08")],
        [],
        [],
        ("Keys no longer live in repositories.", "", ""),
    ),
}
# fmt: on


@transaction.atomic
def seed_business_cases(
    *, initiatives: Mapping[str, Initiative], author: User, executive: User
) -> list[BusinessCase]:
    """The demo's cases (approved, two submitted, draft) for the initiatives that exist,
    and this year's security budget with the approved case drawing from it."""
    _seed_envelope(executive)
    made = []
    for initiative_title, row in CASES.items():
        initiative = initiatives.get(initiative_title)
        if initiative is None:
            continue
        title, status, summary, costs, scenarios, benefits, users, how = row
        if BusinessCase.objects.filter(initiative=initiative, title=title).exists():
            continue
        case = _create_case(initiative, title, summary, how, author=author)
        _add_lines(case, costs=costs, scenarios=scenarios, benefits=benefits, users=users)
        _set_status(case, status, executive)
        made.append(case)
    return made


def _create_case(
    initiative: Initiative, title: str, summary: str, how: tuple[str, str, str], *, author: User
) -> BusinessCase:
    """The case itself, with its business goals and the people-time its initiative costs."""
    confidentiality, integrity, availability = how
    case = BusinessCase.objects.create(
        initiative=initiative,
        title=title,
        summary=summary,
        author=author,
        serves_confidentiality=bool(confidentiality),
        confidentiality_how=confidentiality,
        serves_integrity=bool(integrity),
        integrity_how=integrity,
        serves_availability=bool(availability),
        availability_how=availability,
        user_benefits="Fewer interruptions from incidents, and customers who trust us "
        "with their data: they ask about it in every security questionnaire.",
    )
    case.business_goals.set(sources.supporting_goal_ids(initiative))
    services.refresh_people_time(case)
    return case


def _add_lines(
    case: BusinessCase,
    *,
    costs: list[CostRow],
    scenarios: list[ScenarioRow],
    benefits: list[BenefitRow],
    users: list[UserRow],
) -> None:
    """The case's tables, as laid out in CASES: costs, risk scenarios, benefits, end users."""
    for description, category, recurrence, amount in costs:
        CostLine.objects.create(
            case=case,
            description=description,
            category=category,
            recurrence=recurrence,
            amount=D(amount),
        )
    for scenario in scenarios:
        _add_scenario(case, scenario)
    for description, yearly in benefits:
        BenefitLine.objects.create(case=case, description=description, yearly_amount=D(yearly))
    for description, count, minutes, effect, rate in users:
        UserImpactLine.objects.create(
            case=case,
            description=description,
            users=count,
            minutes_per_week=D(minutes),
            effect=effect,
            hourly_rate=D(rate),
        )


def _add_scenario(case: BusinessCase, row: ScenarioRow) -> None:
    name, c, i, a, *numbers = row
    sle_low, sle, sle_high, b_low, b, b_high, a_low, a_likely, a_high = map(D, numbers)
    RiskScenario.objects.create(
        case=case,
        name=name,
        affects_confidentiality=c,
        affects_integrity=i,
        affects_availability=a,
        sle_low=sle_low,
        sle=sle,
        sle_high=sle_high,
        aro_before_low=b_low,
        aro_before=b,
        aro_before_high=b_high,
        aro_after_low=a_low,
        aro_after=a_likely,
        aro_after_high=a_high,
    )


def _set_status(case: BusinessCase, status: str, executive: User) -> None:
    if status == CaseStatus.DRAFT:
        return
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = timezone.now()
    case.save()
    if status == CaseStatus.APPROVED:
        fresh = BusinessCase.objects.with_lines().get(pk=case.pk)
        CaseDecision.objects.create(
            case=fresh,
            revision=fresh.revision,
            outcome=Outcome.APPROVED,
            comment="Approved: the pessimistic set still pays back within the horizon.",
            decided_by=executive,
            snapshot=fresh.snapshot(),
        )
        case.status = CaseStatus.APPROVED
        case.save()
        budget.record_draw(fresh, budget.this_year())
        _seed_spend(fresh, case.author or executive)


def _seed_envelope(executive: User) -> None:
    BudgetEnvelope.objects.get_or_create(
        year=budget.this_year(),
        defaults={"one_off": D("150000"), "running": D("120000"), "set_by": executive},
    )


# What the approved SSO case has cost so far this year: (kind, amount, invoice).
SPEND = (
    ("one_off", "25000", "Integration and roll-out services, final invoice"),
    ("one_off", "3200", "Hardware keys for travellers"),
    ("running", "9000", "Identity provider licences, first half-year"),
)


def _seed_spend(case: BusinessCase, author: User) -> None:
    if Spend.objects.filter(initiative=case.initiative).exists():
        return
    for kind, amount, description in SPEND:
        Spend.objects.create(
            initiative=case.initiative,
            year=budget.this_year(),
            kind=kind,
            amount=D(amount),
            description=description,
            entered_by=author,
        )
