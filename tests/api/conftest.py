"""The API's cast: the permission matrix's world (department B's data, the security
team's programme, head B's meeting with the CISO) and a read-write token per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from alignment.models import ApiToken, TokenScope
from tests.test_permission_matrix import World, world

__all__ = ["world"]  # the fixture, imported so that pytest finds it here

ROLES = ("head_a", "head_b", "ciso", "executive")


def issue(user: Any, scope: str = TokenScope.READ_WRITE, days: int = 30) -> str:
    expires = timezone.now() + dt.timedelta(days=days)
    return ApiToken.issue(user=user, name="test", scope=scope, expires_at=expires)[1]


def api(secret: str | None) -> Client:
    """A client that sends `secret` as its bearer token (none: anonymous)."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return Client(headers=headers, raise_request_exception=False)


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    cache.clear()  # throttle counts from another test never leak into this one


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    """role → a read-write token of that role's user."""
    return {role: issue(world.users[role]) for role in ROLES}
