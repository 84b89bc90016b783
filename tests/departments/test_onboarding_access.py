"""Who may onboard from a spreadsheet: the security team and administrators; every other
role gets 403, anonymous the login page, and a wrong method 405."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from departments.models import Goal
from tests import factories
from tests.departments.onboarding_helpers import GOAL_HEADER, csv_bytes, named, preview_url
from tests.departments.onboarding_helpers import upload as post_upload

pytestmark = pytest.mark.django_db

ROW = [
    "Infrastructure",
    "Uptime",
    "availability",
    "uptime",
    "%",
    "",
    "99",
    "99.9",
    "2030-12-31",
    "",
]


def urls(token: str) -> list[str]:
    return [
        reverse("departments:onboarding"),
        reverse("departments:onboarding-template", kwargs={"kind": "goals", "file_format": "csv"}),
        reverse("departments:onboarding-preview", kwargs={"token": token}),
    ]


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def token(ciso: Any, dept_a: Any) -> str:
    url = preview_url(
        post_upload(client_for(ciso), "goals", "g.csv", csv_bytes([GOAL_HEADER, ROW]))
    )
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("role", ["executive", "head_a", "outsider", "key_leader"])
def test_other_roles_are_refused(role: str, request: pytest.FixtureRequest, token: str) -> None:
    if role == "key_leader":
        user = factories.UserFactory(username="leader")
        request.getfixturevalue("dept_a").key_leaders.add(user)
    else:
        user = request.getfixturevalue(role)
    client = client_for(user)
    for url in urls(token):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code in {403, 405}, url
    content = csv_bytes([GOAL_HEADER, ROW])
    response = client.post(urls(token)[0], {"kind": "goals", "file": named("g.csv", content)})
    assert response.status_code == 403
    assert Goal.objects.count() == 0


def test_anonymous_is_sent_to_log_in(token: str) -> None:
    for url in urls(token):
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["ciso", "admin_user"])
def test_the_security_team_and_administrators_onboard(
    role: str, request: pytest.FixtureRequest, dept_a: Any
) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(urls("0" * 32)[0]).status_code == 200
    assert client.get(urls("0" * 32)[1]).status_code == 200
    url = preview_url(post_upload(client, "goals", "g.csv", csv_bytes([GOAL_HEADER, ROW])))
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert Goal.objects.count() == 1


def test_wrong_methods_are_405(ciso: Any, token: str) -> None:
    client = client_for(ciso)
    upload_url, template_url, preview = urls(token)
    assert client.post(template_url).status_code == 405
    for url in (upload_url, preview):
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    assert Goal.objects.count() == 0


def test_an_empty_upload_is_an_invalid_form(ciso: Any) -> None:
    response = client_for(ciso).post(urls("0" * 32)[0], {"kind": "goals"})
    assert response.status_code == 422
    assert response.context["form"].errors["file"] == ["This field is required."]
