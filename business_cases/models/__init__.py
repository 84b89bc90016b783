"""Business cases for security investment: costs, risk scenarios, benefits and decisions.

A case belongs to an initiative. Its figures come from `business_cases.finance`, fed by
`BusinessCase.inputs()`; nothing here computes a figure itself. The workflow (submit,
decide, start a revision) lives in `business_cases.services`.
"""

from __future__ import annotations

from business_cases.models.budget import Allocation, BudgetEnvelope, Spend, SpendKind
from business_cases.models.cases import (
    DECIDED,
    EDITABLE,
    BusinessCase,
    BusinessCaseQuerySet,
    CaseStatus,
    get_case_for,
    get_case_to_decide,
)
from business_cases.models.decisions import CaseDecision, Outcome

# Referenced by migration 0001 as business_cases.models.default_currency.
from business_cases.models.fields import default_currency
from business_cases.models.lines import (
    BenefitLine,
    CostCategory,
    CostLine,
    Recurrence,
    RiskScenario,
    UserImpactEffect,
    UserImpactLine,
    case_inputs,
)
from business_cases.models.rates import FALLBACK_HOURLY_RATE, LoadedRate

__all__ = [
    "DECIDED",
    "EDITABLE",
    "FALLBACK_HOURLY_RATE",
    "Allocation",
    "BenefitLine",
    "BudgetEnvelope",
    "BusinessCase",
    "BusinessCaseQuerySet",
    "CaseDecision",
    "CaseStatus",
    "CostCategory",
    "CostLine",
    "LoadedRate",
    "Outcome",
    "Recurrence",
    "RiskScenario",
    "Spend",
    "SpendKind",
    "UserImpactEffect",
    "UserImpactLine",
    "case_inputs",
    "default_currency",
    "get_case_for",
    "get_case_to_decide",
]
