"""Logging in with a real browser, and the guard that fails a test on a CSP violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageGuard


def test_ciso_logs_in_through_the_form_and_sees_the_dashboard(
    page: Page, live_server: Any, login: Callable[[str], None], ciso: Any
) -> None:
    login("ciso")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Security & business at a glance")
    # The stylesheet loaded: Bootstrap hides the skip link until it is focused.
    expect(page.get_by_role("link", name="Skip to content")).not_to_be_in_viewport()


def test_a_wrong_password_keeps_the_user_on_the_login_page(
    page: Page, live_server: Any, ciso: Any
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")

    page.fill("#id_username", "ciso")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()


def test_the_guard_sees_a_csp_violation(
    page: Page, login: Callable[[str], None], ciso: Any, page_guard: PageGuard
) -> None:
    login("ciso")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true;";
          document.body.appendChild(script);
        }"""
    )

    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inlineRan") is None
    assert page_guard.problems() != []
    page_guard.clear()
