"""Log-in: required everywhere, through the real form, throttled by axes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN_URL = "/accounts/login/"


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN_URL, {"username": username, "password": password})


@pytest.mark.django_db
def test_it_shows_the_login_page_to_anonymous_users(client: Client) -> None:
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert b'id="id_username"' in response.content
    assert b'id="id_password"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/departments/",
        "/departments/infrastructure/",
        "/goals/",
        "/objectives/",
        "/initiatives/",
        "/initiatives/new/",
    ],
)
def test_it_sends_anonymous_users_to_the_login_page(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={quote(url)}"


def test_it_logs_in_with_the_right_password(client: Client, ciso: Any) -> None:
    response = log_in(client, "ciso", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/").status_code == 200


def test_it_rejects_a_wrong_password(client: Client, ciso: Any) -> None:
    response = log_in(client, "ciso", "wrong-password")

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get("/").status_code == 302


def test_it_locks_out_after_five_wrong_passwords(client: Client, ciso: Any) -> None:
    for _ in range(5):
        log_in(client, "ciso", "wrong-password")

    response = log_in(client, "ciso", PASSWORD)

    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert client.get("/").status_code == 302


def test_four_wrong_passwords_do_not_lock_out(client: Client, ciso: Any) -> None:
    for _ in range(4):
        log_in(client, "ciso", "wrong-password")

    response = log_in(client, "ciso", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_it_logs_out_on_post(client: Client, ciso: Any) -> None:
    log_in(client, "ciso", PASSWORD)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_it_does_not_log_out_on_get(client: Client, ciso: Any) -> None:
    log_in(client, "ciso", PASSWORD)

    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
