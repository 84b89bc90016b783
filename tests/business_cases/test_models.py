"""Business case rules held by the database, the models' figures, and who may see a case."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from business_cases import services, sources
from business_cases.models import (
    BusinessCase,
    CaseDecision,
    CostCategory,
    CostLine,
    LoadedRate,
    Recurrence,
    get_case_for,
    get_case_to_decide,
)
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


def assert_rejected(make: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_horizon_must_be_1_to_10_years_in_the_database() -> None:
    initiative = factories.InitiativeFactory()
    for bad in (0, 11):
        assert_rejected(
            lambda bad=bad: BusinessCase.objects.create(
                initiative=initiative, title="x", horizon_years=bad
            )
        )
    for good in (1, 10):
        BusinessCase.objects.create(initiative=initiative, title=f"ok {good}", horizon_years=good)


def test_discount_rate_must_be_0_to_100_percent() -> None:
    initiative = factories.InitiativeFactory()
    for bad in ("-0.01", "100.01"):
        assert_rejected(
            lambda bad=bad: BusinessCase.objects.create(
                initiative=initiative, title="x", discount_rate=D(bad)
            )
        )


def test_money_cannot_be_negative_in_the_database() -> None:
    case = factories.CaseFactory()
    assert_rejected(lambda: factories.CostLineFactory(case=case, amount=D("-1")))
    assert_rejected(lambda: factories.BenefitFactory(case=case, yearly_amount=D("-1")))
    assert_rejected(lambda: factories.ScenarioFactory(case=case, sle=D("-1")))
    assert_rejected(lambda: factories.ScenarioFactory(case=case, sle_after=D("-1")))
    assert_rejected(lambda: factories.UserImpactFactory(case=case, hourly_rate=D("-1")))
    assert_rejected(lambda: LoadedRate.objects.create(hourly_rate=D("-1")))


def test_low_likely_high_must_be_in_order() -> None:
    case = factories.CaseFactory()
    assert_rejected(lambda: factories.ScenarioFactory(case=case, sle_low=D(300000)))
    assert_rejected(lambda: factories.ScenarioFactory(case=case, aro_after_high=D("0.01")))
    factories.ScenarioFactory(case=case, sle_low=D(1), sle_high=D(10**6), aro_after_high=D("0.5"))


def test_a_served_cia_goal_needs_a_sentence() -> None:
    initiative = factories.InitiativeFactory()
    assert_rejected(
        lambda: BusinessCase.objects.create(
            initiative=initiative, title="x", serves_integrity=True, integrity_how=""
        )
    )


def test_one_decision_per_executive_and_revision_and_never_without_a_comment() -> None:
    case = factories.CaseFactory()
    cfo, ceo = factories.UserFactory(), factories.UserFactory()
    CaseDecision.objects.create(
        case=case, revision=1, outcome="approved", comment="Go.", decided_by=cfo
    )
    assert_rejected(
        lambda: CaseDecision.objects.create(
            case=case, revision=1, outcome="rejected", comment="No", decided_by=cfo
        )
    )
    # A second executive co-signs the same revision.
    CaseDecision.objects.create(
        case=case, revision=1, outcome="approved", comment="Agreed.", decided_by=ceo
    )
    assert_rejected(
        lambda: CaseDecision.objects.create(
            case=case, revision=2, outcome="approved", comment="", decided_by=cfo
        )
    )


@pytest.fixture
def default_rate() -> None:
    """The default row as migration 0002 makes it. Browser tests (transactional) empty
    every table when they finish, migration data included, and may run before this."""
    from django.apps import apps

    migration = importlib.import_module("business_cases.migrations.0002_default_loaded_rate")
    migration.create_default(apps, None)
    migration.create_default(apps, None)  # idempotent: still one row


def test_one_default_loaded_rate_and_one_per_department(default_rate: None, dept_a: Any) -> None:
    assert LoadedRate.objects.filter(department__isnull=True).count() == 1
    assert_rejected(lambda: LoadedRate.objects.create(hourly_rate=D(1)))
    LoadedRate.objects.create(department=dept_a, hourly_rate=D(80))
    assert_rejected(lambda: LoadedRate.objects.create(department=dept_a, hourly_rate=D(90)))


def test_rates_fall_back_to_the_default(default_rate: None, dept_a: Any, dept_b: Any) -> None:
    LoadedRate.objects.filter(department__isnull=True).update(hourly_rate=D(55))
    LoadedRate.objects.create(department=dept_a, hourly_rate=D(80))
    assert LoadedRate.rates_for({dept_a.pk, dept_b.pk}) == {dept_a.pk: D(80), dept_b.pk: D(55)}


def test_case_figures_come_from_its_lines() -> None:
    case = factories.sso_case()
    figures = BusinessCase.objects.with_lines().get(pk=case.pk).figures
    assert figures.total_cost_of_ownership == D(86700)
    assert figures.yearly_benefit == D(52000)
    assert figures.npv.quantize(D("0.01")) == D("52314.80")  # type: ignore[union-attr]


def test_user_time_lines_go_to_costs_or_benefits() -> None:
    case = factories.CaseFactory()
    # 200 users × 3 min ÷ 60 × 46 weeks × 40/h = 18,400 a year
    factories.UserImpactFactory(case=case, effect="added")
    factories.UserImpactFactory(case=case, effect="saved", users=100)  # 9,200 a year
    inputs = BusinessCase.objects.with_lines().get(pk=case.pk).inputs()
    assert inputs.yearly_cost == D(18400)
    assert inputs.other_yearly_benefit == D(9200)


def test_snapshot_keeps_figures_as_strings() -> None:
    case = BusinessCase.objects.with_lines().get(pk=factories.sso_case().pk)
    snapshot = case.snapshot()
    assert snapshot["figures"]["total_cost_of_ownership"] == "86700.00"
    assert snapshot["figures"]["rosi"] == "0.7993"
    assert snapshot["figures"]["payback_months"] == "10.9"
    assert snapshot["sensitivity"]["likely"]["npv"] == "52314.80"
    empty = BusinessCase.objects.with_lines().get(pk=factories.CaseFactory().pk).snapshot()
    assert empty["figures"]["rosi"] == "not meaningful"


# --- people-time from impact assessments ---------------------------------------------


def test_people_time_follows_the_impact_assessments(ciso: Any, dept_a: Any, dept_b: Any) -> None:
    initiative = factories.InitiativeFactory()
    factories.AssessmentFactory(initiative=initiative, department=dept_a, hours_per_week=D(3))
    LoadedRate.objects.create(department=dept_a, hourly_rate=D(50))
    case = services.case_create(case=BusinessCase(initiative=initiative, title="SSO"), author=ciso)
    line = CostLine.objects.get(case=case, source_department=dept_a)
    # 3 h/week × 46 weeks × 50/h = 6,900
    assert line.amount == D("6900.00")
    assert (line.category, line.recurrence) == (CostCategory.PEOPLE_TIME, Recurrence.YEARLY)

    factories.AssessmentFactory(initiative=initiative, department=dept_b, hours_per_week=D(1))
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert services.people_time_drift(case)
    services.refresh_people_time(case)
    # Sales at the default 60/h: 1 × 46 × 60 = 2,760
    assert CostLine.objects.get(case=case, source_department=dept_b).amount == D("2760.00")
    assert not services.people_time_drift(BusinessCase.objects.with_lines().get(pk=case.pk))


def test_a_new_case_takes_the_goals_the_initiative_supports(ciso: Any, dept_a: Any) -> None:
    initiative = factories.InitiativeFactory()
    supported = factories.LinkFactory(initiative=initiative, goal__department=dept_a).goal
    factories.LinkFactory(initiative=initiative, goal__department=dept_a, relation="conflicts")
    case = services.case_create(case=BusinessCase(initiative=initiative, title="SSO"), author=ciso)
    assert list(case.business_goals.all()) == [supported]


def test_without_a_provider_there_is_no_people_time(monkeypatch: Any) -> None:
    monkeypatch.setattr(sources, "_people_time", None)
    assert sources.assessed_time(object()) == []


# --- who sees a case ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ciso", "executive", "admin_user"])
def test_security_executives_and_admins_see_cases(who: str, request: Any) -> None:
    case = factories.CaseFactory()
    assert get_case_for(request.getfixturevalue(who), case.pk) == case


@pytest.mark.parametrize("who", ["head_a", "outsider"])
def test_heads_and_others_get_404(who: str, request: Any, dept_a: Any) -> None:
    case = factories.CaseFactory()
    with pytest.raises(Http404):
        get_case_for(request.getfixturevalue(who), case.pk)


def test_only_the_security_team_writes_and_only_executives_decide(
    ciso: Any, executive: Any
) -> None:
    case = factories.CaseFactory()
    with pytest.raises(PermissionDenied):
        get_case_for(executive, case.pk, write=True)
    assert get_case_for(ciso, case.pk, write=True) == case
    with pytest.raises(PermissionDenied):
        get_case_to_decide(ciso, case.pk)
    assert get_case_to_decide(executive, case.pk) == case
