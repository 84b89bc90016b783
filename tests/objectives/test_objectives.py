"""The security team creates, edits, retires and reorders security objectives; heads read
why the business should care beside their goals; executives and heads change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from objectives.models import Initiative, ObjectiveStatus, SecurityObjective
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db


def form_data(owner: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Protect customer data",
        "description": "Customer data stays with the people who need it.",
        "business_value": "Enterprise buyers ask for it before they sign.",
        "pillar": "technology",
        "protects_confidentiality": "on",
        "owner": owner.pk,
        "status": "active",
    }
    return {**data, **overrides}


def edit_data(objective: SecurityObjective, **overrides: Any) -> dict[str, Any]:
    data = form_data(objective.owner or factories.security_user("ciso-2"), title=objective.title)
    return {**data, "version": objective.version, **overrides}


def test_ciso_creates_an_objective_linked_to_business_goals(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    client.force_login(ciso)
    data = form_data(ciso, business_goals=[uptime.pk])
    response = client.post(reverse("objectives:objective-create"), data)
    objective = SecurityObjective.objects.get()
    assert response.status_code == 302 and response["Location"] == objective.get_absolute_url()
    assert list(objective.business_goals.all()) == [uptime]
    assert objective.history.exists()
    page = client.get(objective.get_absolute_url()).content.decode()
    assert "Enterprise buyers ask for it before they sign." in page and "99.95 % uptime" in page


def test_the_head_reads_why_the_business_should_care_beside_their_goal(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    objective = factories.ObjectiveFactory(
        title="Be ready for the bad day", business_value="Customers stay when we recover fast."
    )
    objective.business_goals.add(uptime)
    factories.ObjectiveFactory(
        title="Retired one", status=ObjectiveStatus.RETIRED
    ).business_goals.add(uptime)
    client.force_login(head_a)
    page = client.get(uptime.get_absolute_url()).content.decode()
    assert "Security objectives that protect this goal" in page
    assert "Be ready for the bad day" in page and "Customers stay when we recover fast." in page
    assert "Retired one" not in page
    detail = client.get(objective.get_absolute_url()).content.decode()
    assert "Customers stay when we recover fast." in detail
    assert reverse("objectives:objective-edit", args=[objective.pk]) not in detail


@pytest.mark.parametrize("who", ["head_a", "executive"])
def test_only_the_security_team_creates_or_changes_objectives(
    client: Any, request: Any, who: str, ciso: Any
) -> None:
    objective = factories.ObjectiveFactory(title="Know who has access")
    client.force_login(request.getfixturevalue(who))
    urls = [
        reverse("objectives:objective-create"),
        reverse("objectives:objective-edit", args=[objective.pk]),
        reverse("objectives:objective-retire", args=[objective.pk]),
        reverse("objectives:objective-move", args=[objective.pk, "down"]),
    ]
    for url in urls:
        assert client.post(url, edit_data(objective, title="Hijacked")).status_code == 403
    assert client.get(urls[0]).status_code == 403
    objective.refresh_from_db()
    assert (objective.title, objective.status, objective.version) == (
        "Know who has access",
        ObjectiveStatus.ACTIVE,
        1,
    )
    assert SecurityObjective.objects.count() == 1


def test_an_objective_must_protect_something(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    data = form_data(ciso)
    del data["protects_confidentiality"]
    response = client.post(reverse("objectives:objective-create"), data)
    assert response.status_code == 422
    assert "Tick what it protects" in response.content.decode()
    assert not SecurityObjective.objects.exists()


def test_a_goal_id_beyond_any_integer_is_a_form_error_not_a_500(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    data = form_data(ciso, business_goals=[str(2**70)])
    response = client.post(reverse("objectives:objective-create"), data)
    assert response.status_code == 422
    assert not SecurityObjective.objects.exists()


def test_a_stale_edit_is_refused_with_who_and_when(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory(title="Know who has access", owner=ciso)
    ciso.first_name, ciso.last_name = "Maya", "Okafor"
    ciso.save()
    client.force_login(ciso)
    url = reverse("objectives:objective-edit", args=[objective.pk])
    first = edit_data(objective, description="First edit")
    second = edit_data(objective, description="Second edit, from an older page")
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 422
    assert "Changed by" in response.content.decode()
    objective.refresh_from_db()
    assert (objective.description, objective.version) == ("First edit", 2)


def test_ciso_retires_an_objective_and_a_stale_retire_is_refused(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory(title="Pass SOC 2")
    client.force_login(ciso)
    url = reverse("objectives:objective-retire", args=[objective.pk])
    assert client.post(url, {"version": objective.version + 5}).status_code == 302
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.ACTIVE
    assert client.post(url, {"version": objective.version}).status_code == 302
    objective.refresh_from_db()
    assert (objective.status, objective.version) == (ObjectiveStatus.RETIRED, 2)
    assert objective.history.first().status == ObjectiveStatus.RETIRED


def test_ciso_reorders_objectives_in_place(client: Any, ciso: Any) -> None:
    titles = ["Identity", "Incidents", "SOC 2"]
    first, _second, third = (factories.ObjectiveFactory(title=t) for t in titles)
    client.force_login(ciso)
    response = client.post(reverse("objectives:objective-move", args=[third.pk, "up"]), **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("SOC 2") < page.index("Incidents")
    assert 'id="objective-cards"' in page and "<html" not in page
    assert list(SecurityObjective.objects.values_list("title", flat=True)) == [
        "Identity",
        "SOC 2",
        "Incidents",
    ]
    # The first cannot move further up; an unknown direction is a 404, not a 500.
    client.post(reverse("objectives:objective-move", args=[first.pk, "up"]))
    assert SecurityObjective.objects.first() == first
    assert (
        client.post(reverse("objectives:objective-move", args=[first.pk, "left"])).status_code
        == 404
    )


def test_ciso_reorders_initiatives_within_their_objective(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory()
    _a, b = (factories.InitiativeFactory(objective=objective, title=t) for t in ["A", "B"])
    other = factories.InitiativeFactory(title="0 elsewhere")
    client.force_login(ciso)
    response = client.post(reverse("objectives:initiative-move", args=[b.pk, "up"]))
    assert response["Location"] == objective.get_absolute_url()
    assert list(objective.initiatives.values_list("title", flat=True)) == ["B", "A"]
    other.refresh_from_db()
    assert other.position == 0


def test_a_stale_initiative_edit_is_refused(client: Any, ciso: Any) -> None:
    initiative = factories.InitiativeFactory(title="EDR", owner=ciso)
    client.force_login(ciso)
    url = reverse("objectives:initiative-edit", args=[initiative.pk])
    data = {
        "objective": initiative.objective_id,
        "title": "EDR on all laptops",
        "owner": ciso.pk,
        "status": "planned",
        "budget": "1000",
        "version": initiative.version,
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "title": "EDR, from an older page"})
    assert response.status_code == 422 and "Changed by" in response.content.decode()
    assert Initiative.objects.get().title == "EDR on all laptops"
