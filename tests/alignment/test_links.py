"""Linking an initiative to a goal from either side, with a type-ahead search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment.models import AlignmentLink, Relation
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@dataclass
class Scene:
    uptime: Any
    deploys: Any
    revenue: Any
    sso: Any
    edr: Any


@pytest.fixture
def scene(dept_a: Any, dept_b: Any) -> Scene:
    access = factories.ObjectiveFactory(title="Access control")
    endpoint = factories.ObjectiveFactory(title="Endpoint security")
    return Scene(
        uptime=factories.GoalFactory(department=dept_a, title="99.95 % uptime"),
        deploys=factories.GoalFactory(department=dept_a, title="p95 deploy under 15 min"),
        revenue=factories.GoalFactory(department=dept_b, title="Triple annual revenue"),
        sso=factories.InitiativeFactory(objective=access, title="SSO and MFA"),
        edr=factories.InitiativeFactory(objective=endpoint, title="EDR on all laptops"),
    )


def goal_search(initiative: Any) -> str:
    return reverse("alignment:goal-search", args=[initiative.pk])


def initiative_search(goal: Any) -> str:
    return reverse("alignment:initiative-search", args=[goal.pk])


def link_url(initiative: Any, goal: Any) -> str:
    return reverse("alignment:link-create", args=[initiative.pk, goal.pk])


# --- the search box on the detail pages ---------------------------------------------------


def test_initiative_and_goal_pages_offer_the_type_ahead_to_the_security_team(
    client: Any, ciso: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    page = client.get(scene.sso.get_absolute_url()).text
    assert f'hx-get="{goal_search(scene.sso)}"' in page
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert f'action="{goal_search(scene.sso)}"' in page
    page = client.get(scene.uptime.get_absolute_url()).text
    assert f'hx-get="{initiative_search(scene.uptime)}"' in page


def test_readers_do_not_see_the_type_ahead(
    client: Any, executive: Any, head_a: Any, scene: Scene
) -> None:
    for reader in (executive, head_a):
        client.force_login(reader)
        assert "goal-search" not in client.get(scene.sso.get_absolute_url()).text
        assert "initiative-search" not in client.get(scene.uptime.get_absolute_url()).text


# --- searching ----------------------------------------------------------------------------


def test_goal_search_matches_title_or_department_and_returns_a_fragment(
    client: Any, ciso: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.get(goal_search(scene.sso), {"q": "sales"}, headers=HTMX)
    html = response.text.strip()
    assert response.status_code == 200
    assert html.startswith('<div id="link-search-results"') and "<html" not in html
    assert "Triple annual revenue" in html and "99.95 % uptime" not in html
    assert f'hx-post="{link_url(scene.sso, scene.revenue)}"' in html
    by_title = client.get(goal_search(scene.sso), {"q": "UPTIME"}, headers=HTMX).text
    assert "99.95 % uptime" in by_title and "Triple annual revenue" not in by_title
    assert "HX-Request" in response["Vary"]


def test_initiative_search_matches_title_or_objective(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    url = initiative_search(scene.uptime)
    html = client.get(url, {"q": "endpoint"}, headers=HTMX).text
    assert "EDR on all laptops" in html and "SSO and MFA" not in html
    assert f'action="{link_url(scene.edr, scene.uptime)}"' in html
    assert "SSO and MFA" in client.get(url, {"q": "mfa"}, headers=HTMX).text


def test_search_returns_at_most_ten_results(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    factories.GoalFactory.create_batch(
        14, department=dept_a, title=factory.Sequence(lambda n: f"Latency budget {n}")
    )
    client.force_login(ciso)
    html = client.get(goal_search(scene.sso), {"q": "latency"}, headers=HTMX).text
    assert html.count('<li id="link-result-') == 10


def test_search_shows_the_current_relation_and_prefills_the_form(
    client: Any, ciso: Any, scene: Scene
) -> None:
    factories.LinkFactory(
        initiative=scene.sso,
        goal=scene.uptime,
        relation=Relation.CONFLICTS,
        rationale="MFA prompts",
    )
    client.force_login(ciso)
    html = client.get(goal_search(scene.sso), {"q": "uptime"}, headers=HTMX).text
    assert "Conflicts" in html and "Unmitigated" in html
    assert '<option value="conflicts" selected>' in html and 'value="MFA prompts"' in html
    assert 'name="version" value="1"' in html and ">Update</button>" in html


def test_an_empty_or_unmatched_query_says_so(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    empty = client.get(goal_search(scene.sso), {"q": "  "}, headers=HTMX).text
    assert '<li id="link-result-' not in empty and "Nothing matches" not in empty
    html = client.get(goal_search(scene.sso), {"q": "zzz"}, headers=HTMX).text
    assert "Nothing matches “zzz”" in html


def test_without_htmx_the_search_is_a_full_page_with_the_form(
    client: Any, ciso: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.get(goal_search(scene.sso), {"q": "uptime"})
    assert response.status_code == 200
    assert "<html" in response.text and 'value="uptime"' in response.text
    assert "99.95 % uptime" in response.text and 'name="csrfmiddlewaretoken"' in response.text


def test_readers_cannot_search_to_link(
    client: Any, executive: Any, head_a: Any, scene: Scene
) -> None:
    for reader in (executive, head_a):
        client.force_login(reader)
        assert client.get(goal_search(scene.sso), {"q": "a"}).status_code == 403
        assert client.get(initiative_search(scene.uptime), {"q": "a"}).status_code == 403


def test_head_of_sales_gets_404_for_an_infrastructure_goal(
    client: Any, head_b: Any, scene: Scene
) -> None:
    client.force_login(head_b)
    assert client.get(initiative_search(scene.uptime), {"q": "a"}).status_code == 404
    assert client.get(link_url(scene.sso, scene.uptime)).status_code == 404
    data = {"relation": "supports", "version": "0", "quick": "1"}
    assert client.post(link_url(scene.sso, scene.uptime), data).status_code == 404
    assert not AlignmentLink.objects.exists()


def test_searches_refuse_other_methods(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    assert client.post(goal_search(scene.sso), {"q": "a"}).status_code == 405
    assert client.post(initiative_search(scene.uptime), {"q": "a"}).status_code == 405


# --- linking ----------------------------------------------------------------------------


def test_picking_a_result_creates_the_link_in_place(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    data = {"relation": "supports", "rationale": "No shared passwords", "version": "0"}
    data |= {"side": "initiative", "quick": "1"}
    response = client.post(link_url(scene.sso, scene.uptime), data, headers=HTMX)
    html = response.text.strip()
    assert response.status_code == 200
    assert html.startswith(f'<li id="link-result-{scene.uptime.pk}"')
    assert "Saved." in html and "Supports" in html and 'name="version" value="1"' in html
    link = AlignmentLink.objects.get(initiative=scene.sso, goal=scene.uptime)
    assert (link.relation, link.rationale, link.version) == ("supports", "No shared passwords", 1)


def test_from_a_goal_the_result_row_is_the_initiative(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    data = {"relation": "neutral", "version": "0", "side": "goal", "quick": "1"}
    html = client.post(link_url(scene.edr, scene.deploys), data, headers=HTMX).text.strip()
    assert html.startswith(f'<li id="link-result-{scene.edr.pk}"')
    assert "EDR on all laptops" in html


def test_relinking_a_mitigated_conflict_keeps_its_mitigation(
    client: Any, ciso: Any, scene: Scene
) -> None:
    factories.LinkFactory(
        initiative=scene.sso,
        goal=scene.uptime,
        relation=Relation.CONFLICTS,
        rationale="MFA prompts",
        mitigation="Remember trusted devices",
    )
    client.force_login(ciso)
    data = {"relation": "conflicts", "rationale": "MFA prompts at login", "version": "1"}
    data |= {"side": "initiative", "quick": "1"}
    assert client.post(link_url(scene.sso, scene.uptime), data, headers=HTMX).status_code == 200
    link = AlignmentLink.objects.get(initiative=scene.sso, goal=scene.uptime)
    assert link.mitigation == "Remember trusted devices" and link.version == 2


def test_a_quick_conflict_without_rationale_is_refused_in_place(
    client: Any, ciso: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "conflicts", "rationale": "", "version": "0", "quick": "1"}
    response = client.post(link_url(scene.sso, scene.uptime), data, headers=HTMX)
    assert response.status_code == 422
    assert response.text.strip().startswith(f'<li id="link-result-{scene.uptime.pk}"')
    assert "why this initiative gets in the way" in response.text
    assert not AlignmentLink.objects.exists()


def test_a_stale_quick_link_is_refused(client: Any, ciso: Any, scene: Scene) -> None:
    factories.LinkFactory(initiative=scene.sso, goal=scene.uptime, relation=Relation.SUPPORTS)
    client.force_login(ciso)
    data = {"relation": "neutral", "version": "0", "quick": "1"}
    response = client.post(link_url(scene.sso, scene.uptime), data, headers=HTMX)
    assert response.status_code == 422 and "review and retry" in response.text
    assert AlignmentLink.objects.get().relation == "supports"


def test_without_htmx_linking_redirects_to_the_page_it_came_from(
    client: Any, ciso: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "supports", "version": "0", "quick": "1", "side": "goal"}
    response = client.post(link_url(scene.sso, scene.uptime), data)
    assert response.status_code == 302 and response["Location"] == scene.uptime.get_absolute_url()
    data = {"relation": "supports", "version": "0", "quick": "1", "side": "initiative"}
    response = client.post(link_url(scene.edr, scene.uptime), data)
    assert response["Location"] == scene.edr.get_absolute_url()
    assert AlignmentLink.objects.count() == 2


def test_an_unknown_side_falls_back_to_the_initiative(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    data = {"relation": "supports", "version": "0", "side": "https://evil.example"}
    response = client.post(link_url(scene.sso, scene.uptime), data)
    assert response["Location"] == scene.sso.get_absolute_url()


def test_without_htmx_the_link_form_is_a_full_page(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    response = client.get(link_url(scene.sso, scene.uptime))
    assert response.status_code == 200
    assert "<html" in response.text and 'name="mitigation"' in response.text
    invalid = client.post(link_url(scene.sso, scene.uptime), {"relation": "conflicts"})
    assert invalid.status_code == 200 and "why this initiative gets in the way" in invalid.text
    assert "<html" in invalid.text and not AlignmentLink.objects.exists()


@pytest.mark.parametrize("reader", ["executive", "head_a"])
def test_readers_cannot_link(
    client: Any, reader: str, request: pytest.FixtureRequest, scene: Scene
) -> None:
    client.force_login(request.getfixturevalue(reader))
    url = link_url(scene.sso, scene.uptime)
    assert client.get(url).status_code == 403
    data = {"relation": "supports", "version": "0", "quick": "1"}
    assert client.post(url, data, headers=HTMX).status_code == 403
    assert not AlignmentLink.objects.exists()


def test_linking_refuses_other_methods(client: Any, ciso: Any, scene: Scene) -> None:
    client.force_login(ciso)
    assert client.put(link_url(scene.sso, scene.uptime)).status_code == 405
    assert client.delete(link_url(scene.sso, scene.uptime)).status_code == 405


# --- queries ----------------------------------------------------------------------------


def queries_of(request: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code < 400, response.status_code
    return len(queries)


def grow_tenfold(dept_a: Any, dept_b: Any, scene: Scene) -> None:
    goals = factories.GoalFactory.create_batch(
        20, department=dept_a, title=factory.Sequence(lambda n: f"Uptime of region {n}")
    )
    goals += factories.GoalFactory.create_batch(
        10, department=dept_b, title=factory.Sequence(lambda n: f"Uptime of shop {n}")
    )
    initiatives = factories.InitiativeFactory.create_batch(20, title="SSO rollout phase")
    initiatives += factories.InitiativeFactory.create_batch(10, objective=scene.sso.objective)
    for initiative, goal in zip(initiatives, goals, strict=True):
        factories.LinkFactory(initiative=initiative, goal=goal)
    for goal in goals:
        factories.LinkFactory(initiative=scene.sso, goal=goal, relation=Relation.NEUTRAL)
    for initiative in initiatives:
        factories.LinkFactory(initiative=initiative, goal=scene.uptime)


@pytest.mark.parametrize("htmx", [False, True])
def test_search_queries_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    dept_a: Any,
    dept_b: Any,
    scene: Scene,
    htmx: bool,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(ciso)
    headers = HTMX if htmx else {}
    factories.LinkFactory(initiative=scene.sso, goal=scene.uptime)
    searches = [(goal_search(scene.sso), "uptime"), (initiative_search(scene.uptime), "sso")]
    client.get(searches[0][0], {"q": "x"}, headers=headers)

    def measure() -> list[int]:
        counts = []
        for url, q in searches:
            with django_assert_max_num_queries(9):
                counts.append(queries_of(lambda: client.get(url, {"q": q}, headers=headers)))  # noqa: B023
        return counts

    before = measure()
    grow_tenfold(dept_a, dept_b, scene)
    assert measure() == before


def test_link_queries_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    dept_a: Any,
    dept_b: Any,
    scene: Scene,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(ciso)
    client.get(goal_search(scene.sso), {"q": "x"})

    def link(initiative: Any, goal: Any) -> int:
        data = {"relation": "supports", "version": "0", "quick": "1", "side": "initiative"}
        with django_assert_max_num_queries(14):
            return queries_of(lambda: client.post(link_url(initiative, goal), data, headers=HTMX))

    before = link(scene.sso, scene.deploys)
    grow_tenfold(dept_a, dept_b, scene)
    assert link(scene.edr, scene.deploys) == before
