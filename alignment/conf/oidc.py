"""Single sign-on with OpenID Connect (mozilla-django-oidc), switched on by OIDC_ISSUER.

The provider's endpoints come from its discovery document
(`<issuer>/.well-known/openid-configuration`), read the first time a login needs them
and kept for the life of the process; none is read at start-up, so a provider that is
down never stops the app (people then use a password, if PASSWORD_LOGIN_ENABLED).

People are matched by email (case-insensitive) and created at their first login; at
every login their name and email follow the provider's claims, and their roles follow
the groups claim: membership of a group in OIDC_SECURITY_GROUPS makes them the security
team, of one in OIDC_EXECUTIVE_GROUPS an executive, and losing it at the provider takes
the role away at the next login. Department heads are named in the app, not by groups.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP

# A mozilla-django-oidc setting ← the discovery document's key.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_lock = threading.Lock()
logger = logging.getLogger(__name__)
_discovery: dict[str, Any] = {}


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", ""))


def discovery() -> dict[str, Any]:
    """The provider's discovery document, fetched once per process (a failure is not
    kept: the next login tries again)."""
    with _lock:
        if not _discovery:
            url = settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            if document.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
                raise ImproperlyConfigured(f"{url} names another issuer: check OIDC_ISSUER.")
            _discovery.update(document)
        return _discovery


def setting(attr: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting; an endpoint not set explicitly is discovered."""
    if attr in DISCOVERED and not getattr(settings, attr, None):
        return discovery()[DISCOVERED[attr]]
    return import_from_settings(attr, *default)


def _lazy(name: str, *default: Any) -> property:
    return property(lambda self: setting(name, *default))


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, reading the provider's endpoints only when a login
    needs them (Django builds a backend for every request of a logged-in person)."""

    OIDC_OP_TOKEN_ENDPOINT = _lazy("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _lazy("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _lazy("OIDC_OP_JWKS_ENDPOINT", None)
    OIDC_RP_CLIENT_ID = _lazy("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _lazy("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _lazy("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_IDP_SIGN_KEY = _lazy("OIDC_RP_IDP_SIGN_KEY", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # no settings read here
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if not enabled() or request is None or "code" not in request.GET:
            return None  # a password login: not ours
        return super().authenticate(request, **kwargs)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = str(claims.get("email") or "")
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> Any:
        email = str(claims["email"]).strip()
        username = email.lower()[:150]
        user = self.UserModel(username=username, email=email)
        user.set_unusable_password()
        user.save()
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        user.email = str(claims.get("email") or user.email)[:254]
        user.save(update_fields=["first_name", "last_name", "email"])
        sync_roles(user, claims)
        return user


def groups_in(claims: dict[str, Any]) -> set[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return {str(group) for group in value if isinstance(group, str | int)}


def sync_roles(user: Any, claims: dict[str, Any]) -> None:
    """The security team and the executives as the provider's groups say, now."""
    theirs = groups_in(claims)
    for role, mapped in (
        (SECURITY_GROUP, settings.OIDC_SECURITY_GROUPS),
        (EXECUTIVE_GROUP, settings.OIDC_EXECUTIVE_GROUPS),
    ):
        group, _ = Group.objects.get_or_create(name=role)
        if theirs & set(mapped):
            user.groups.add(group)
        else:
            user.groups.remove(group)


UNREACHABLE = (requests.RequestException, ValueError, KeyError, ImproperlyConfigured)


def _guarded(get: Any) -> Any:
    """404 when single sign-on is off; back to the log-in page, saying so, when the
    provider cannot be reached or answers nonsense — never a 500."""

    def wrapped(self: Any, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            response: HttpResponse = get(self, request)
        except UNREACHABLE:
            logger.warning("Single sign-on failed: the provider is unreachable.", exc_info=True)
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        return response

    return wrapped


class LoginStart(OIDCAuthenticationRequestView):
    """Off to the provider."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)

    get = _guarded(OIDCAuthenticationRequestView.get)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return setting(attr, *args)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:
        return str(setting("OIDC_OP_AUTHORIZATION_ENDPOINT"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(setting("OIDC_RP_CLIENT_ID"))


class LoginCallback(OIDCAuthenticationCallbackView):
    get = _guarded(OIDCAuthenticationCallbackView.get)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return setting(attr, *args)


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to end the session at the provider too, when it says how (RP-initiated
    logout: its end_session_endpoint), else None."""
    if not enabled() or "oidc_id_token" not in request.session:
        return None
    try:
        endpoint = discovery().get("end_session_endpoint")
    except (requests.RequestException, ValueError, ImproperlyConfigured):
        return None
    if not endpoint:
        return None
    query = {
        "id_token_hint": request.session["oidc_id_token"],
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        "client_id": settings.OIDC_RP_CLIENT_ID,
    }
    return f"{endpoint}?{urlencode(query)}"
