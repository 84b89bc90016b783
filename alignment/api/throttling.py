"""Requests per token (or per session user) and period, counted in the default cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from alignment.models.tokens import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenRateThrottle(SimpleRateThrottle):
    """API_THROTTLE_RATE per token: two tokens of one user count apart, so one runaway
    script does not lock its owner's other integrations out; session requests count per
    user. Anonymous requests are refused before any work, so they are not counted."""

    scope = "token"

    def get_rate(self) -> str:
        # Read per request (not frozen at import like DRF's THROTTLE_RATES): tests and
        # a changed setting take effect without a restart of the module.
        return str(settings.API_THROTTLE_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
