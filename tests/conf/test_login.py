"""Log-in: required everywhere, through the real form, throttled by axes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from alignment.conf import login_throttle
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


# --- Lockouts aimed at the attacker, behind the proxies we trust ---------------------------


def fail_five_times(client: Client, username: str, **headers: str) -> None:
    for _ in range(5):
        client.post(LOGIN_URL, {"username": username, "password": "wrong"}, **headers)


def test_five_failures_lock_that_address_not_the_user(ciso: Any) -> None:
    attacker, owner = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    fail_five_times(attacker, "ciso")
    # The attacker's address is locked out, even with the right password…
    assert log_in(attacker, "ciso", PASSWORD).status_code == 429
    # …and the CISO, somewhere else, logs in.
    response = log_in(owner, "ciso", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_behind_one_trusted_proxy_the_real_address_is_used(ciso: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request reaches the app from the proxy
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    fail_five_times(attacker, "ciso")
    assert log_in(attacker, "ciso", PASSWORD).status_code == 429
    assert log_in(owner, "ciso", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout(ciso: Any, settings: Any) -> None:
    """The client writes what it likes to the left of what the trusted proxy appends."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(5):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9").post(
            LOGIN_URL, {"username": "ciso", "password": "wrong"}
        )
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.9")
    assert log_in(forged, "ciso", PASSWORD).status_code == 429


def test_without_trusted_proxies_the_forwarded_header_is_ignored(ciso: Any) -> None:
    for n in range(5):
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            LOGIN_URL, {"username": "ciso", "password": "wrong"}
        )
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "ciso", PASSWORD).status_code == 429


def test_a_username_guessed_at_from_many_addresses_is_slowed_not_blocked(
    ciso: Any, monkeypatch: Any
) -> None:
    waits: list[float] = []
    # The waits are recorded instead of slept: how long they are is what is asserted.
    monkeypatch.setattr(login_throttle, "sleep", waits.append)
    for n in range(5):  # four failures each from five addresses: none locked out
        for _ in range(4):
            Client(REMOTE_ADDR=f"203.0.113.{n}").post(
                LOGIN_URL, {"username": "ciso", "password": "wrong"}
            )
    assert login_throttle.recent_failures("ciso") == 20
    # Past ten failures in all, every attempt at "ciso" waited, longer and longer, capped.
    assert waits == sorted(waits) and len(waits) == 10
    assert waits[0] == 0.5 and waits[-1] == 3.0
    waits.clear()
    # The CISO still logs in (after the wait); another user is not slowed at all.
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "ciso", PASSWORD).status_code == 302
    assert waits == [3.0]
    waits.clear()
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "nobody", "wrong").status_code == 200
    assert waits == []


def test_the_admin_sees_a_lockout_and_lifts_it(ciso: Any, admin_user: Any) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    fail_five_times(attacker, "ciso")
    assert log_in(attacker, "ciso", PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "203.0.113.9" in listing.text and "ciso" in listing.text
    attempt = AccessAttempt.objects.get(username="ciso", ip_address="203.0.113.9")
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(attacker, "ciso", PASSWORD).status_code == 302


# --- Self-service password change ----------------------------------------------------------

NEW_PASSWORD = "a-much-longer-passphrase-2026"


def test_a_user_changes_their_own_password(head_a: Any) -> None:
    client = Client()
    assert log_in(client, head_a.username, PASSWORD).status_code == 302
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client.get("/").status_code == 200  # still logged in
    assert log_in(Client(), head_a.username, PASSWORD).status_code == 200  # old one refused
    assert log_in(Client(), head_a.username, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong", NEW_PASSWORD, NEW_PASSWORD, "Your old password was entered incorrectly"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn"),
        (PASSWORD, "12345678", "12345678", "This password is too common"),
    ],
)
def test_a_bad_password_change_says_why_and_changes_nothing(
    head_a: Any, old: str, new1: str, new2: str, message: str
) -> None:
    client = Client()
    log_in(client, head_a.username, PASSWORD)
    response = client.post(
        "/accounts/password/", {"old_password": old, "new_password1": new1, "new_password2": new2}
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert log_in(Client(), head_a.username, PASSWORD).status_code == 302


def test_the_password_page_needs_a_login(client: Client) -> None:
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
