"""The alignment matrix at ten times the organisation: the same number of queries, pages of
bounded size, and counters that follow every save at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment.matrix import MATRIX_ROWS, MIN_ROWS, rows_per_page
from alignment.models import AlignmentLink
from objectives.models import Initiative, SecurityObjective
from tests import factories
from tests.alignment.scale import grow, measure

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MAX_BYTES = 300_000


def matrix_urls(department: Any, objective: Any) -> dict[str, tuple[str, dict[str, str]]]:
    url = reverse("alignment:matrix", args=[department.slug])
    return {
        "page": (url, {}),
        "every initiative": (url + "?rows=all", {}),
        "every initiative, page 2": (url + "?rows=all&page=2", {}),
        "objective": (url + f"?objective={objective.pk}&rows=all", {}),
        "search": (url + "?rows=all&q=initiative", {}),
        "table fragment": (url, HTMX),
        "table fragment, every initiative": (url + "?rows=all", HTMX),
        "table fragment, page 2": (url + "?rows=all&page=2", HTMX),
    }


@pytest.fixture
def organisation(dept_a: Any) -> Any:
    grow(1, also=(dept_a,))
    return SecurityObjective.objects.order_by("pk").first()


@pytest.mark.parametrize("reader", ["ciso", "head_a"])
@pytest.mark.usefixtures("page_cache_off")
def test_matrix_queries_are_constant_and_pages_bounded_from_1x_to_10x(
    client: Any, reader: str, request: pytest.FixtureRequest, dept_a: Any, organisation: Any
) -> None:
    client.force_login(request.getfixturevalue(reader))
    urls = matrix_urls(dept_a, organisation)
    for url, headers in urls.values():
        client.get(url, headers=headers)
    small = {name: measure(client, url, **headers) for name, (url, headers) in urls.items()}
    grow(9, also=(dept_a,))
    large = {name: measure(client, url, **headers) for name, (url, headers) in urls.items()}
    for name in urls:
        (queries_1x, _), (queries_10x, bytes_10x) = small[name], large[name]
        assert queries_10x == queries_1x, name
        assert bytes_10x < MAX_BYTES, (name, bytes_10x)
    # Ten times the initiatives, one page of them: the matrix of every initiative grows
    # from 12 rows to MATRIX_ROWS, never to 120.
    assert Initiative.objects.count() == 120
    html = reverse("alignment:matrix", args=[dept_a.slug]) + "?rows=all"
    text = client.get(html).text
    assert text.count('<th scope="row" class="matrix-initiative">') == MATRIX_ROWS
    assert large["every initiative"][1] < 4 * small["every initiative"][1]


def test_cell_queries_are_constant_from_1x_to_10x(
    client: Any, ciso: Any, dept_a: Any, organisation: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    first, second = factories.InitiativeFactory.create_batch(2)
    client.force_login(ciso)

    def edit(initiative: Any) -> tuple[int, int]:
        url = reverse("alignment:matrix-cell", args=[dept_a.slug, initiative.pk, goal.pk])
        opened, _ = measure(client, url, **HTMX)
        data = {"relation": "conflicts", "rationale": "Slower", "version": "0"}
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, data, headers=HTMX).status_code == 200
        return opened, len(queries)

    client.get(reverse("alignment:matrix", args=[dept_a.slug]))
    before = edit(first)
    grow(9, also=(dept_a,))
    assert edit(second) == before


def test_a_saved_cell_shows_at_once_in_the_matrix_counters_and_chooser(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    initiative = factories.InitiativeFactory(title="Change-approval gate")
    client.force_login(ciso)
    page = reverse("alignment:matrix", args=[dept_a.slug])
    html = client.get(page).text
    assert 'data-counter="unmitigated">0<' in html
    assert "No security initiative is linked to Infrastructure" in html

    url = reverse("alignment:matrix-cell", args=[dept_a.slug, initiative.pk, goal.pk])
    data = {"relation": "conflicts", "rationale": "Waits for approval", "version": "0"}
    assert client.post(url, data, headers=HTMX).status_code == 200
    html = client.get(page).text
    assert 'data-counter="unmitigated">1<' in html
    assert "Change-approval gate" in html  # now linked: a row of the default matrix
    assert ">Infrastructure — 1 conflict, 1 unmitigated</option>" in html

    link = AlignmentLink.objects.get(goal=goal)
    mitigated = {**data, "mitigation": "Standard changes skip it", "version": str(link.version)}
    assert client.post(url, mitigated, headers=HTMX).status_code == 200
    html = client.get(page).text
    assert 'data-counter="unmitigated">0<' in html
    assert "Mitigation:</span> Standard changes skip it" in html
    assert ">Infrastructure — 1 conflict</option>" in html


def test_a_department_with_many_goals_gets_fewer_rows_a_page(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    factories.GoalFactory.create_batch(40, department=dept_a)
    factories.InitiativeFactory.create_batch(25)
    client.force_login(ciso)
    url = reverse("alignment:matrix", args=[dept_a.slug]) + "?rows=all"
    response = client.get(url)
    assert response.text.count('<th scope="row" class="matrix-initiative">') == MIN_ROWS
    assert response.text.count('<td id="matrix-cell-') == MIN_ROWS * 40
    assert len(response.content) < MAX_BYTES
    assert rows_per_page(4) == MATRIX_ROWS and rows_per_page(0) == MATRIX_ROWS
