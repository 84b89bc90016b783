"""Signed in (by token or session), and a read-scope token only reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from alignment.models.tokens import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenScopePermission(BasePermission):
    """What the user may see and change is decided by the models' rules in each view;
    this only refuses anonymous requests, and writes through a read-only token (403)."""

    message = "This token may only read: create a read-write token to write."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return False
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.can_write
        return True
