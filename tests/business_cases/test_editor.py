"""Creating and editing a case: validation, the live figures, and what gets saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from business_cases.models import BusinessCase, CaseStatus, CostLine, LoadedRate, RiskScenario
from tests import factories
from tests.business_cases.helpers import cost, editor_data, existing_rows, scenario
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db
D = Decimal


def edit_url(case: BusinessCase) -> str:
    return reverse("business_cases:case-edit", kwargs={"case_id": case.pk})


def figures_url(case: BusinessCase) -> str:
    return reverse("business_cases:case-figures", kwargs={"case_id": case.pk})


# --- create ------------------------------------------------------------------------------


def test_ciso_creates_a_case_with_goals_and_people_time_filled_in(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    initiative = factories.InitiativeFactory(title="Roll out SSO + MFA")
    goal = factories.LinkFactory(initiative=initiative, goal__department=dept_a).goal
    factories.AssessmentFactory(initiative=initiative, department=dept_a, hours_per_week=D(2))
    client.force_login(ciso)
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    assert "Roll out SSO + MFA" in client.get(url).text

    response = client.post(
        url, {"title": "SSO case", "summary": "", "horizon_years": "3", "discount_rate": "8"}
    )

    case = BusinessCase.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(case)
    assert (case.author, case.status, case.revision) == (ciso, CaseStatus.DRAFT, 1)
    assert list(case.business_goals.all()) == [goal]
    # 2 h/week × 46 weeks × the default 60/h = 5,520
    assert case.cost_lines.get().amount == D("5520.00")


@pytest.mark.parametrize("horizon", ["0", "11"])
def test_create_refuses_a_horizon_out_of_range(client: Any, ciso: Any, horizon: str) -> None:
    initiative = factories.InitiativeFactory()
    client.force_login(ciso)
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    data = {"title": "x", "horizon_years": horizon, "discount_rate": "8"}
    response = client.post(url, data)
    assert response.status_code == 422  # an invalid form, in place
    assert "The horizon is 1 to 10 years." in response.text
    assert not BusinessCase.objects.exists()


@pytest.mark.parametrize("who", ["executive", "head_a"])
def test_only_the_security_team_creates_cases(client: Any, who: str, request: Any) -> None:
    initiative = factories.InitiativeFactory()
    client.force_login(request.getfixturevalue(who))
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    data = {"title": "x", "horizon_years": "3", "discount_rate": "8"}
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert not BusinessCase.objects.exists()


def test_create_refuses_delete(client: Any, ciso: Any) -> None:
    initiative = factories.InitiativeFactory()
    client.force_login(ciso)
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    assert client.delete(url).status_code == 405


# --- edit and save -----------------------------------------------------------------------


def test_ciso_saves_two_cost_lines_and_a_scenario(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(
        case,
        costs=[cost("Licences", "12000"), cost("Set-up", "30000", recurrence="one_off")],
        scenarios=[scenario()],
    )
    response = client.post(edit_url(case), data)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert sorted(line.amount for line in case.cost_lines.all()) == [D(12000), D(30000)]
    assert case.scenarios.get().risk_reduction == D(50000)
    assert case.version == 2 and case.title == "SSO + MFA for everyone"


def test_negative_money_is_refused_and_nothing_is_saved(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso, title="Before")
    client.force_login(ciso)
    data = editor_data(case, costs=[cost(amount="-5")], scenarios=[scenario(sle="-1")])
    response = client.post(edit_url(case), data, title="After")
    assert response.status_code == 422  # an invalid form, in place
    assert response.text.count("Amounts cannot be negative.") == 2
    case.refresh_from_db()
    assert case.title == "Before" and case.version == 1
    assert not CostLine.objects.exists() and not RiskScenario.objects.exists()


@pytest.mark.parametrize("horizon", ["0", "11"])
def test_horizon_out_of_range_is_refused_and_nothing_is_saved(
    client: Any, ciso: Any, horizon: str
) -> None:
    case = factories.CaseFactory(author=ciso, horizon_years=3)
    client.force_login(ciso)
    response = client.post(edit_url(case), editor_data(case, costs=[cost()], horizon_years=horizon))
    assert response.status_code == 422  # an invalid form, in place
    assert "The horizon is 1 to 10 years." in response.text
    case.refresh_from_db()
    assert case.horizon_years == 3
    assert not CostLine.objects.exists()


def test_aro_after_above_before_is_saved_with_a_warning(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(
        case, costs=[cost()], scenarios=[scenario(aro_before="0.1", aro_after="0.2")]
    )
    response = client.post(edit_url(case), data, follow=True)
    assert RiskScenario.objects.get().aro_after == D("0.2")
    assert "ARO after is above ARO before" in response.text
    assert "ARO rises" in response.text  # the badge on the case page


def test_the_live_figures_warn_about_a_rising_aro_before_saving(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(case, scenarios=[scenario(aro_before="0.1", aro_after="0.2")])
    response = client.post(figures_url(case), data, **HTMX)
    assert "ARO after is above ARO before" in response.text
    assert not RiskScenario.objects.exists()


def test_low_above_likely_is_refused(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(case, scenarios=[scenario(sle_low="300000")])
    response = client.post(edit_url(case), data)
    assert "The low SLE cannot exceed the likely one." in response.text
    assert not RiskScenario.objects.exists()


def test_a_served_cia_goal_needs_its_sentence(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    response = client.post(edit_url(case), editor_data(case, serves_integrity="on"))
    assert "Say in a sentence how the case serves integrity." in response.text


def test_existing_lines_are_edited_and_removed(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    keep = factories.CostLineFactory(case=case, amount=D(100))
    drop = factories.CostLineFactory(case=case, amount=D(200))
    client.force_login(ciso)
    data = editor_data(
        case,
        costs=[cost(id=keep.pk, amount="150"), cost(id=drop.pk, amount="200", DELETE="on")],
    )
    assert client.post(edit_url(case), data).status_code == 302
    assert list(CostLine.objects.values_list("pk", "amount")) == [(keep.pk, D(150))]


def test_people_time_lines_cannot_be_dropped_from_the_editor(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    initiative = factories.InitiativeFactory()
    factories.AssessmentFactory(initiative=initiative, department=dept_a, hours_per_week=D(1))
    LoadedRate.objects.create(department=dept_a, hourly_rate=D(100))
    case = factories.CaseFactory(initiative=initiative, author=ciso)
    client.force_login(ciso)
    # Saving the editor brings the line in, and a save that does not mention it keeps it.
    assert client.post(edit_url(case), editor_data(case)).status_code == 302
    assert client.post(edit_url(case), editor_data(BusinessCase.objects.get())).status_code == 302
    line = CostLine.objects.get(case=case)
    assert (line.source_department, line.amount) == (dept_a, D("4600.00"))  # 1 × 46 × 100
    page = client.get(edit_url(case)).text
    assert "People-time, Infrastructure" in page
    # Not a row of the editable formset: nothing there to delete.
    assert 'name="costs-INITIAL_FORMS" value="0"' in page


def test_a_stale_save_is_refused_with_who_and_when(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso, title="Original")
    client.force_login(ciso)
    stale = editor_data(case, title="Mine")
    assert client.post(edit_url(case), editor_data(case, title="Theirs")).status_code == 302
    response = client.post(edit_url(case), stale)
    assert response.status_code == 422  # an invalid form, in place
    assert "review and retry" in response.text
    case.refresh_from_db()
    assert case.title == "Theirs"


@pytest.mark.parametrize("who", ["executive", "head_a", "outsider"])
def test_others_cannot_edit(client: Any, who: str, request: Any) -> None:
    case = factories.CaseFactory(title="Original")
    client.force_login(request.getfixturevalue(who))
    expected = 403 if who == "executive" else 404
    assert client.get(edit_url(case)).status_code == expected
    assert client.post(edit_url(case), editor_data(case, title="Hijacked")).status_code == expected
    assert client.post(figures_url(case), editor_data(case), **HTMX).status_code == expected
    case.refresh_from_db()
    assert case.title == "Original"


def test_edit_refuses_put(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    assert client.put(edit_url(case)).status_code == 405
    assert client.put(figures_url(case)).status_code == 405


# --- live figures --------------------------------------------------------------------------


def test_live_figures_follow_the_typed_values_and_save_nothing(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso, discount_rate=D(10), horizon_years=3)
    client.force_login(ciso)
    data = editor_data(
        case,
        costs=[cost("Set-up", "30000", recurrence="one_off"), cost("Licences", "18900")],
        scenarios=[scenario()],
        benefits=[{"description": "Audit hours", "yearly_amount": "2000"}],
    )
    response = client.post(figures_url(case), data, **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="case-figures"')
    # The worked example of test_finance: ROSI 79.9 %, NPV 52,315
    assert "79.9 %" in response.text and "52,315 EUR" in response.text
    data["scenarios-0-aro_after"] = "0.3"  # no risk reduction left
    changed = client.post(figures_url(case), data, **HTMX).text
    assert "79.9 %" not in changed and "-93.1 %" in changed
    assert not CostLine.objects.exists()
    assert BusinessCase.objects.get().version == 1


def test_live_figures_leave_out_lines_with_errors_and_say_so(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(case, costs=[cost(amount="-1"), cost(amount="100")])
    response = client.post(figures_url(case), data, **HTMX)
    assert "1 line with errors is left out" in response.text


def test_live_figures_without_htmx_or_by_get_send_the_user_to_the_editor(
    client: Any, ciso: Any
) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    for response in (client.get(figures_url(case)), client.post(figures_url(case), {})):
        assert response.status_code == 302 and response["Location"] == edit_url(case)


def test_live_figures_survive_a_broken_post(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    assert client.post(figures_url(case), {"horizon_years": "x"}, **HTMX).status_code == 200


def test_the_editor_page_is_one_form_with_live_figures(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    page = client.get(edit_url(case)).text
    assert f'hx-post="{figures_url(case)}"' in page
    assert 'hx-trigger="input delay:400ms"' in page
    assert f'action="{edit_url(case)}"' in page
    assert 'id="figure-rosi"' in page


# --- queries -------------------------------------------------------------------------------


def grow(case: BusinessCase, times: int) -> None:
    for _ in range(times):
        factories.CostLineFactory(case=case)
        factories.ScenarioFactory(case=case)
        factories.BenefitFactory(case=case)
        factories.UserImpactFactory(case=case)


def count(client: Any, method: str, url: str, data: Any = None, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **extra)
    assert response.status_code in (200, 302), response.status_code
    return len(queries)


def test_editor_queries_do_not_grow_with_the_lines(
    client: Any, ciso: Any, django_assert_max_num_queries: Any
) -> None:
    case = factories.CaseFactory(author=ciso)
    grow(case, 2)
    client.force_login(ciso)
    with django_assert_max_num_queries(30):
        client.get(edit_url(case))
    few_page = count(client, "get", edit_url(case))
    few_preview = count(client, "post", figures_url(case), full_post(case), **HTMX)
    count(client, "post", edit_url(case), full_post(case))  # the first save writes the title
    few_save = count(client, "post", edit_url(case), full_post(case))
    grow(case, 18)
    assert count(client, "get", edit_url(case)) == few_page
    assert count(client, "post", figures_url(case), full_post(case), **HTMX) == few_preview
    # Unchanged rows are not written, and reading them costs the same however many.
    assert count(client, "post", edit_url(case), full_post(case)) == few_save


def full_post(case: BusinessCase) -> dict[str, str]:
    case = BusinessCase.objects.get(pk=case.pk)
    return editor_data(case, **existing_rows(case))
