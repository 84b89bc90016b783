"""Two executives approving two cases at the same moment on PostgreSQL: the envelope has
room for one of them, so exactly one is approved and nothing is overspent."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from alignment import outbox
from business_cases import budget, services
from business_cases.models import Allocation, BudgetEnvelope, BusinessCase, CaseStatus
from tests import factories
from tests.conftest import require_services, skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
D = Decimal
ROUNDS = 5


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())


def submitted(ciso: Any, title: str) -> BusinessCase:
    # 30,000 one-off and 18,900 a year each (tests/factories.sso_case).
    case = factories.sso_case(author=ciso, title=title)
    case.status = CaseStatus.SUBMITTED
    case.save()
    return case


def approve_together(cases: list[BusinessCase], executives: list[Any]) -> list[str]:
    """Each executive approves one case in its own thread (its own connection), released
    at the same instant; what each got back."""
    start = threading.Barrier(len(cases))
    results: list[str] = []

    def approve(case: BusinessCase, executive: Any) -> None:
        try:
            fresh = BusinessCase.objects.with_lines().get(pk=case.pk)
            start.wait(timeout=10)
            services.case_decide(case=fresh, outcome="approved", comment="Go.", by=executive)
            results.append("approved")
        except ValidationError as error:
            results.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=pair) for pair in zip(cases, executives, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_approvals_at_once_never_overspend_the_envelope(
    postgres: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)
    ciso = factories.security_user("ciso")
    executives = [factories.executive_user("exec"), factories.executive_user("cfo")]
    year = budget.this_year()
    # Room for one case's one-off cost (30,000), not two.
    BudgetEnvelope.objects.create(year=year, one_off=D("50000"), running=D("100000"))
    for round_ in range(ROUNDS):
        Allocation.objects.all().delete()
        cases = [submitted(ciso, f"Case {round_}-{n}") for n in range(2)]
        results = approve_together(cases, executives)
        assert sum(r == "approved" for r in results) == 1, results
        assert any("exceeds what remains" in r for r in results), results
        statuses = sorted(
            BusinessCase.objects.filter(pk__in=[c.pk for c in cases]).values_list(
                "status", flat=True
            )
        )
        assert statuses == [CaseStatus.APPROVED, CaseStatus.SUBMITTED]
        summary = budget.year_budget(year)
        assert summary.one_off.committed == D("30000.00")
        assert summary.one_off.remaining == D("50000") - D("30000.00")
