"""Browser tests: Chromium through Playwright against pytest-django's live server.

Every test here is marked `browser`, is skipped when Chromium is missing (failed under
REQUIRE_BROWSER=1), and fails if its pages log a console error, throw, or violate the
Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import require_browser, skip_or_fail
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TESTS = Path(__file__).resolve().parent

# Runs before the page exists, so it sees violations during parsing too. An init script is
# injected by the browser itself, so the CSP under test does not block it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    page: document.location.href,
  };
  window.__cspViolations.push(violation);
  if (window.__reportCspViolation) window.__reportCspViolation(violation);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def chromium_installed() -> None:
    """Decided before Playwright launches anything: session fixtures run first."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}", required=require_browser())


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_installed: None
) -> dict[str, Any]:
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


class PageGuard:
    """What went wrong in the page: console errors, uncaught errors, CSP violations."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[dict[str, Any]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        # Reported to Python as they happen, so a violation on a page the test has since
        # navigated away from is not lost with that page's `window`.
        page.expose_binding(
            "__reportCspViolation", lambda _source, violation: self.csp_violations.append(violation)
        )
        page.add_init_script(CSP_LISTENER)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def violations_in_page(self) -> list[dict[str, Any]]:
        if self.page.is_closed():
            return []
        return self.page.evaluate("window.__cspViolations || []")

    def forgive(self, status: int) -> None:
        """Chromium logs every 4xx answer as a console error; one the test provoked (an
        invalid form answers 422, a missing page 404) is expected."""
        self.console_errors[:] = [e for e in self.console_errors if f"status of {status}" not in e]

    def clear(self) -> None:
        """Forget what was seen so far: for a test that provokes a problem on purpose."""
        if not self.page.is_closed():
            self.page.evaluate("window.__cspViolations = []")
        self.console_errors.clear()
        self.page_errors.clear()
        self.csp_violations.clear()

    def problems(self) -> list[str]:
        found = [f"console error: {text}" for text in self.console_errors]
        found += [f"page error: {text}" for text in self.page_errors]
        violations = self.csp_violations or self.violations_in_page()
        found += [f"CSP violation: {violation}" for violation in violations]
        return found


@pytest.fixture(autouse=True)
def page_guard(page: Page, transactional_db: None) -> Iterator[PageGuard]:
    guard = PageGuard(page)
    yield guard
    problems = guard.problems()
    if problems:
        pytest.fail("The page was not clean:\n" + "\n".join(problems))


@pytest.fixture
def login(page: Page, live_server: Any) -> Callable[[str], None]:
    """Log in through the real form, as a person would."""

    def log_in(username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")

    return log_in
