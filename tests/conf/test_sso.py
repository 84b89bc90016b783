"""Single sign-on's edges, without a provider: switched off it is not there; a provider
that cannot be reached sends people back to the log-in page saying so; roles follow the
groups claim (the whole login through a real provider: tests/browser/test_sso_browser.py)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.contrib.auth.models import Group

from alignment.conf import oidc
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_discovery() -> Any:
    oidc._discovery.clear()
    yield
    oidc._discovery.clear()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns


def test_it_is_not_there_when_switched_off(client: Any) -> None:
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert "single sign-on" not in client.get("/accounts/login/").content.decode()


def test_an_unreachable_provider_sends_people_back_to_log_in(client: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = f"http://127.0.0.1:{closed_port()}"
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "id", "secret"
    settings.OIDC_TIMEOUT = 2
    page = client.get("/accounts/login/").content.decode()
    assert "Log in with single sign-on" in page
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302 and response.url == "/accounts/login/?sso=failed"
    assert "Single sign-on did not complete" in client.get(response.url).content.decode()


def test_a_forged_callback_logs_nobody_in(client: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = f"http://127.0.0.1:{closed_port()}"
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "id", "secret"
    response = client.get("/oidc/callback/?code=forged&state=forged")
    assert response.status_code == 302 and "sso=failed" in response.url
    assert "_auth_user_id" not in client.session


def test_roles_follow_the_groups_claim(settings: Any) -> None:
    settings.OIDC_SECURITY_GROUPS = ["sec", "soc"]
    settings.OIDC_EXECUTIVE_GROUPS = ["board"]
    user = factories.UserFactory()
    oidc.sync_roles(user, {"groups": ["soc", "board", "staff"]})
    assert set(user.groups.values_list("name", flat=True)) == {SECURITY_GROUP, EXECUTIVE_GROUP}
    oidc.sync_roles(user, {"groups": "staff"})
    assert not user.groups.filter(name__in=[SECURITY_GROUP, EXECUTIVE_GROUP]).exists()
    other = Group.objects.create(name="Auditors")
    user.groups.add(other)
    oidc.sync_roles(user, {})  # no claim at all: no role, other groups untouched
    assert list(user.groups.values_list("name", flat=True)) == ["Auditors"]


def test_password_login_switched_off_refuses_the_form(client: Any, settings: Any) -> None:
    settings.PASSWORD_LOGIN_ENABLED = False
    settings.OIDC_ISSUER = "http://127.0.0.1:1"
    factories.UserFactory(username="ada")
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' not in page and "Forgot your password?" not in page
    response = client.post("/accounts/login/", {"username": "ada", "password": "x"})
    assert response.status_code == 403
    assert client.get("/accounts/password/reset/").status_code == 404
