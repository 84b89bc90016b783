"""Emails about a person's own account in the outbox: the password-reset link.

A row records only who asked and where to: never the link. The link (a uid and a token
from Django's `default_token_generator`) is made by the builder when the email is sent
(alignment/account_emails.py), so that the database, its backups and the admin never
hold a way into an account.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment.outbox import OutboxItem, mail_domain


class PasswordResetEmail(OutboxItem):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_reset_emails"
    )
    # The address the request was made for: a user whose address changed meanwhile is
    # not sent a link to the old one.
    recipient = models.EmailField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [*OutboxItem.outbox_constraints("password_reset")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="password_reset_due_idx"),
            # The throttle counts a user's recent requests.
            models.Index(fields=["user", "created_at"], name="password_reset_user_idx"),
        ]

    def __str__(self) -> str:
        return f"Password reset for {self.recipient}"

    @property
    def message_id(self) -> str:
        """Deterministic: a resend after a crash carries the same id."""
        return f"<password-reset-{self.pk}@{mail_domain()}>"
