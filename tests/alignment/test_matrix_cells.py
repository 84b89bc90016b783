"""A cell of the alignment matrix: opened in place, saved with its counters, refused when
stale or not the security team's to change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from alignment.models import AlignmentLink, Relation
from tests import factories
from tests.alignment.matrix_scene import HTMX, Scene, cell_url, counter, matrix_url

pytestmark = pytest.mark.django_db

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
    option = r'<option id="chooser-option-infrastructure"[^>]*hx-swap-oob="true">Infrastructure — 2'
    assert re.search(option, html)


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
