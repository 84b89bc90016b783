"""The heatmap and the dashboard at ten times the organisation: the same number of queries,
pages of bounded size, and figures that follow every save at once."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from alignment.models import AlignmentLink, ImpactAssessment, Relation
from objectives.models import SecurityObjective
from tests import factories
from tests.alignment.scale import grow, measure

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MAX_BYTES = 300_000
FRAGMENT_BYTES = 30_000


def heatmap_urls(department: Any, objective: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Every heatmap page and fragment, by name: (url, headers)."""
    heatmap = reverse("alignment:heatmap")
    cells = reverse("alignment:heatmap-department", args=[department.slug])
    by_objective = reverse("alignment:heatmap-objective", args=[objective.pk])
    return {
        "page": (heatmap, {}),
        "page by objective": (heatmap + "?by=objective", {}),
        "page searched": (heatmap + "?q=dept", {}),
        "page 2": (heatmap + "?page=2", {}),
        "department cells": (cells, HTMX),
        "department cells, whole page": (cells, {}),
        "department closed": (cells + "?open=0", HTMX),
        "objective cells": (by_objective, HTMX),
        "objective cells, whole page": (by_objective, {}),
    }


def measure_all(client: Any, urls: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    for url, headers in urls.values():
        client.get(url, headers=headers)  # warm up the session and the content types
    return {name: measure(client, url, **headers) for name, (url, headers) in urls.items()}


@pytest.fixture
def organisation(dept_a: Any) -> Any:
    """One unit of organisation, Infrastructure (head_a) included in it."""
    grow(1, also=(dept_a,))
    return SecurityObjective.objects.order_by("pk").first()


@pytest.mark.parametrize("reader", ["ciso", "head_a"])
@pytest.mark.usefixtures("page_cache_off")
def test_heatmap_queries_are_constant_and_pages_bounded_from_1x_to_20x(
    client: Any, reader: str, request: pytest.FixtureRequest, dept_a: Any, organisation: Any
) -> None:
    client.force_login(request.getfixturevalue(reader))
    urls = heatmap_urls(dept_a, organisation)
    small = measure_all(client, urls)
    grow(9, also=(dept_a,))
    large = measure_all(client, urls)
    grow(10, also=(dept_a,))
    larger = measure_all(client, urls)
    for name, (_, headers) in urls.items():
        (queries_1x, _), (queries_10x, bytes_10x), (queries_20x, bytes_20x) = (
            small[name],
            large[name],
            larger[name],
        )
        assert queries_20x == queries_10x == queries_1x, name
        assert bytes_20x < MAX_BYTES, (name, bytes_20x)
        if headers:  # a fragment: at most the worst 30 cells, whatever the size
            assert bytes_20x < FRAGMENT_BYTES, (name, bytes_20x)
        elif name != "page 2":  # (page 2 fills up from 10× to 20×: queries only)
            # A full page of rows at 10× (61 departments): twice the data, the same page.
            assert bytes_20x < bytes_10x * 1.05, (name, bytes_10x, bytes_20x)


@pytest.mark.parametrize("reader", ["ciso", "head_a"])
def test_dashboard_queries_are_constant_and_the_page_bounded_from_1x_to_10x(
    client: Any, reader: str, request: pytest.FixtureRequest, dept_a: Any, organisation: Any
) -> None:
    client.force_login(request.getfixturevalue(reader))
    client.get("/")
    cache.clear()  # the figures computed, not read from the cache (alignment/changes.py)
    queries_1x, bytes_1x = measure(client, "/")
    grow(9, also=(dept_a,))
    cache.clear()
    queries_10x, bytes_10x = measure(client, "/")
    assert queries_10x == queries_1x
    assert bytes_10x < MAX_BYTES, bytes_10x
    if reader == "ciso":  # a head's home lists their own goals, up to 20: not the dashboard
        assert bytes_10x < 2 * bytes_1x, (bytes_1x, bytes_10x)


def test_the_dashboard_shows_a_summary_of_the_heatmap_never_its_cells(
    client: Any, ciso: Any, dept_a: Any, organisation: Any
) -> None:
    grow(9, also=(dept_a,))
    client.force_login(ciso)
    html = client.get("/").text
    summary = html[html.index('id="heatmap-heading"') : html.index('id="conflicts-heading"')]
    assert "heat-cell" not in summary and "heatmap-department-" not in summary
    assert summary.count('<tr><th scope="row">') == 5  # the five worst departments
    assert f'href="{reverse("alignment:heatmap")}"' in summary
    assert "of 61 departments with unmitigated conflicts" in summary
    # The friction table shows the ten worst of 61 departments and says so.
    assert "the 10 of 61 departments furthest over or nearest to it" in html


# --- never stale ---------------------------------------------------------------------------


def row_of(html: str, slug: str) -> list[str]:
    """The totals of a department's row in the heatmap: supports, conflicts, unmitigated."""
    row = html[html.index(f'<tbody id="heatmap-department-{slug}">') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row)
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells[:3]]


def test_a_saved_link_shows_at_once_on_the_heatmap_its_cells_and_the_dashboard(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    initiative = factories.InitiativeFactory(title="Change-approval gate")
    client.force_login(ciso)
    heatmap = reverse("alignment:heatmap")
    cells = reverse("alignment:heatmap-department", args=[dept_a.slug])
    assert row_of(client.get(heatmap).text, dept_a.slug) == ["0", "0", "0"]
    assert "of 1 department with unmitigated conflicts" in client.get("/").text

    url = reverse("alignment:matrix-cell", args=[dept_a.slug, initiative.pk, goal.pk])
    data = {"relation": "conflicts", "rationale": "Waits for approval", "version": "0"}
    assert client.post(url, data, headers=HTMX).status_code == 200

    assert row_of(client.get(heatmap).text, dept_a.slug) == ["0", "1", "1"]
    assert "1 support" not in client.get(cells, headers=HTMX).text
    assert "0 supports, 1 conflict (1 unmitigated)" in client.get(cells, headers=HTMX).text
    dashboard = client.get("/").text
    assert "<strong>1</strong> of 1 department with unmitigated conflicts" in dashboard

    # Mitigated: no longer unmitigated anywhere, at once.
    link = AlignmentLink.objects.get(goal=goal)
    data = {**data, "mitigation": "Standard changes skip the gate", "version": str(link.version)}
    assert client.post(url, data, headers=HTMX).status_code == 200
    assert row_of(client.get(heatmap).text, dept_a.slug) == ["0", "1", "0"]
    assert "<strong>0</strong> of 1 department with unmitigated conflicts" in client.get("/").text


def test_a_changed_assessment_shows_at_once_in_the_dashboards_friction(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    dept_a.friction_budget_hours = Decimal("5")
    dept_a.save()
    assessment = factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("4"))
    client.force_login(ciso)
    assert "Over budget" not in client.get("/").text
    ImpactAssessment.objects.filter(pk=assessment.pk).update(hours_per_week=Decimal("7"))
    assert "Over budget by 2 h" in client.get("/").text


def test_a_cancelled_initiative_leaves_the_heatmap_at_once(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    link = factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS)
    client.force_login(ciso)
    heatmap = reverse("alignment:heatmap")
    assert row_of(client.get(heatmap).text, dept_a.slug) == ["0", "1", "1"]
    link.initiative.status = "cancelled"
    link.initiative.save()
    assert row_of(client.get(heatmap).text, dept_a.slug) == ["0", "0", "0"]
