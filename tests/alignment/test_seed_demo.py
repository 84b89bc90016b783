"""The `seed_demo` management command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum

from alignment.models import (
    AlignmentLink,
    ImpactAssessment,
    ProgrammeReview,
    Relation,
    ReviewStatus,
)
from departments.models import CheckIn, Department, Goal
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from objectives.models import Initiative, Measure, SampleSource, SecurityObjective

MODELS = (
    Department,
    Goal,
    CheckIn,
    SecurityObjective,
    Initiative,
    AlignmentLink,
    ImpactAssessment,
    get_user_model(),
)


@pytest.fixture
def debug_on(settings: Any) -> None:
    # The test runner runs with DEBUG off, which the command refuses on purpose.
    settings.DEBUG = True


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    rows = {model.__name__: model.objects.count() for model in MODELS}
    # The history tables too: a second run that re-saved rows would show up here.
    rows.update({f"history of {m.__name__}": m.history.count() for m in MODELS[:-1]})
    return rows


@pytest.mark.django_db
def test_it_changes_nothing_when_run_twice(debug_on: None) -> None:
    seed()
    first = counts()
    seed()
    assert counts() == first


@pytest.mark.django_db
def test_it_builds_departments_goals_and_checkins(debug_on: None) -> None:
    seed()
    slugs = set(Department.objects.values_list("slug", flat=True))
    assert {"infrastructure", "sales", "product", "finance", "legal"} <= slugs
    assert slugs & {"hr", "human-resources"}
    assert Department.objects.filter(head__isnull=True).count() == 0
    assert Goal.objects.count() >= 20
    assert Goal.objects.filter(status="done").exists()
    assert Goal.objects.at_risk().exists()
    for goal in Goal.objects.all():
        latest = goal.checkins.order_by("-date").first()
        assert goal.checkins.count() >= 6
        assert latest is not None and latest.value == goal.current


@pytest.mark.django_db
def test_it_builds_the_security_programme(debug_on: None) -> None:
    seed()
    titles = set(SecurityObjective.objects.values_list("title", flat=True))
    assert len(titles) == 5
    assert {"Security as a business goal", "Efficiency"} <= titles
    assert Initiative.objects.count() >= 10
    assert not Initiative.objects.filter(end_date__lt=F("start_date")).exists()
    assert set(AlignmentLink.objects.values_list("relation", flat=True)) == set(Relation.values)


@pytest.mark.django_db
def test_it_creates_conflicts_with_and_without_mitigation(debug_on: None) -> None:
    seed()
    conflicts = AlignmentLink.objects.conflicts()
    assert conflicts.exclude(mitigation="").count() >= 2
    assert conflicts.unmitigated().count() >= 2


@pytest.mark.django_db
def test_it_puts_a_department_over_its_friction_budget(debug_on: None) -> None:
    seed()
    over = Department.objects.annotate(hours=Sum("impact_assessments__hours_per_week")).filter(
        hours__gt=F("friction_budget_hours")
    )
    assert over.exists()
    agreements = set(ImpactAssessment.objects.values_list("head_agreement", flat=True))
    assert agreements == {"pending", "agreed", "disagreed"}


@pytest.mark.django_db
def test_it_creates_demo_logins(debug_on: None, settings: Any) -> None:
    output = seed()
    users = get_user_model().objects
    for username in ("ciso", "exec", "admin", "head-infrastructure", "head-sales"):
        assert users.get(username=username).check_password(settings.DEMO_PASSWORD)
        assert username in output
    assert settings.DEMO_PASSWORD in output
    assert users.get(username="ciso").groups.filter(name=SECURITY_GROUP).exists()
    assert users.get(username="exec").groups.filter(name=EXECUTIVE_GROUP).exists()
    assert users.get(username="admin").is_superuser
    assert Department.objects.get(slug="sales").head == users.get(username="head-sales")


@pytest.mark.django_db
def test_it_keeps_an_existing_users_password(
    debug_on: None, settings: Any, admin_user: Any
) -> None:
    output = seed()
    admin_user.refresh_from_db()
    assert not admin_user.check_password(settings.DEMO_PASSWORD)
    assert "keep their own password: admin" in output


@pytest.mark.django_db
def test_it_refuses_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        seed()
    assert all(count == 0 for count in counts().values())


@pytest.mark.django_db
def test_it_does_nothing_with_if_empty_on_a_non_empty_database(debug_on: None, dept_a: Any) -> None:
    output = seed("--if-empty")
    assert "Database already has data; not seeding." in output
    assert Department.objects.count() == 1
    assert Goal.objects.count() == 0


@pytest.mark.django_db
def test_it_seeds_an_empty_database_with_if_empty(debug_on: None) -> None:
    seed("--if-empty")
    assert Department.objects.count() >= 6


@pytest.mark.django_db
def test_the_demo_programme_has_measures_with_a_trend_and_computed_samples(
    debug_on: None,
) -> None:
    seed()
    typed = Measure.objects.get(title="Laptops with EDR")
    assert typed.samples.count() == 9 and not typed.is_stale()
    assert typed.goals.filter(title="99.95 % uptime").exists()
    computed = Measure.objects.get(title="Goal coverage")
    assert computed.samples.get().source == SampleSource.COMPUTED


@pytest.mark.django_db
def test_the_demo_has_last_quarters_review_finished(debug_on: None) -> None:
    seed()
    review = ProgrammeReview.objects.get()
    assert review.status == ReviewStatus.FINISHED
    assert review.items.filter(verdict="adjust").exists()
    assert SecurityObjective.objects.exclude(next_review=None).exists()


@pytest.mark.django_db
def test_the_exec_meets_the_dlp_case_with_its_trade_off_at_once(
    debug_on: None, client: Any
) -> None:
    """A newcomer logged in as `exec` finds the DLP case awaiting their decision, with the
    conflict with Sales' revenue goal and Sales' refusal on it, and this year's budget."""
    from business_cases import budget
    from business_cases.models import BusinessCase, CaseStatus

    seed()
    case = BusinessCase.objects.get(initiative__title="DLP for customer data")
    assert case.status == CaseStatus.SUBMITTED
    client.force_login(get_user_model().objects.get(username="exec"))
    html = client.get(case.get_absolute_url() + "decide/").content.decode()
    assert "Triple annual revenue" in html and "Nothing softens it yet." in html
    assert "The head of Sales refused the assessment" in html
    assert "needs the approval of two executives" in html
    year_budget = budget.year_budget(budget.this_year())
    assert year_budget.is_set and year_budget.one_off.committed > 0
    # The DLP case fits what remains: the demo's executives can approve it.
    assert budget.shortfall(case, budget.this_year()) == []
