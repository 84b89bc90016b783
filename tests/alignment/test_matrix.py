"""The alignment matrix (one department at a time), its cells and the heatmap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import figures
from alignment.matrix import MATRIX_ROWS, build_matrix, counters_for, with_conflict_counts
from alignment.models import AlignmentLink, Relation
from departments.models import Department
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@dataclass
class Scene:
    """Infrastructure's two goals, Sales' one, two objectives with three initiatives."""

    uptime: Any
    deploys: Any
    revenue: Any
    access: Any
    sso: Any
    reviews: Any
    edr: Any
    endpoint: Any


@pytest.fixture
def scene(dept_a: Any, dept_b: Any) -> Scene:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    deploys = factories.GoalFactory(department=dept_a, title="p95 deploy under 15 min")
    revenue = factories.GoalFactory(department=dept_b, title="Triple annual revenue")
    access = factories.ObjectiveFactory(title="Access control")
    endpoint = factories.ObjectiveFactory(title="Endpoint security")
    sso = factories.InitiativeFactory(objective=access, title="SSO and MFA")
    reviews = factories.InitiativeFactory(objective=access, title="Quarterly access reviews")
    edr = factories.InitiativeFactory(objective=endpoint, title="EDR on all laptops")
    factories.LinkFactory(initiative=sso, goal=uptime, relation=Relation.SUPPORTS)
    factories.LinkFactory(
        initiative=reviews, goal=deploys, relation=Relation.CONFLICTS, rationale="Slows releases"
    )
    factories.LinkFactory(initiative=edr, goal=revenue, relation=Relation.SUPPORTS)
    return Scene(uptime, deploys, revenue, access, sso, reviews, edr, endpoint)


def matrix_url(department: Any, query: str = "") -> str:
    return reverse("alignment:matrix", args=[department.slug]) + query


def cell_url(department: Any, initiative: Any, goal: Any) -> str:
    return reverse("alignment:matrix-cell", args=[department.slug, initiative.pk, goal.pk])


def counter(html: str, name: str) -> str:
    match = re.search(rf'data-counter="{name}">([^<]*)<', html)
    assert match, f"no counter {name}"
    return match.group(1)


# --- the page ---------------------------------------------------------------------------


def test_ciso_sees_goals_as_columns_and_initiatives_grouped_by_objective(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.get(matrix_url(dept_a, "?rows=all"))
    html = response.text[response.text.index('<div id="matrix-table">') :]
    assert response.status_code == 200
    assert html.count('<th scope="col" class="matrix-goal">') == 2
    assert "99.95 % uptime" in html and "p95 deploy under 15 min" in html
    assert "Triple annual revenue" not in html  # only this department's goals
    assert (
        html.index("Access control") < html.index("SSO and MFA") < html.index("Endpoint security")
    )
    assert html.index("Endpoint security") < html.index("EDR on all laptops")
    assert html.count('<td id="matrix-cell-') == 3 * 2


def test_by_default_rows_are_the_initiatives_linked_to_or_assessed_on_the_department(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    awareness = factories.InitiativeFactory(title="Phishing drills")
    factories.AssessmentFactory(initiative=awareness, department=dept_a)
    factories.InitiativeFactory(title="Unrelated vault")
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    table = html[html.index('<div id="matrix-table">') :]
    assert "SSO and MFA" in table and "Quarterly access reviews" in table
    assert "Phishing drills" in table  # assessed on Infrastructure, no link yet
    # EDR is linked to Sales only, the vault to nobody: behind "Every initiative".
    assert "EDR on all laptops" not in table and "Unrelated vault" not in table
    assert f'href="{matrix_url(dept_a)}?rows=all"' in table
    assert "3 initiatives linked to or assessed on Infrastructure" in table


def test_a_search_keeps_the_initiatives_whose_title_matches(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, "?rows=all&q=edr")).text
    table = html[html.index('<div id="matrix-table">') :]
    assert "EDR on all laptops" in table and "SSO and MFA" not in table
    assert 'value="edr"' in html


def test_rows_are_paginated_and_pages_keep_the_filters(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    factories.InitiativeFactory.create_batch(MATRIX_ROWS, objective=scene.access)
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, "?rows=all")).text
    assert html.count('<th scope="row" class="matrix-initiative">') == MATRIX_ROWS
    assert 'href="?rows=all&amp;page=2"' in html and "1 / 2" in html
    second = client.get(matrix_url(dept_a, "?rows=all&page=2"), headers=HTMX).text
    assert second.count('<th scope="row" class="matrix-initiative">') == 3
    assert 'href="?rows=all&amp;page=1"' in second


def test_a_department_with_nothing_linked_offers_every_initiative(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    factories.GoalFactory(department=dept_a)
    factories.InitiativeFactory(title="Vault")
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    assert "No security initiative is linked to Infrastructure" in html
    assert f'href="{matrix_url(dept_a)}?rows=all">Show every initiative' in html
    assert "Vault" in client.get(matrix_url(dept_a, "?rows=all")).text


def test_cells_say_the_relation_in_words_and_mark_unmitigated_conflicts(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, "?rows=all")).text
    cell = html[html.index(f'id="matrix-cell-{scene.reviews.pk}-{scene.deploys.pk}"') :]
    cell = cell[: cell.index("</td>")]
    assert "Conflicts" in cell and "Unmitigated" in cell and "Slows releases" in cell
    empty = html[html.index(f'id="matrix-cell-{scene.edr.pk}-{scene.uptime.pk}"') :]
    assert "No link" in empty[: empty.index("</td>")]


def test_counters_and_conflict_badges_describe_the_department(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    assert counter(html, "coverage") == "1 of 2"
    assert counter(html, "supports") == "1"
    assert counter(html, "conflicts") == "1"
    assert counter(html, "unmitigated") == "1"
    assert re.search(r'id="conflict-badge-infrastructure"[^>]*>1 conflict, 1 unmitigated<', html)
    # The chooser names every department, with its conflicts when it has any.
    assert (
        '<option value="infrastructure" selected>Infrastructure — 1 conflict, 1 unmitigated' in html
    )
    assert '<option value="sales">Sales</option>' in html


def test_a_mitigated_conflict_shows_its_mitigation_in_the_cell(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    AlignmentLink.objects.filter(initiative=scene.reviews).update(
        mitigation="Fast lane for hotfixes"
    )
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    cell = html[html.index(f'id="matrix-cell-{scene.reviews.pk}-{scene.deploys.pk}"') :]
    cell = cell[: cell.index("</td>")]
    assert "Slows releases" in cell and "Mitigation:</span> Fast lane for hotfixes" in cell
    assert "Unmitigated" not in cell


def test_the_department_chooser_opens_the_chosen_matrix(
    client: Any, ciso: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    url = reverse("alignment:matrix-index")
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    assert f'action="{url}"' in html and 'name="department"' in html
    assert client.get(url, {"department": "sales"})["Location"] == matrix_url(dept_b)
    client.force_login(head_b)  # not their department: back to their own
    assert client.get(url, {"department": "infrastructure"})["Location"] == url
    assert client.get(url)["Location"] == matrix_url(dept_b)


def test_ciso_gets_editable_cells_and_others_read_only(
    client: Any, ciso: Any, executive: Any, head_a: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    assert 'class="matrix-cell-link"' in client.get(matrix_url(dept_a)).text
    for reader in (executive, head_a):
        client.force_login(reader)
        response = client.get(matrix_url(dept_a))
        assert response.status_code == 200
        assert "matrix-cell-link" not in response.text
        assert "/cell/" not in response.text


def test_head_sees_only_their_own_department_and_gets_404_elsewhere(
    client: Any, head_b: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    client.force_login(head_b)
    own = client.get(matrix_url(dept_b))
    assert own.status_code == 200
    assert "Infrastructure" not in own.text and "conflict-badge-infrastructure" not in own.text
    assert client.get(matrix_url(dept_a)).status_code == 404
    url = cell_url(dept_a, scene.sso, scene.uptime)
    assert client.get(url).status_code == 404
    assert client.post(url, {"relation": "conflicts", "rationale": "x"}).status_code == 404


def test_outsider_gets_404_on_every_matrix(client: Any, outsider: Any, dept_a: Any) -> None:
    client.force_login(outsider)
    assert client.get(matrix_url(dept_a)).status_code == 404


def test_matrix_index_sends_each_reader_to_a_department_they_may_see(
    client: Any, ciso: Any, head_b: Any, outsider: Any, dept_a: Any, dept_b: Any
) -> None:
    url = reverse("alignment:matrix-index")
    client.force_login(ciso)
    assert client.get(url)["Location"] == matrix_url(dept_a)
    client.force_login(head_b)
    assert client.get(url)["Location"] == matrix_url(dept_b)
    client.force_login(outsider)
    assert client.get(url)["Location"] == reverse("alignment:heatmap")


def test_matrix_pages_refuse_other_methods(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    assert client.post(matrix_url(dept_a)).status_code == 405
    assert client.post(reverse("alignment:matrix-index")).status_code == 405
    assert client.post(reverse("alignment:heatmap")).status_code == 405


def test_department_without_goals_says_so(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    response = client.get(matrix_url(dept_a))
    assert "has no goals yet" in response.text
    assert "<table" not in response.text


# --- filters ----------------------------------------------------------------------------


def test_objective_filter_keeps_that_objectives_rows(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, f"?objective={scene.access.pk}")).text
    assert "SSO and MFA" in html and "Quarterly access reviews" in html
    assert "EDR on all laptops" not in html
    assert f'<option value="{scene.access.pk}" selected>' in html


def test_every_initiative_shows_rows_without_a_link_here(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, "?rows=all")).text
    # EDR is linked to Sales only: a row of Infrastructure's matrix only on demand.
    assert "SSO and MFA" in html and "EDR on all laptops" in html
    assert 'id="matrix-rows-all" value="all" checked' in html


def test_filters_that_match_nothing_say_so(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    objective = factories.ObjectiveFactory(title="Awareness")
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, f"?objective={objective.pk}")).text
    assert "No security initiative matches these filters." in html


def test_an_unknown_objective_is_ignored(client: Any, ciso: Any, dept_a: Any, scene: Scene) -> None:
    client.force_login(ciso)
    response = client.get(matrix_url(dept_a, "?objective=nonsense"))
    assert response.status_code == 200
    assert "SSO and MFA" in response.text and "EDR on all laptops" not in response.text


def test_filter_form_pushes_a_bookmarkable_url_and_targets_the_table(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a)).text
    form = html[html.index('aria-label="Filter the matrix"') - 300 :]
    form = form[: form.index("</form>")]
    assert f'action="{matrix_url(dept_a)}"' in form and 'method="get"' in form
    assert f'hx-get="{matrix_url(dept_a)}"' in form
    assert 'hx-push-url="true"' in form and 'hx-target="#matrix-table"' in form


def test_htmx_filter_request_gets_only_the_table(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.get(matrix_url(dept_a, f"?objective={scene.access.pk}"), headers=HTMX)
    html = response.text.strip()
    assert html.startswith('<div id="matrix-table">')
    assert "<html" not in html and "matrix-counters" not in html
    assert "SSO and MFA" in html and "EDR on all laptops" not in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    response = client.get(matrix_url(dept_a, f"?objective={scene.access.pk}"), headers=headers)
    assert "<html" in response.text and "matrix-counters" in response.text


# --- cells ------------------------------------------------------------------------------


def test_ciso_opens_the_inline_editor_of_a_cell(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.reviews, scene.deploys)
    response = client.get(url, headers=HTMX)
    html = response.text.strip()
    assert response.status_code == 200
    assert html.startswith(f'<td id="matrix-cell-{scene.reviews.pk}-{scene.deploys.pk}"')
    assert f'hx-post="{url}"' in html and f'action="{url}"' in html
    assert 'value="conflicts"' in html and 'value="none"' in html
    assert 'name="version" value="1"' in html
    assert "<html" not in html


def test_without_htmx_the_cell_editor_is_a_full_page(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.sso, scene.deploys)
    response = client.get(url)
    assert response.status_code == 200
    assert "<html" in response.text and f'action="{url}"' in response.text
    assert 'name="version" value="0"' in response.text


def test_cancel_puts_the_cell_back(client: Any, ciso: Any, dept_a: Any, scene: Scene) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.reviews, scene.deploys) + "?cancel=1"
    html = client.get(url, headers=HTMX).text
    assert "matrix-cell-link" in html and "<form" not in html
    assert client.get(url)["Location"] == matrix_url(dept_a)


def test_ciso_marks_a_conflict_with_mitigation_and_gets_cell_counters_and_badge(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {
        "relation": "conflicts",
        "rationale": "EDR scans slow the build agents",
        "mitigation": "Exclude build caches; security pays for faster agents",
        "version": "0",
    }
    response = client.post(cell_url(dept_a, scene.edr, scene.uptime), data, headers=HTMX)
    html = response.text
    assert response.status_code == 200
    link = AlignmentLink.objects.get(initiative=scene.edr, goal=scene.uptime)
    assert link.relation == Relation.CONFLICTS and link.version == 1
    assert link.mitigation.startswith("Exclude build caches")
    assert html.strip().startswith(f'<td id="matrix-cell-{scene.edr.pk}-{scene.uptime.pk}"')
    assert "Conflicts" in html and "autofocus" in html
    assert re.search(r'<section id="matrix-counters"[^>]*hx-swap-oob="true"', html)
    assert counter(html, "conflicts") == "2"
    assert counter(html, "unmitigated") == "1"  # the new conflict is mitigated
    badge = r'id="conflict-badge-infrastructure"[^>]*hx-swap-oob="true">2 conflicts, 1 unmitigated<'
    assert re.search(badge, html)


def test_a_conflict_without_mitigation_counts_as_unmitigated(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "conflicts", "rationale": "Blocks hotfixes", "version": "0"}
    html = client.post(cell_url(dept_a, scene.sso, scene.deploys), data, headers=HTMX).text
    assert counter(html, "unmitigated") == "2"
    assert "Unmitigated" in html[: html.index("</td>")]


def test_changing_a_relation_raises_the_version_and_drops_a_stray_mitigation(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "supports", "rationale": "Safer deploys", "mitigation": "x", "version": "1"}
    html = client.post(cell_url(dept_a, scene.reviews, scene.deploys), data, headers=HTMX).text
    link = AlignmentLink.objects.get(initiative=scene.reviews, goal=scene.deploys)
    assert (link.relation, link.mitigation, link.version) == ("supports", "", 2)
    assert counter(html, "coverage") == "2 of 2"
    assert counter(html, "conflicts") == "0"


def test_no_link_removes_the_link(client: Any, ciso: Any, dept_a: Any, scene: Scene) -> None:
    client.force_login(ciso)
    data = {"relation": "none", "version": "1"}
    html = client.post(cell_url(dept_a, scene.sso, scene.uptime), data, headers=HTMX).text
    assert not AlignmentLink.objects.filter(initiative=scene.sso, goal=scene.uptime).exists()
    assert "No link" in html and counter(html, "coverage") == "0 of 2"


def test_a_conflict_needs_a_rationale_and_errors_render_in_place(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "conflicts", "rationale": "", "version": "0"}
    response = client.post(cell_url(dept_a, scene.edr, scene.uptime), data, headers=HTMX)
    assert response.status_code == 422
    assert response.text.strip().startswith(
        f'<td id="matrix-cell-{scene.edr.pk}-{scene.uptime.pk}"'
    )
    assert "why this initiative gets in the way" in response.text
    assert "matrix-counters" not in response.text
    assert not AlignmentLink.objects.filter(initiative=scene.edr, goal=scene.uptime).exists()


def test_a_rationale_longer_than_one_line_is_refused(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "supports", "rationale": "x" * 301, "version": "1"}
    response = client.post(cell_url(dept_a, scene.sso, scene.uptime), data, headers=HTMX)
    assert response.status_code == 422
    assert "at most 300 characters" in response.text
    assert AlignmentLink.objects.get(initiative=scene.sso, goal=scene.uptime).version == 1


def test_an_unknown_relation_is_refused(client: Any, ciso: Any, dept_a: Any, scene: Scene) -> None:
    client.force_login(ciso)
    data = {"relation": "loves", "rationale": "x", "version": "1"}
    response = client.post(cell_url(dept_a, scene.sso, scene.uptime), data, headers=HTMX)
    assert response.status_code == 422 and "Select a valid choice" in response.text


def test_a_stale_save_is_refused_with_who_and_when(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    colleague = factories.security_user("analyst")
    colleague.first_name, colleague.last_name = "Jonas", "Lindqvist"
    colleague.save()
    url = cell_url(dept_a, scene.reviews, scene.deploys)
    client.force_login(colleague)
    first = {"relation": "conflicts", "rationale": "Slows releases", "mitigation": "Fast lane"}
    assert client.post(url, {**first, "version": "1"}, headers=HTMX).status_code == 200

    client.force_login(ciso)
    second = {"relation": "neutral", "rationale": "No effect", "version": "1"}
    response = client.post(url, second, headers=HTMX)
    assert response.status_code == 422
    assert "Changed by Jonas Lindqvist at" in response.text and "review and retry" in response.text
    link = AlignmentLink.objects.get(initiative=scene.reviews, goal=scene.deploys)
    assert (link.relation, link.mitigation, link.version) == ("conflicts", "Fast lane", 2)


def test_a_link_created_meanwhile_is_not_overwritten(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.edr, scene.uptime)
    assert 'name="version" value="0"' in client.get(url, headers=HTMX).text
    factories.LinkFactory(initiative=scene.edr, goal=scene.uptime, relation=Relation.SUPPORTS)
    data = {"relation": "conflicts", "rationale": "Scans", "version": "0"}
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 422 and "review and retry" in response.text
    assert AlignmentLink.objects.get(initiative=scene.edr, goal=scene.uptime).relation == "supports"


def test_a_link_removed_meanwhile_is_not_resurrected(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.sso, scene.uptime)
    assert client.post(url, {"relation": "none", "version": "1"}, headers=HTMX).status_code == 200
    data = {"relation": "supports", "rationale": "Still true", "version": "1"}
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 422 and "review and retry" in response.text
    assert not AlignmentLink.objects.filter(initiative=scene.sso, goal=scene.uptime).exists()


def test_without_htmx_a_saved_cell_redirects_to_the_matrix(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    data = {"relation": "neutral", "rationale": "", "version": "0"}
    response = client.post(cell_url(dept_a, scene.edr, scene.deploys), data)
    assert response.status_code == 302
    assert response["Location"] == matrix_url(
        dept_a, f"#matrix-cell-{scene.edr.pk}-{scene.deploys.pk}"
    )
    assert AlignmentLink.objects.get(initiative=scene.edr, goal=scene.deploys).relation == "neutral"


def test_without_htmx_an_invalid_cell_shows_the_full_form_again(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.post(cell_url(dept_a, scene.edr, scene.deploys), {"relation": "conflicts"})
    assert response.status_code == 200
    assert "<html" in response.text and "why this initiative gets in the way" in response.text


@pytest.mark.parametrize("reader", ["executive", "head_a"])
def test_readers_cannot_open_or_save_a_cell(
    client: Any, reader: str, request: pytest.FixtureRequest, dept_a: Any, scene: Scene
) -> None:
    client.force_login(request.getfixturevalue(reader))
    url = cell_url(dept_a, scene.reviews, scene.deploys)
    assert client.get(url, headers=HTMX).status_code == 403
    data = {"relation": "supports", "rationale": "x", "version": "1"}
    assert client.post(url, data, headers=HTMX).status_code == 403
    assert AlignmentLink.objects.get(initiative=scene.reviews, goal=scene.deploys).relation == (
        "conflicts"
    )


def test_a_goal_of_another_department_is_not_a_cell_here(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.edr, scene.revenue)
    assert client.get(url).status_code == 404
    assert client.post(url, {"relation": "none", "version": "1"}).status_code == 404
    assert AlignmentLink.objects.filter(goal=scene.revenue).exists()
    missing = reverse("alignment:matrix-cell", args=[dept_a.slug, 999999, scene.uptime.pk])
    assert client.get(missing).status_code == 404


def test_cells_refuse_other_methods(client: Any, ciso: Any, dept_a: Any, scene: Scene) -> None:
    client.force_login(ciso)
    url = cell_url(dept_a, scene.sso, scene.uptime)
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert AlignmentLink.objects.filter(initiative=scene.sso, goal=scene.uptime).exists()


# --- heatmap ----------------------------------------------------------------------------


def heatmap_url(query: str = "") -> str:
    return reverse("alignment:heatmap") + query


def department_cells_url(department: Any, query: str = "") -> str:
    return reverse("alignment:heatmap-department", args=[department.slug]) + query


def objective_cells_url(objective: Any, query: str = "") -> str:
    return reverse("alignment:heatmap-objective", args=[objective.pk]) + query


def test_heatmap_lists_departments_worst_first_with_their_totals(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    factories.LinkFactory(initiative=scene.sso, goal=scene.deploys, relation=Relation.SUPPORTS)
    client.force_login(ciso)
    response = client.get(heatmap_url())
    html = response.text
    assert response.status_code == 200
    # Infrastructure has the unmitigated conflict: first, whatever the alphabet says.
    row = html[html.index('<tbody id="heatmap-department-infrastructure">') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="text-end">(.*?)</td>', row)
    assert cells[:3] == ["2", "1", '<span class="badge text-bg-danger">1</span>']
    assert '<span class="heat-score heat-pos-1">+1</span>' in row
    assert html.index("heatmap-department-infrastructure") < html.index("heatmap-department-sales")
    # No cell is rendered until a row is opened.
    assert "heat-cells" not in html
    assert f'hx-get="{department_cells_url(dept_a)}"' in html
    assert f'href="{department_cells_url(dept_a)}"' in html
    assert "1</strong> with unmitigated conflicts" in html


def test_a_department_opens_its_cells_as_a_fragment(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    response = client.get(department_cells_url(dept_a), headers=HTMX)
    html = response.text.strip()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert html.startswith('<tbody id="heatmap-department-infrastructure">')
    assert "<html" not in html and 'aria-expanded="true"' in html
    link = f'href="{matrix_url(dept_a)}?objective={scene.access.pk}"'
    cell = html[html.index(link) :]
    cell = cell[: cell.index("</a>")]
    # The link's name is its visible text: no aria-label that could say something else.
    assert "aria-label" not in cell
    assert "Access control" in cell and ">0<" in cell
    assert "1 support, 1 conflict (1 unmitigated)" in cell
    assert "Endpoint security" not in html  # nothing linked to it in Infrastructure
    assert "1 objective with no link to them" in html
    closed = client.get(department_cells_url(dept_a, "?open=0"), headers=HTMX).text
    assert "heat-cells" not in closed and 'aria-expanded="false"' in closed


def test_without_htmx_an_opened_department_is_the_whole_page(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(department_cells_url(dept_a)).text
    assert "<html" in html and "Alignment heatmap" in html
    assert "heat-cells" in html and "Access control" in html


def test_the_objective_view_opens_an_objectives_departments(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(heatmap_url("?by=objective")).text
    assert html.index("heatmap-objective-" + str(scene.access.pk)) < html.index(
        "heatmap-objective-" + str(scene.endpoint.pk)
    )
    cells = client.get(objective_cells_url(scene.endpoint), headers=HTMX).text
    assert f'href="{matrix_url(dept_b)}?objective={scene.endpoint.pk}"' in cells
    assert "Sales" in cells and "Infrastructure" not in cells


def test_heatmap_search_finds_a_department(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(heatmap_url("?q=sal")).text
    assert "heatmap-department-sales" in html and "heatmap-department-infrastructure" not in html
    assert "Nothing matches" in client.get(heatmap_url("?q=zzz")).text


def test_heatmap_is_paginated(client: Any, ciso: Any, dept_a: Any) -> None:
    factories.DepartmentFactory.create_batch(30)
    client.force_login(ciso)
    html = client.get(heatmap_url()).text
    assert html.count('<tbody id="heatmap-department-') == 25
    assert "page=2" in html
    assert client.get(heatmap_url("?page=2")).text.count('<tbody id="heatmap-department-') == 6


def test_head_sees_only_their_row_of_the_heatmap(
    client: Any, head_b: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    client.force_login(head_b)
    html = client.get(heatmap_url()).text
    assert "heatmap-department-sales" in html
    assert "heatmap-department-infrastructure" not in html and ">Infrastructure<" not in html
    assert client.get(department_cells_url(dept_a), headers=HTMX).status_code == 404
    assert client.get(department_cells_url(dept_b), headers=HTMX).status_code == 200
    # An objective's totals and cells count the head's department only.
    objectives = client.get(heatmap_url("?by=objective")).text
    access = objectives[objectives.index(f"heatmap-objective-{scene.access.pk}") :]
    assert re.findall(r'<td class="text-end">(.*?)</td>', access)[:2] == ["0", "0"]
    cells = client.get(objective_cells_url(scene.access), headers=HTMX).text
    assert "Infrastructure" not in cells and "No department’s goal is linked" in cells


def test_the_heatmap_cell_opens_the_matrix_filtered_to_the_objective(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    html = client.get(matrix_url(dept_a, f"?objective={scene.access.pk}")).text
    assert "SSO and MFA" in html and "EDR on all laptops" not in html


def test_heatmap_fragments_refuse_other_methods_and_unknown_rows(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    client.force_login(ciso)
    assert client.post(department_cells_url(dept_a)).status_code == 405
    assert client.post(objective_cells_url(scene.access)).status_code == 405
    missing = reverse("alignment:heatmap-department", args=["nowhere"])
    assert client.get(missing).status_code == 404
    assert client.get(reverse("alignment:heatmap-objective", args=[999999])).status_code == 404


# --- the domain module ------------------------------------------------------------------


def test_counters_count_goals_supported_and_each_relation(dept_a: Any, scene: Scene) -> None:
    factories.LinkFactory(initiative=scene.edr, goal=scene.uptime, relation=Relation.SUPPORTS)
    factories.LinkFactory(
        initiative=scene.sso, goal=scene.deploys, relation=Relation.CONFLICTS, mitigation="Plan"
    )
    counters = counters_for(dept_a)
    assert (counters.goals, counters.goals_supported) == (2, 1)
    assert (counters.supports, counters.neutral, counters.conflicts) == (2, 0, 2)
    assert counters.unmitigated == 1
    assert counters.coverage_percent == 50


def test_a_whitespace_mitigation_is_unmitigated_in_the_matrix_as_on_the_dashboard(
    dept_a: Any, scene: Scene
) -> None:
    factories.LinkFactory(
        initiative=scene.sso, goal=scene.deploys, relation=Relation.CONFLICTS, mitigation="  \n"
    )
    dashboard_count = figures.unmitigated_conflicts().filter(goal__department=dept_a).count()
    tab = with_conflict_counts(Department.objects.filter(pk=dept_a.pk)).get()
    assert counters_for(dept_a).unmitigated == dashboard_count == tab.unmitigated_count == 2


def test_counters_of_a_department_without_goals_are_zero(dept_a: Any) -> None:
    counters = counters_for(dept_a)
    assert counters.goals == 0 and counters.coverage_percent == 0


def test_build_matrix_groups_rows_by_objective(dept_a: Any, scene: Scene) -> None:
    matrix = build_matrix(dept_a, show_all=True)
    assert [group.objective.title for group in matrix.groups] == [
        "Access control",
        "Endpoint security",
    ]
    assert [row.initiative.title for row in matrix.groups[0].rows] == [
        "Quarterly access reviews",
        "SSO and MFA",
    ]
    sso_row = matrix.groups[0].rows[1]
    assert [cell.link.relation if cell.link else None for cell in sso_row.cells] == [
        "supports",
        None,
    ]
    assert build_matrix(dept_a).row_count == 2


# --- queries ----------------------------------------------------------------------------


def grow_tenfold(dept_a: Any, dept_b: Any, scene: Scene) -> None:
    """Ten times the goals, initiatives and links, here and elsewhere."""
    goals_a = factories.GoalFactory.create_batch(18, department=dept_a)
    goals_b = factories.GoalFactory.create_batch(10, department=dept_b)
    same = factories.InitiativeFactory.create_batch(10, objective=scene.access)
    other = [factories.InitiativeFactory() for _ in range(10)]
    for initiative, goal in zip(same + other, goals_a + goals_a, strict=False):
        factories.LinkFactory(initiative=initiative, goal=goal, relation=Relation.CONFLICTS)
    for initiative, goal in zip(other, goals_b, strict=True):
        factories.LinkFactory(initiative=initiative, goal=goal)
    for initiative in same:
        factories.LinkFactory(initiative=initiative, goal=scene.uptime, relation=Relation.NEUTRAL)


def queries_of(request: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code < 400, response.status_code
    return len(queries)


@pytest.mark.parametrize(
    "query",
    ["", "?rows=all", "?objective={access}", "?objective={access}&rows=all&q=a", "?page=2"],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_matrix_queries_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    dept_a: Any,
    dept_b: Any,
    scene: Scene,
    query: str,
    htmx: bool,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(ciso)
    url = matrix_url(dept_a, query.format(access=scene.access.pk))
    headers = HTMX if htmx else {}
    client.get(url, headers=headers)  # warm up the session
    with django_assert_max_num_queries(14):
        client.get(url, headers=headers)
    before = queries_of(lambda: client.get(url, headers=headers))
    grow_tenfold(dept_a, dept_b, scene)
    after = queries_of(lambda: client.get(url, headers=headers))
    assert after == before


def test_cell_queries_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    dept_a: Any,
    dept_b: Any,
    scene: Scene,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(ciso)
    client.get(matrix_url(dept_a))

    def edit(initiative: Any, goal: Any) -> tuple[int, int]:
        url = cell_url(dept_a, initiative, goal)
        with django_assert_max_num_queries(9):
            opened = queries_of(lambda: client.get(url, headers=HTMX))
        data = {"relation": "conflicts", "rationale": "Slower", "version": "0"}
        with django_assert_max_num_queries(15):
            saved = queries_of(lambda: client.post(url, data, headers=HTMX))
        return opened, saved

    before = edit(scene.edr, scene.uptime)
    grow_tenfold(dept_a, dept_b, scene)
    assert edit(scene.edr, scene.deploys) == before


def test_heatmap_queries_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    dept_a: Any,
    dept_b: Any,
    scene: Scene,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:heatmap")
    client.get(url)
    with django_assert_max_num_queries(8):
        client.get(url)
    before = queries_of(lambda: client.get(url))
    grow_tenfold(dept_a, dept_b, scene)
    factories.DepartmentFactory.create_batch(10)
    assert queries_of(lambda: client.get(url)) == before
