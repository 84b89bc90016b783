"""The password-reset request: an address in, at most one outbox row out, the same answer
whoever asks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms

from alignment import account_emails


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, which finds the active users with that address and a usable
    password (`get_users`), but queues the email in the outbox instead of sending it
    within the request: the answer takes as long for an unknown address as for a known
    one, and a mail server that is down loses nothing."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            account_emails.queue_password_reset(user)
