"""The demo's business cases: seeded once, one per state an executive meets."""

from __future__ import annotations

from typing import Any

import pytest

from business_cases.demo import seed_business_cases
from business_cases.models import BusinessCase, CaseDecision
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_cases_are_seeded_once_with_meaningful_figures(ciso: Any, executive: Any) -> None:
    titles = ["Roll out SSO + MFA", "EDR on all laptops", "Secrets manager"]
    initiatives = {t: factories.InitiativeFactory(title=t) for t in titles}

    made = seed_business_cases(initiatives=initiatives, author=ciso, executive=executive)
    again = seed_business_cases(initiatives=initiatives, author=ciso, executive=executive)

    assert len(made) == 3 and again == []
    statuses = dict(BusinessCase.objects.values_list("title", "status"))
    assert statuses == {
        "SSO + MFA for every employee": "approved",
        "EDR on every laptop": "submitted",
        "A secrets manager for the platform": "draft",
    }
    decision = CaseDecision.objects.get()
    assert decision.decided_by == executive and decision.snapshot["figures"]["rosi"] != ""
    for case in BusinessCase.objects.with_lines():
        figures = case.figures
        assert figures.total_cost_of_ownership > 0
        assert figures.yearly_risk_reduction > 0
