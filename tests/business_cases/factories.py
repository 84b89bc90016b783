"""Factories for business cases (tests/factories.py belongs to the foundation)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CaseStatus,
    CostCategory,
    CostLine,
    Recurrence,
    RiskScenario,
    UserImpactLine,
)
from tests import factories


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCase
        skip_postgeneration_save = True

    initiative = factory.SubFactory(factories.InitiativeFactory)
    title = factory.Sequence(lambda n: f"Business case {n}")
    summary = "Cut account takeovers."
    horizon_years = 3
    discount_rate = Decimal("10.00")
    status = CaseStatus.DRAFT


class CostLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostLine

    case = factory.SubFactory(CaseFactory)
    description = factory.Sequence(lambda n: f"Cost {n}")
    category = CostCategory.LICENCES
    recurrence = Recurrence.YEARLY
    amount = Decimal("12000.00")


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskScenario

    case = factory.SubFactory(CaseFactory)
    name = factory.Sequence(lambda n: f"Scenario {n}")
    affects_confidentiality = True
    sle = Decimal("200000.00")
    aro_before = Decimal("0.300")
    aro_after = Decimal("0.050")


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenefitLine

    case = factory.SubFactory(CaseFactory)
    description = "Audit hours saved"
    yearly_amount = Decimal("2000.00")


class UserImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserImpactLine

    case = factory.SubFactory(CaseFactory)
    description = "MFA prompts"
    users = 200
    minutes_per_week = Decimal("3.0")
    hourly_rate = Decimal("40.00")


def sso_case(author: Any = None, **kwargs: Any) -> BusinessCase:
    """The worked example of test_finance: one-off 30,000, yearly 12,000 + 6,900 people-time
    (added here as a plain line), benefit 50,000 risk reduction + 2,000."""
    case = CaseFactory(author=author, **kwargs)
    CostLineFactory(case=case, amount=Decimal(20000), recurrence=Recurrence.ONE_OFF)
    CostLineFactory(
        case=case, amount=Decimal(10000), recurrence=Recurrence.ONE_OFF, category="services"
    )
    CostLineFactory(case=case, amount=Decimal(12000))
    CostLineFactory(case=case, amount=Decimal(6900), category=CostCategory.PEOPLE_TIME)
    ScenarioFactory(case=case, name="Account takeover")
    BenefitFactory(case=case)
    return case
