"""Personal access tokens for the REST API (alignment/api/).

A token is `mom_<prefix>_<secret>`: the prefix (8 hex characters, shown in lists) finds the
row, and the SHA-256 of the whole token, compared in constant time, proves it. The token
itself is shown once, at creation, and never stored. A token acts as its user, with that
user's roles at the time of each request, narrowed by its scope (read, or read-write).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from departments import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from departments.roles import AnyUser

TOKEN_START = "mom_"
PREFIX_LENGTH = 8
# last_used_at is written at most this often per token: not a write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def max_lifetime() -> dt.timedelta:
    """The longest a token may live (API_TOKEN_MAX_DAYS, a year by default)."""
    return dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read_write", "Read and write"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def visible_to(self, user: AnyUser) -> ApiTokenQuerySet:
        """Each user sees their own tokens; the security team sees everyone's."""
        if roles.is_ciso(user):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def active(self, now: dt.datetime | None = None) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'uptime exporter'.")
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="api_token_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_START}{self.prefix}…)"

    def clean(self) -> None:
        created = self.created_at
        if self.expires_at is not None:
            if self.expires_at <= created:
                raise ValidationError({"expires_at": "A token must expire in the future."})
            if self.expires_at > created + max_lifetime():
                raise ValidationError(
                    {"expires_at": f"A token lives {settings.API_TOKEN_MAX_DAYS} days at most."}
                )

    @classmethod
    def issue(
        cls, *, user: User, name: str, scope: str, expires_at: dt.datetime
    ) -> tuple[ApiToken, str]:
        """A new token and its secret (the only time the secret exists outside the caller)."""
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        while cls.objects.filter(prefix=prefix).exists():  # 1 in 4 billion, but cheap
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        token = cls(user=user, name=name, scope=scope, expires_at=expires_at, prefix=prefix)
        token.digest = digest_of(secret)
        token.full_clean()
        token.save()
        return token, secret

    @classmethod
    def find(cls, secret: str) -> ApiToken | None:
        """The token whose secret this is, active or not; None for anything else."""
        if not secret.startswith(TOKEN_START) or len(secret) > 200:
            return None
        prefix = secret[len(TOKEN_START) : len(TOKEN_START) + PREFIX_LENGTH]
        token = cls.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.digest, digest_of(secret)):
            return None
        return token

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_active(self, now: dt.datetime | None = None) -> bool:
        return not self.is_revoked and self.expires_at > (now or timezone.now())

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE

    def touch(self, now: dt.datetime | None = None) -> None:
        """Record a use, at most once per LAST_USED_RESOLUTION: one conditional UPDATE,
        so two requests racing write once and a busy token does not write per request."""
        now = now or timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        if ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now):
            self.last_used_at = now

    def revoke(self, *, by: User, at: dt.datetime | None = None) -> bool:
        """Revoke once; False when it already was."""
        at = at or timezone.now()
        changed = ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=at, revoked_by=by
        )
        if changed:
            self.revoked_at, self.revoked_by = at, by
        return bool(changed)


def get_token_for(user: AnyUser, pk: int, *, write: bool = False) -> ApiToken:
    """A token of the user's own, or anyone's for the security team; 404 otherwise.
    `write` (revoke) follows the same rule: whoever sees a token may revoke it."""
    token = get_object_or_404(ApiToken.objects.visible_to(user).select_related("user"), pk=pk)
    if write and not (token.user_id == user.pk or roles.is_ciso(user)):
        raise PermissionDenied("Only the token's owner or the security team revokes it.")
    return token
