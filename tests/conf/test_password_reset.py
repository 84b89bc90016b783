"""Password reset by email: queued in the outbox, one hour, once, and the same answer for
any address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse

from alignment import account_emails, notifications, outbox
from alignment.models import PasswordResetEmail
from alignment.outbox import OutboxStatus
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-much-longer-passphrase-2026"
RESET_URL = "/accounts/password/reset/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> None:
    # The rows are the record; asking a worker to sweep is beside the point here.
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)


@pytest.fixture
def alice(db: Any) -> Any:
    return UserFactory(username="alice", email="alice@example.com")


def ask(client: Client, email: str, **extra: Any) -> Any:
    return client.post(RESET_URL, {"email": email}, **extra)


def log_in(client: Client, username: str, password: str) -> bool:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == reverse("home")


def sent_link() -> str:
    """The path of the link in the one email sent."""
    assert len(mail.outbox) == 1
    text = str(mail.outbox[0].body)
    match = re.search(r"http://127\.0\.0\.1:8000(/accounts/password/reset/\S+/)", text)
    assert match, text
    return match.group(1)


def without_tokens(body: bytes) -> bytes:
    # The CSRF token (in the form and in hx-headers) and the CSP nonce change per request.
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body)
    return re.sub(rb'nonce="[^"]+"', b"", body)


def test_it_shows_the_reset_page_to_anonymous_users(client: Client) -> None:
    response = client.get(RESET_URL)

    assert response.status_code == 200
    assert b'id="id_email"' in response.content


def test_the_login_page_links_to_it(client: Client) -> None:
    assert f'href="{RESET_URL}"'.encode() in client.get(reverse("login")).content


def test_it_queues_one_email_and_its_link_sets_a_new_password(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    response = ask(client, "Alice@Example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 0  # nothing is sent within the request
    row = PasswordResetEmail.objects.get()
    assert (row.user, row.recipient, row.status) == (alice, "alice@example.com", "pending")

    assert notifications.sweep()["password_resets"] == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert message.extra_headers["Message-ID"] == row.message_id
    assert "one hour" in message.body and "ignore this email" in message.body
    html = message.alternatives[0][0]
    assert "one hour" in html and sent_link() in html

    landing = client.get(sent_link())
    # Django moves the token into the session, so that it leaks in no Referer header.
    assert landing.status_code == 302 and landing["Location"].endswith("/set-password/")
    form = client.get(landing["Location"])
    assert form.status_code == 200 and b'id="id_new_password1"' in form.content
    done = client.post(
        landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")

    assert log_in(Client(), "alice", NEW_PASSWORD)
    assert not log_in(Client(), "alice", PASSWORD)
    # Used once, the link is dead: the token was signed with the old password.
    assert b"no longer works" in Client().get(sent_link(), follow=True).content


def test_an_unknown_address_gets_the_identical_answer(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    known = ask(client, "alice@example.com", follow=True)
    unknown = ask(client, "nobody@example.com", follow=True)

    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known.content) == without_tokens(unknown.content)
    assert PasswordResetEmail.objects.filter(recipient="nobody@example.com").count() == 0
    assert PasswordResetEmail.objects.count() == 1


def test_an_inactive_user_gets_nothing(client: Client, alice: Any, mailoutbox: list[Any]) -> None:
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert ask(client, "alice@example.com")["Location"] == reverse("password_reset_done")
    assert not PasswordResetEmail.objects.exists()


def test_a_user_deactivated_after_asking_gets_nothing(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    ask(client, "alice@example.com")
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    notifications.sweep()

    assert mailoutbox == []
    assert PasswordResetEmail.objects.get().status == OutboxStatus.SKIPPED


def test_a_changed_address_gets_nothing(client: Client, alice: Any, mailoutbox: list[Any]) -> None:
    ask(client, "alice@example.com")
    alice.email = "alice@elsewhere.example"
    alice.save(update_fields=["email"])

    notifications.sweep()

    assert mailoutbox == []
    assert PasswordResetEmail.objects.get().status == OutboxStatus.SKIPPED


def test_a_user_without_a_usable_password_gets_nothing(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    alice.set_unusable_password()  # single sign-on only
    alice.save(update_fields=["password"])

    ask(client, "alice@example.com")

    assert not PasswordResetEmail.objects.exists()


def test_the_link_expires_after_the_timeout(
    client: Client, alice: Any, mailoutbox: list[Any], monkeypatch: Any, settings: Any
) -> None:
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    ask(client, "alice@example.com")
    notifications.sweep()
    link = sent_link()
    real_now = default_token_generator._now

    monkeypatch.setattr(
        default_token_generator, "_now", lambda: real_now() + dt.timedelta(minutes=59)
    )
    assert client.get(link).status_code == 302  # still good just before the hour

    monkeypatch.setattr(
        default_token_generator, "_now", lambda: real_now() + dt.timedelta(minutes=61)
    )
    late = Client().get(link, follow=True)
    assert late.status_code == 200
    assert b"no longer works" in late.content
    assert b"new_password1" not in late.content


def test_the_link_dies_when_the_password_changes(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    ask(client, "alice@example.com")
    notifications.sweep()
    alice.set_password(NEW_PASSWORD)
    alice.save(update_fields=["password"])

    response = client.get(sent_link(), follow=True)

    assert b"no longer works" in response.content


def test_a_request_older_than_a_link_is_not_sent(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    ask(client, "alice@example.com")
    row = PasswordResetEmail.objects.get()

    notifications.sweep(now=row.created_at + dt.timedelta(hours=1, minutes=1))

    assert mailoutbox == []
    assert PasswordResetEmail.objects.get().status == OutboxStatus.SKIPPED


def test_it_queues_at_most_three_an_hour_and_answers_the_same(
    client: Client, alice: Any, mailoutbox: list[Any]
) -> None:
    answers = [ask(client, "alice@example.com") for _ in range(5)]

    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password_reset_done"))
    }
    assert PasswordResetEmail.objects.count() == account_emails.MAX_PER_HOUR == 3

    # An hour later the user may ask again.
    PasswordResetEmail.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    ask(client, "alice@example.com")
    assert PasswordResetEmail.objects.count() == 4


def test_the_outbox_row_holds_no_link(client: Client, alice: Any, mailoutbox: list[Any]) -> None:
    ask(client, "alice@example.com")
    notifications.sweep()
    token = sent_link().rstrip("/").rsplit("/", 1)[-1]
    row = PasswordResetEmail.objects.values().get()

    assert token not in " ".join(str(value) for value in row.values())
    assert {f.name for f in PasswordResetEmail._meta.get_fields()} >= {"user", "recipient"}
    assert not {"token", "url", "body_text", "body_html"} & {
        f.name for f in PasswordResetEmail._meta.get_fields()
    }


@pytest.mark.parametrize(
    "url",
    [
        RESET_URL,
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/complete/",
        "/accounts/password/reset/MQ/set-password/",
    ],
)
def test_switched_off_every_reset_page_is_404(client: Client, settings: Any, url: str) -> None:
    settings.PASSWORD_RESET_ENABLED = False

    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "alice@example.com"}).status_code == 404


def test_switched_off_the_login_page_has_no_link_and_nothing_is_queued(
    client: Client, alice: Any, settings: Any
) -> None:
    settings.PASSWORD_RESET_ENABLED = False

    assert b"Forgot your password" not in client.get(reverse("login")).content
    ask(client, "alice@example.com")
    assert not PasswordResetEmail.objects.exists()


def test_it_refuses_other_methods(client: Client) -> None:
    assert client.put(RESET_URL, {"email": "alice@example.com"}).status_code == 405
    assert client.delete(RESET_URL).status_code == 405
