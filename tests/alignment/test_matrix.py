"""The alignment matrix (one department at a time) and its cells; the heatmap is test_heatmap.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import figures
from alignment.matrix import MATRIX_ROWS, build_matrix, counters_for, department_choices
from alignment.models import AlignmentLink, Relation
from departments.models import Department
from tests import factories
from tests.alignment.matrix_scene import HTMX, Scene, cell_url, counter, matrix_url

pytestmark = pytest.mark.django_db

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
    chosen = '<option id="chooser-option-infrastructure" value="infrastructure" selected>'
    assert chosen + "Infrastructure — 1 conflict, 1 unmitigated</option>" in html
    assert '<option value="sales">Sales</option>' in html


def test_the_chooser_lists_every_department_in_name_order_escaped_with_its_conflicts(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, scene: Scene
) -> None:
    odd = factories.DepartmentFactory(name='R&D <"Labs">', slug="r-d")
    goal = factories.GoalFactory(department=odd)
    for mitigation in ("", "Fast lane"):
        factories.LinkFactory(
            initiative=factories.InitiativeFactory(), goal=goal, relation=Relation.CONFLICTS,
            mitigation=mitigation,
        )  # fmt: skip
    client.force_login(ciso)
    html = client.get(matrix_url(dept_b)).text
    options = html[html.index('id="matrix-department"') : html.index("</select>")]
    assert re.findall(r'<option (?:id="[^"]*" )?value="([^"]+)"', options) == [
        "infrastructure", "r-d", "sales"
    ]  # fmt: skip
    assert (
        '<option value="infrastructure">Infrastructure — 1 conflict, 1 unmitigated</option>'
        in options
    )
    assert (
        '<option value="r-d">R&amp;D &lt;&quot;Labs&quot;&gt; — 2 conflicts, 1 unmitigated</option>'
        in options
    )
    assert '<option id="chooser-option-sales" value="sales" selected>Sales</option>' in options


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
    (choice,) = department_choices(Department.objects.filter(pk=dept_a.pk))
    assert counters_for(dept_a).unmitigated == dashboard_count == choice.unmitigated == 2


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
@pytest.mark.usefixtures("page_cache_off")
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
