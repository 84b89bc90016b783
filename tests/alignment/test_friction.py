"""Friction budgets: what counts against them, who sets them, where going over shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import friction
from objectives.models import InitiativeStatus
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db


def budget_url(department: Any) -> str:
    return reverse("alignment:friction-budget", args=[department.slug])


# --- What counts -----------------------------------------------------------------------


def test_friction_sums_every_initiative_but_cancelled_ones(dept_a: Any) -> None:
    for status, hours in [
        (InitiativeStatus.PROPOSED, "1"),
        (InitiativeStatus.IN_PROGRESS, "2"),
        (InitiativeStatus.DONE, "4"),  # the process it put in place still costs time
        (InitiativeStatus.CANCELLED, "8"),  # adds no work
    ]:
        factories.AssessmentFactory(
            department=dept_a, initiative__status=status, hours_per_week=Decimal(hours)
        )
    load = friction.for_department(dept_a)
    assert load.hours == Decimal("7")
    assert load.budget == Decimal("20.0")
    assert not load.over_budget


def test_friction_by_department_is_one_query_and_keeps_order(
    dept_a: Any, dept_b: Any, django_assert_num_queries: Any
) -> None:
    factories.AssessmentFactory(department=dept_b, hours_per_week=Decimal("21"))
    with django_assert_num_queries(1):
        rows = friction.by_department([dept_b, dept_a])
    assert [(r.department, r.hours, r.over_budget) for r in rows] == [
        (dept_b, Decimal("21"), True),
        (dept_a, Decimal("0"), False),
    ]


@pytest.mark.parametrize(
    ("hours", "budget", "over", "percent", "overrun"),
    [
        ("0", "0", False, 0, "0"),
        ("1", "0", True, 100, "1"),
        ("5", "10", False, 50, "0"),
        ("10", "10", False, 100, "0"),
        ("12.5", "10", True, 125, "2.5"),
    ],
)
def test_friction_arithmetic(
    dept_a: Any, hours: str, budget: str, over: bool, percent: int, overrun: str
) -> None:
    load = friction.Friction(dept_a, Decimal(hours), Decimal(budget))
    assert load.over_budget is over
    assert load.percent == percent
    assert load.overrun == Decimal(overrun)


def test_a_proposal_replaces_the_assessments_own_hours(dept_a: Any) -> None:
    edited = factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("4"))
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("6"))
    proposal = friction.with_proposal(dept_a, hours=Decimal("15"), assessment=edited)
    assert proposal.hours == Decimal("21")
    assert proposal.over_budget
    new = friction.with_proposal(dept_a, hours=Decimal("1"))
    assert new.hours == Decimal("11")
    not_counted = friction.with_proposal(
        dept_a, hours=Decimal("99"), assessment=edited, counts=False
    )
    assert not_counted.hours == Decimal("6")


# --- Setting the budget ----------------------------------------------------------------


def test_ciso_sets_the_budget_with_a_plain_form(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    page = client.get(budget_url(dept_a))
    assert page.status_code == 200 and "<html" in page.text
    data = {"friction_budget_hours": "7.5", "version": dept_a.version}
    response = client.post(budget_url(dept_a), data)
    assert response.status_code == 302
    assert response["Location"] == dept_a.get_absolute_url()
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("7.5")


def test_ciso_sets_the_budget_in_place_with_htmx(client: Any, ciso: Any, dept_a: Any) -> None:
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("9"))
    client.force_login(ciso)
    form = client.get(budget_url(dept_a), **HTMX)
    assert form.text.lstrip().startswith('<div id="friction-budget"')
    assert 'name="friction_budget_hours"' in form.text and "<html" not in form.text
    assert f'name="version" value="{dept_a.version}"' in form.text

    data = {"friction_budget_hours": "8", "version": dept_a.version}
    response = client.post(budget_url(dept_a), data, **HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="friction-budget"')
    assert 'name="friction_budget_hours"' not in response.text  # back to the summary
    assert "Over budget by 1 h" in response.text


def test_stale_budget_is_refused_in_place(client: Any, ciso: Any, dept_a: Any) -> None:
    """Two of the security team set the same budget: the second, based on an old
    version, is refused with who and when instead of overwriting the first."""
    client.force_login(ciso)
    version = dept_a.version
    client.post(budget_url(dept_a), {"friction_budget_hours": "8", "version": version})
    late = client.post(
        budget_url(dept_a),
        {"friction_budget_hours": "30", "version": version},
        HTTP_HX_REQUEST="true",
    )
    assert late.status_code == 422
    assert "Changed by" in late.text and "review and retry" in late.text
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("8")


def test_negative_budget_is_refused_in_place(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    response = client.post(budget_url(dept_a), {"friction_budget_hours": "-1"}, **HTMX)
    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0" in response.text
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("20.0")
    plain = client.post(budget_url(dept_a), {"friction_budget_hours": "lots"})
    assert plain.status_code == 422 and "<html" in plain.text


@pytest.mark.parametrize(("who", "status"), [("executive", 403), ("head_b", 404)])
def test_only_the_security_team_and_the_head_propose_budgets(
    client: Any, request: pytest.FixtureRequest, dept_a: Any, dept_b: Any, who: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(budget_url(dept_a)).status_code == status
    assert client.post(budget_url(dept_a), {"friction_budget_hours": "99"}).status_code == status
    dept_a.refresh_from_db()
    assert dept_a.friction_budget_hours == Decimal("20.0")


def test_budget_wrong_method(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    assert client.put(budget_url(dept_a)).status_code == 405


def test_unknown_department_is_404(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    url = reverse("alignment:friction-budget", args=["nowhere"])
    assert client.get(url).status_code == 404


# --- Where it shows --------------------------------------------------------------------


def test_department_page_shows_consumption_and_flags_over_budget(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    dept_a.friction_budget_hours = Decimal("5")
    dept_a.save()
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("3"))
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("2.5"))
    factories.AssessmentFactory(
        department=dept_a,
        hours_per_week=Decimal("40"),
        initiative__status=InitiativeStatus.CANCELLED,
    )
    client.force_login(head_a)
    page = client.get(dept_a.get_absolute_url()).text
    assert "Security adds <strong>5.5 h/week</strong>" in page
    assert "Over budget by 0.5 h" in page
    assert "Initiative cancelled: not counted" in page
    # The head proposes a budget too; the CISO's proposal is in force until agreed.
    assert f'hx-get="{budget_url(dept_a)}"' in page and "Propose a budget" in page


def test_department_page_offers_the_budget_to_the_ciso(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    page = client.get(dept_a.get_absolute_url()).text
    assert f'hx-get="{budget_url(dept_a)}"' in page
    assert "Within budget" in page


def test_budget_endpoint_query_count_does_not_grow(
    client: Any, ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.post(budget_url(dept_a), {"friction_budget_hours": "8"}, **HTMX)
        return len(queries)

    factories.AssessmentFactory.create_batch(2, department=dept_a)
    with django_assert_max_num_queries(14):
        small = measure()
    factories.AssessmentFactory.create_batch(20, department=dept_a)
    assert measure() == small
