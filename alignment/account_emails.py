"""Password reset by email, through the outbox.

Asking (the reset form, alignment/forms/accounts.py) writes a `PasswordResetEmail` row —
who and to which address, never a link — and asks for a sweep. The sweep
(alignment/notifications.py) calls `password_reset_email`, which makes the link then:
a uid and a token from Django's `default_token_generator`. The token is signed with the
user's password hash, last login and address, so it stops working once the password
changes (the link is single-use) and PASSWORD_RESET_TIMEOUT after it was made, i.e.
one hour after the email went out.

Throttle: at most MAX_PER_HOUR requests per user are queued in any hour; beyond that the
form queues nothing and answers the same page, so neither the limit nor the address's
existence shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alignment import outbox
from alignment.models import PasswordResetEmail
from alignment.outbox import OutboxStatus

MAX_PER_HOUR = 3
SUBJECT = "Reset your Meeting of the Minds password"


def queue_password_reset(user: Any) -> bool:
    """Queue a reset email for `user` unless they had MAX_PER_HOUR in the last hour;
    True when a row was written."""
    now = timezone.now()
    with transaction.atomic():
        # Lock the user's row so that two requests at once cannot both pass the count
        # (PostgreSQL; SQLite's IMMEDIATE transactions serialise the writers anyway).
        get_user_model().objects.select_for_update().get(pk=user.pk)
        recent = PasswordResetEmail.objects.filter(
            user=user, created_at__gt=now - dt.timedelta(hours=1)
        ).count()
        if recent >= MAX_PER_HOUR:
            return False
        PasswordResetEmail.objects.create(user=user, recipient=user.email, next_attempt_at=now)
        outbox.sweep_soon()
    return True


def reset_url(user: Any) -> str:
    """A fresh link for `user`, valid for PASSWORD_RESET_TIMEOUT from now."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return settings.SITE_URL + path


def lifetime() -> str:
    """How long a link works, in words: "one hour" with our setting."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % 3600:
        return f"{seconds // 60} minutes"
    return "one hour" if seconds == 3600 else f"{seconds // 3600} hours"


def password_reset_email(row: PasswordResetEmail, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The outbox builder: the email with a link made now, or SKIPPED when the request
    no longer stands — the user was deactivated or lost their password (single sign-on),
    their address changed since, or the request is older than a link's lifetime (the
    mail server failed for that long; they will have asked again)."""
    user = row.user
    stale = now - row.created_at > dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    if (
        stale
        or not user.is_active
        or not user.has_usable_password()
        or user.email.lower() != row.recipient.lower()
    ):
        return OutboxStatus.SKIPPED
    context = {
        "user": user,
        "url": reset_url(user),
        "lifetime": lifetime(),
    }
    message = EmailMultiAlternatives(
        SUBJECT,
        render_to_string("registration/password_reset_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [row.recipient],
    )
    message.attach_alternative(
        render_to_string("registration/password_reset_email.html", context), "text/html"
    )
    return outbox.with_message_id(message, row.message_id)
