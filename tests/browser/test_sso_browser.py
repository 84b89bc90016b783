"""Single sign-on through a real OpenID Connect provider on loopback (panva's
oidc-provider, tests/oidc/provider.mjs, started here with node): a person logs in with
the provider's own login screen, gets the role their groups map to, and loses it when the
provider's groups change at their next login; logging out ends the provider's session too.
"""

from __future__ import annotations

import copy
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from alignment.conf import oidc
from departments.roles import is_ciso, is_executive
from tests.conftest import require_browser, skip_or_fail

PROVIDER = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "meeting-of-the-minds", "a-test-only-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class People:
    """The provider's directory: a JSON file it reads at every login."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, login: str, *, email: str, groups: list[str]) -> None:
        found = json.loads(self.path.read_text()) if self.path.exists() else {}
        found[login] = {
            "email": email,
            "given_name": login.capitalize(),
            "family_name": "Lovelace",
            "groups": groups,
        }
        self.path.write_text(json.dumps(found))


@pytest.fixture
def provider(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[People]:
    node = shutil.which("node")
    if node is None or not (PROVIDER / "node_modules" / "oidc-provider").is_dir():
        skip_or_fail(
            "oidc-provider is not installed: npm install --prefix tests/oidc",
            required=require_browser(),
        )
    people = People(tmp_path / "people.json")
    people.set("nobody", email="nobody@example.com", groups=[])
    port = free_port()
    env = {
        "PATH": str(Path(str(node)).parent),
        "OIDC_PORT": str(port),
        "OIDC_ACCOUNTS": str(people.path),
        "OIDC_REDIRECT_URI": f"{live_server.url}/oidc/callback/",
        "OIDC_POST_LOGOUT_URI": f"{live_server.url}/accounts/login/",
    }
    log = (tmp_path / "provider.log").open("w")
    process = subprocess.Popen(
        [str(node), "provider.mjs"], cwd=PROVIDER, env=env, stdout=log, stderr=log
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("The OpenID provider did not start: " + log.name)
            time.sleep(0.2)
    settings.OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_SECURITY_GROUPS = ["security"]
    settings.OIDC_EXECUTIVE_GROUPS = ["leadership"]
    # As settings.py does for OIDC_ISSUER: the log-out form may end up at the provider.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    oidc._discovery.clear()
    try:
        yield people
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        oidc._discovery.clear()


def quiet_provider_pages(page: Page) -> None:
    """The provider's development screens ask for a web font and a favicon, which a
    machine without the internet cannot load: answered empty, so the page guard judges
    only what is ours."""
    page.route(
        "https://fonts.googleapis.com/**", lambda r: r.fulfill(body="", content_type="text/css")
    )
    page.route("**/favicon.ico", lambda r: r.fulfill(status=204, body=""))


def sso_login(page: Page, base: str, login: str) -> None:
    """Through our login page and the provider's own screens (any password)."""
    quiet_provider_pages(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Log in with single sign-on").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever the provider accepts")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent screen


def test_roles_follow_the_providers_groups_at_every_login(
    page: Page, live_server: Any, provider: People
) -> None:
    provider.set("ada", email="Ada@Example.com", groups=["security", "staff"])
    sso_login(page, live_server.url, "ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Security & business at a glance")
    ada = get_user_model().objects.get(email__iexact="ada@example.com")
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert is_ciso(ada) and not is_executive(ada)
    assert not ada.has_usable_password()

    # Logging out ends the provider's session too (after its own "sign out?" question):
    # the next login asks for the password again.
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    provider.set("ada", email="ada@example.com", groups=["leadership"])
    sso_login(page, live_server.url, "ada")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    ada = get_user_model().objects.get(pk=ada.pk)  # roles are cached on a user object
    assert not is_ciso(ada) and is_executive(ada)
    assert get_user_model().objects.filter(email__iexact="ada@example.com").count() == 1


def test_password_login_can_be_switched_off(
    page: Page, live_server: Any, provider: People, settings: Any, client: Any
) -> None:
    settings.PASSWORD_LOGIN_ENABLED = False
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("link", name="Log in with single sign-on")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(0)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
