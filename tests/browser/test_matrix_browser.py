"""The alignment matrix in a real browser: cell editing, counters, filters, accessibility."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from alignment.models import AlignmentLink, Relation
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PageGuard


@dataclass
class Scene:
    department: Any
    uptime: Any
    deploys: Any
    gate: Any
    edr: Any
    efficiency: Any


@pytest.fixture
def scene(dept_a: Any, dept_b: Any) -> Scene:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    deploys = factories.GoalFactory(department=dept_a, title="p95 deploy under 15 min")
    factories.GoalFactory(department=dept_b, title="Triple annual revenue")
    efficiency = factories.ObjectiveFactory(title="Efficiency")
    endpoint = factories.ObjectiveFactory(title="Endpoint security")
    gate = factories.InitiativeFactory(objective=efficiency, title="Change-approval gate")
    edr = factories.InitiativeFactory(objective=endpoint, title="EDR on all laptops")
    factories.LinkFactory(initiative=edr, goal=uptime, relation=Relation.SUPPORTS)
    return Scene(dept_a, uptime, deploys, gate, edr, efficiency)


def open_matrix(page: Page, live_server: Any, scene: Scene, query: str = "?rows=all") -> None:
    """The matrix with every initiative as a row (by default only the linked or assessed)."""
    url = reverse("alignment:matrix", args=[scene.department.slug]) + query
    page.goto(live_server.url + url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alignment matrix: Infrastructure")
    # Set on this page's window: still there after the save proves there was no reload.
    page.evaluate("window.__sameDocument = true")


def counter(page: Page, name: str) -> Any:
    return page.locator(f'#matrix-counters [data-counter="{name}"]')


def edit_cell(page: Page, initiative: Any, goal: Any) -> Any:
    cell = page.locator(f"#matrix-cell-{initiative.pk}-{goal.pk}")
    cell.get_by_role("link").click()
    expect(cell.get_by_role("button", name="Save")).to_be_visible()
    return cell


def test_ciso_marks_a_mitigated_conflict_and_the_counters_follow(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    open_matrix(page, live_server, scene)
    assert_accessible(page)
    expect(counter(page, "conflicts")).to_have_text("0")
    expect(page.locator("#conflict-badge-infrastructure")).to_have_text("0 conflicts")

    cell = edit_cell(page, scene.gate, scene.deploys)
    expect(cell.get_by_label("No link")).to_be_focused()
    cell.get_by_label("Conflicts").check()
    cell.get_by_label("Rationale").fill("Every deploy waits for a change approval")
    cell.get_by_label("Mitigation").fill("Pre-approved standard changes skip the gate")
    cell.get_by_role("button", name="Save").click()

    cell = page.locator(f"#matrix-cell-{scene.gate.pk}-{scene.deploys.pk}")
    expect(cell).to_contain_text("Conflicts")
    expect(cell).not_to_contain_text("Unmitigated")
    expect(cell).to_contain_text("Mitigation: Pre-approved standard changes skip the gate")
    expect(cell.get_by_role("link")).to_be_focused()
    expect(counter(page, "conflicts")).to_have_text("1")
    expect(counter(page, "unmitigated")).to_have_text("0")
    expect(page.locator("#conflict-badge-infrastructure")).to_have_text("1 conflict")
    assert page.evaluate("window.__sameDocument") is True
    link = AlignmentLink.objects.get(initiative=scene.gate, goal=scene.deploys)
    assert link.mitigation == "Pre-approved standard changes skip the gate"
    assert_accessible(page)


def test_a_conflict_without_mitigation_counts_as_unmitigated(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    scene: Scene,
    page_guard: PageGuard,
) -> None:
    login("ciso")
    open_matrix(page, live_server, scene)
    expect(counter(page, "unmitigated")).to_have_text("0")

    cell = edit_cell(page, scene.gate, scene.uptime)
    cell.get_by_label("Conflicts").check()
    cell.get_by_role("button", name="Save").click()
    # A conflict needs a rationale: the error shows in the cell, nothing is saved.
    expect(cell).to_contain_text("why this initiative gets in the way")
    expect(counter(page, "conflicts")).to_have_text("0")
    page_guard.forgive(422)

    cell.get_by_label("Rationale").fill("Emergency fixes wait for the board")
    cell.get_by_role("button", name="Save").click()
    expect(cell).to_contain_text("Unmitigated")
    expect(counter(page, "conflicts")).to_have_text("1")
    expect(counter(page, "unmitigated")).to_have_text("1")
    expect(page.locator("#conflict-badge-infrastructure")).to_have_text("1 conflict, 1 unmitigated")
    chooser = page.get_by_label("Department", exact=True)
    expect(chooser.locator("option:checked")).to_have_text(
        "Infrastructure — 1 conflict, 1 unmitigated"
    )
    assert page.evaluate("window.__sameDocument") is True


def test_the_filters_update_the_table_and_the_address(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    open_matrix(page, live_server, scene, query="")
    table = page.locator("#matrix-table")
    # By default the rows are the initiatives linked to (or assessed on) the department.
    expect(table).to_contain_text("EDR on all laptops")
    expect(table).not_to_contain_text("Change-approval gate")

    page.get_by_label("Every initiative").check()
    expect(page).to_have_url(re.compile(r"rows=all"))
    expect(table).to_contain_text("Change-approval gate")
    page.get_by_label("Objective").select_option(label="Efficiency")
    expect(page).to_have_url(re.compile(rf"objective={scene.efficiency.pk}"))
    expect(table).not_to_contain_text("EDR on all laptops")
    expect(table).to_contain_text("Change-approval gate")
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Linked or assessed here").check()
    expect(page).to_have_url(re.compile(r"rows=relevant"))
    expect(table).to_contain_text("No security initiative matches these filters.")

    # The address is a bookmark: opened afresh, it shows the same filtered matrix.
    page.reload()
    expect(page.get_by_label("Linked or assessed here")).to_be_checked()
    expect(page.locator("#matrix-table")).to_contain_text("No security initiative matches")


def test_the_department_chooser_and_the_search(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    open_matrix(page, live_server, scene)
    page.get_by_label("Initiative", exact=True).press_sequentially("gate")
    table = page.locator("#matrix-table")
    expect(table).not_to_contain_text("EDR on all laptops")
    expect(table).to_contain_text("Change-approval gate")
    expect(page).to_have_url(re.compile(r"q=gate"))
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Department", exact=True).select_option(label="Sales")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alignment matrix: Sales")
    assert_accessible(page)


def test_heatmap_opens_a_department_with_htmx_and_then_its_filtered_matrix(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    page.goto(live_server.url + reverse("alignment:heatmap"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alignment heatmap")
    page.evaluate("window.__sameDocument = true")
    row = page.locator("#heatmap-department-infrastructure")
    expect(row.get_by_role("row").first).to_contain_text("Infrastructure")
    expect(page.locator(".heat-cell")).to_have_count(0)  # no cell before a row is opened
    assert_accessible(page)

    opener = page.get_by_role("link", name="Show cells of Infrastructure")
    expect(opener).to_have_attribute("aria-expanded", "false")
    opener.click()
    cell = row.get_by_role("link", name=re.compile(r"^Endpoint security \+1 1 support"))
    expect(cell).to_be_visible()
    expect(page.get_by_role("link", name="Hide cells of Infrastructure")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert page.evaluate("window.__sameDocument") is True  # loaded in place, by htmx
    assert_accessible(page)

    cell.click()
    expect(page).to_have_url(re.compile(r"/alignment/matrix/infrastructure/\?objective=\d+"))
    expect(page.locator("#matrix-table")).to_contain_text("EDR on all laptops")
    expect(page.locator("#matrix-table")).not_to_contain_text("Change-approval gate")
    assert_accessible(page)


def test_heatmap_by_objective_opens_an_objectives_departments(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    page.goto(live_server.url + reverse("alignment:heatmap"))
    page.get_by_role("link", name="By objective").click()
    page.get_by_role("link", name="Show cells of Endpoint security").click()
    expect(page.get_by_role("link", name=re.compile(r"^Infrastructure \+1"))).to_be_visible()
    page.get_by_role("link", name="Hide cells of Endpoint security").click()
    expect(page.locator(".heat-cell")).to_have_count(0)
    assert_accessible(page)


def test_ciso_links_a_goal_from_the_initiative_page_with_the_type_ahead(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any, scene: Scene
) -> None:
    login("ciso")
    page.goto(live_server.url + scene.gate.get_absolute_url())
    page.evaluate("window.__sameDocument = true")

    page.get_by_label("Find a goal by its title or department").press_sequentially("deploy")
    result = page.locator(f"#link-result-{scene.deploys.pk}")
    expect(result).to_contain_text("p95 deploy under 15 min")
    expect(page.locator("#link-search-results")).not_to_contain_text("99.95 % uptime")
    result.get_by_label("Relation to p95 deploy under 15 min").select_option("neutral")
    result.get_by_label("Rationale for p95 deploy under 15 min").fill("Only emergency changes")
    result.get_by_role("button", name="Link").click()

    expect(result).to_contain_text("Saved.")
    expect(result).to_contain_text("Neutral")
    assert page.evaluate("window.__sameDocument") is True
    link = AlignmentLink.objects.get(initiative=scene.gate, goal=scene.deploys)
    assert (link.relation, link.rationale) == ("neutral", "Only emergency changes")
    assert_accessible(page)
