"""The API tokens page (create, shown once, list, revoke) and the security team's page
of everyone's tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment.models import ApiToken, TokenScope
from tests.api.conftest import api, issue

pytestmark = pytest.mark.django_db
LIST = "/accounts/tokens/"


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client: Client, **changes: Any) -> Any:
    body = {
        "name": "uptime exporter",
        "scope": TokenScope.READ_WRITE,
        "expires_on": str(timezone.localdate() + dt.timedelta(days=30)),
    }
    return client.post(reverse("tokens:token-list"), body | changes)


def test_it_creates_a_token_and_shows_its_secret_once(head_a: Any) -> None:
    client = page_client(head_a)
    response = create(client)
    assert response.status_code == 201
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=head_a)
    assert (token.name, token.scope) == ("uptime exporter", TokenScope.READ_WRITE)
    assert token.expires_at > timezone.now() + dt.timedelta(days=30)
    assert api(secret).get("/api/v1/goals/").status_code == 200
    again = client.get(LIST).content.decode()
    assert secret not in again and f"mom_{token.prefix}" in again


@pytest.mark.parametrize(
    "changes",
    [
        {"expires_on": "9999-12-31"},
        {"expires_on": "0001-01-01"},
        {"expires_on": "not a date"},
        {"name": ""},
        {"name": "x" * 101},
        {"scope": "admin"},
    ],
)
def test_it_refuses_a_bad_token(changes: dict[str, str], head_a: Any) -> None:
    response = create(page_client(head_a), **changes)
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_it_lists_only_ones_own_tokens_with_last_use(head_a: Any, head_b: Any) -> None:
    issue(head_b)
    api(issue(head_a)).get("/api/v1/goals/")
    response = page_client(head_a).get(LIST)
    assert list(response.context["tokens"]) == list(ApiToken.objects.filter(user=head_a))
    assert "never" not in response.content.decode()


def test_the_owner_revokes_their_token(head_a: Any) -> None:
    secret = issue(head_a)
    token = ApiToken.objects.get()
    response = page_client(head_a).post(reverse("tokens:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == head_a
    assert api(secret).get("/api/v1/goals/").status_code == 401


def test_nobody_else_but_the_security_team_revokes_it(
    head_a: Any, head_b: Any, executive: Any
) -> None:
    issue(head_b)
    token = ApiToken.objects.get()
    url = reverse("tokens:token-revoke", args=[token.pk])
    for user in (head_a, executive):
        assert page_client(user).post(url).status_code == 404
    assert page_client(head_a).get(url).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_security_team_sees_and_revokes_anyones_token(ciso: Any, head_b: Any) -> None:
    issue(head_b)
    token = ApiToken.objects.get()
    client = page_client(ciso)
    response = client.get(reverse("tokens:token-all"))
    assert response.status_code == 200
    assert list(response.context["tokens"]) == [token]
    response = client.post(reverse("tokens:token-revoke", args=[token.pk]))
    assert response["Location"] == reverse("tokens:token-all")
    token.refresh_from_db()
    assert token.revoked_by == ciso


def test_everyones_tokens_is_the_security_teams_page(head_a: Any, executive: Any) -> None:
    for user in (head_a, executive):
        assert page_client(user).get(reverse("tokens:token-all")).status_code == 403


def test_the_profile_links_the_tokens_page(head_a: Any) -> None:
    profile = page_client(head_a).get(reverse("alignment:meeting-profile"))
    assert LIST in profile.content.decode()
