"""The project's own pages: the health check, the error pages, and the switch on the
log-in and password-reset pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from alignment.conf import health, login_throttle, oidc


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer, 503 otherwise."""
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    status = 200 if all(checks.values()) else 503
    payload = {"status": "ok" if status == 200 else "unavailable", **checks}
    return JsonResponse(payload, status=status)


class LoginView(auth_views.LoginView):
    """Django's log-in page, which offers "Forgot your password?" only when reset by
    email is on (read per request, so that a test can switch it), and which slows down
    the guesses at a username under attack from many addresses (login_throttle.py)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_LOGIN_ENABLED:
            raise PermissionDenied("Password login is switched off: use single sign-on.")
        login_throttle.slow_down(str(request.POST.get("username", "")))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_reset_enabled"] = (
            settings.PASSWORD_RESET_ENABLED and settings.PASSWORD_LOGIN_ENABLED
        )
        context["password_login"] = settings.PASSWORD_LOGIN_ENABLED
        context["sso"] = oidc.enabled()
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST), which ends the session at the single sign-on provider
    too when the person came through it and the provider supports it."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = oidc.provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response


def when_reset_enabled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """404 for a reset page when PASSWORD_RESET_ENABLED is off (single sign-on), before
    the page reads anything; public otherwise, like Django's own reset views. PUT is
    refused (Django's form views would treat it as a POST)."""

    @functools.wraps(view)
    @require_http_methods(["GET", "POST"])
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not (settings.PASSWORD_RESET_ENABLED and settings.PASSWORD_LOGIN_ENABLED):
            raise Http404("Password reset is switched off.")
        return view(request, *args, **kwargs)

    return login_not_required(wrapped)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processor may fail a second time.
    return HttpResponse(loader.render_to_string("500.html"), status=500)
