"""Moving the programme in a real browser: an administrator uploads an export of the
programme with one goal renamed here since, reads the preview, is asked to say "merge",
and imports; the security team's page offers the download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, expect

from alignment.portability.export import export_programme
from departments.models import Goal, ProcessDocument
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PageGuard
from tests.factories import PASSWORD


def test_an_administrator_previews_and_merges_an_export(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    page_guard: PageGuard,
    programme: ProcessDocument,
    tmp_path: Path,
) -> None:
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    export = tmp_path / "programme.zip"
    export.write_bytes(export_programme().content)
    goal = Goal.objects.order_by("pk")[0]
    Goal.objects.filter(pk=goal.pk).update(title="Renamed here")

    login("root")
    page.goto(live_server.url + reverse("alignment:transfer"))
    expect(page.get_by_role("heading", name="Export and import the programme")).to_be_visible()
    page.wait_for_load_state("load")  # axe reads colours: the style sheets first
    assert_accessible(page)

    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#transfer-summary")).to_contain_text("1 to update")
    expect(page.locator("#transfer-rows")).to_contain_text("Goals")
    page.wait_for_load_state("load")
    assert_accessible(page)

    page.get_by_role("button", name="Import 1 row").click()
    expect(page.locator("#id_merge").locator("xpath=../..")).to_contain_text("tick this box")
    page_guard.forgive(422)
    assert Goal.objects.get(pk=goal.pk).title == "Renamed here"

    page.get_by_label("Merge into the programme already here").check()
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.get_by_role("alert").first).to_contain_text("1 updated")
    assert Goal.objects.get(pk=goal.pk).title != "Renamed here"
