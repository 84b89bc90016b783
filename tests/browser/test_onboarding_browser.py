"""Onboarding from a spreadsheet in a real browser: the security team uploads a file of
departments, sees the preview (a bad file first), and confirms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.urls import reverse
from playwright.sync_api import Page, expect

from departments.models import Department
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PageGuard
from tests.departments.onboarding_helpers import DEPARTMENT_HEADER, xlsx_bytes


def test_the_security_team_previews_and_confirms_an_import(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    ciso: Any,
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG not a spreadsheet")
    good = tmp_path / "departments.xlsx"
    good.write_bytes(
        xlsx_bytes(
            [
                DEPARTMENT_HEADER,
                ["Finance", "", "Pays the bills.", "cfo@example.com", "Carla", "Fontaine", ""],
                ["Legal", "", "", "", "", "", "cfo@example.com"],
            ]
        )
    )
    login("ciso")
    page.goto(live_server.url + reverse("departments:department-list"))
    page.get_by_role("link", name="Import from a spreadsheet").click()
    expect(page.get_by_role("heading", name="Import from a spreadsheet")).to_be_visible()
    page.wait_for_load_state("load")  # axe reads colours: the style sheets first
    assert_accessible(page)

    # A file that is no spreadsheet: the form says why, and nothing is kept.
    page.get_by_label("Departments").check()
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#id_file").locator("xpath=..")).to_contain_text("UTF-8")
    page_guard.forgive(422)

    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#onboarding-summary")).to_contain_text("2 to create")
    expect(page.locator("#onboarding-rows")).to_contain_text("Finance")
    expect(page.locator("#onboarding-summary")).to_contain_text("1 new person")
    page.wait_for_load_state("load")
    assert_accessible(page)
    assert not Department.objects.filter(name="Finance").exists()

    page.get_by_role("button", name="Import 2 rows").click()
    expect(page).to_have_url(live_server.url + reverse("departments:department-list"))
    expect(page.get_by_role("alert").first).to_contain_text("2 created")
    expect(page.get_by_role("link", name="Finance")).to_be_visible()
    assert Department.objects.get(name="Legal").key_leaders.get().email == "cfo@example.com"
