"""The alignment heatmap: departments (or objectives) worst first, a row's cells on demand."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from alignment.heatmap import OBJECTIVE_CELLS
from alignment.models import Relation
from tests import factories
from tests.alignment.matrix_scene import HTMX, Scene, matrix_url

pytestmark = pytest.mark.django_db


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
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row)
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


def test_heatmap_is_paginated(client: Any, ciso: Any, dept_a: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 4
    factories.DepartmentFactory.create_batch(5)
    client.force_login(ciso)
    html = client.get(heatmap_url()).text
    assert html.count('<tbody id="heatmap-department-') == 4
    assert "page=2" in html
    assert client.get(heatmap_url("?page=2")).text.count('<tbody id="heatmap-department-') == 2


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
    assert re.findall(r'<td class="text-end[^"]*">(.*?)</td>', access)[:2] == ["0", "0"]
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


# Constant queries and bounded pages from 1× to 10×: test_heatmap_scale.py.


def test_an_opened_objective_lists_its_worst_departments_and_counts_the_rest(
    client: Any, ciso: Any, scene: Scene
) -> None:
    for n in range(OBJECTIVE_CELLS + 2):
        goal = factories.GoalFactory(department=factories.DepartmentFactory(name=f"Unit {n:02}"))
        factories.LinkFactory(initiative=scene.edr, goal=goal, relation=Relation.SUPPORTS)
    client.force_login(ciso)
    html = client.get(objective_cells_url(scene.endpoint), headers=HTMX).text
    assert html.count('class="heat-cell ') == OBJECTIVE_CELLS
    # 32 new departments and Sales are linked to the objective: 3 not shown.
    assert "3 more departments linked to Endpoint security" in html


def test_a_cell_with_only_neutral_links_says_so(
    client: Any, ciso: Any, dept_a: Any, scene: Scene
) -> None:
    factories.LinkFactory(initiative=scene.edr, goal=scene.uptime, relation=Relation.NEUTRAL)
    client.force_login(ciso)
    html = client.get(department_cells_url(dept_a), headers=HTMX).text
    assert "0 supports, 0 conflicts, 1 neutral" in html
    by_objective = client.get(objective_cells_url(scene.endpoint), headers=HTMX).text
    assert "0 supports, 0 conflicts, 1 neutral" in by_objective
