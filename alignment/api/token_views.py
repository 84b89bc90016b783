"""The API tokens page in the profile (create, list, revoke one's own) and the security
team's page of everyone's tokens."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment.models.tokens import ApiToken, TokenScope, get_token_for
from departments.http import HtmxHttpRequest, form_status, page_of, require_security_team

DEFAULT_DAYS = 90


class TokenForm(forms.Form):
    """A name, a scope and the last day the token works (a year ahead at most)."""

    name = forms.CharField(max_length=100, help_text="What will use it, e.g. 'uptime exporter'.")
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text="Read only, or also feed check-ins, samples and action-item status.",
    )
    expires_on = forms.DateField(
        label="Works until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        today = timezone.localdate()
        self.fields["expires_on"].initial = today + dt.timedelta(days=DEFAULT_DAYS)
        self.fields[
            "expires_on"
        ].help_text = f"The last day it works: {settings.API_TOKEN_MAX_DAYS} days ahead at most."

    def clean_expires_on(self) -> dt.datetime:
        """The end of that day in the user's time zone, as the moment the token expires."""
        day: dt.date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError("Choose today or a later day.")
        if day >= today + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS):
            raise forms.ValidationError(
                f"A token lives {settings.API_TOKEN_MAX_DAYS} days at most: choose an earlier day."
            )
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        return timezone.make_aware(midnight)


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HtmxHttpRequest) -> HttpResponse:
    """One's own tokens, and the form for a new one. The new token's secret is in this
    response only (never in a session or message cookie, never stored), hence no
    redirect after the POST that creates it."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _, secret = ApiToken.issue(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.cleaned_data["expires_on"],
        )
        form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
    }
    status = 201 if secret else form_status(form)
    return render(request, "alignment/tokens/token_list.html", context, status=status)


@require_GET
def token_all(request: HtmxHttpRequest) -> HttpResponse:
    """Everyone's tokens, for the security team: who holds what, last used when."""
    require_security_team(request.user, "Only the security team sees everyone's tokens.")
    tokens = ApiToken.objects.visible_to(request.user).select_related("user", "revoked_by")
    page = page_of(request, tokens)
    context = {"page": page, "tokens": page.object_list, "now": timezone.now()}
    return render(request, "alignment/tokens/token_all.html", context)


@require_POST
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token: one's own, or anyone's for the security team (404 otherwise)."""
    token = get_token_for(request.user, token_id, write=True)
    if token.revoke(by=request.user):
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    if token.user_id == request.user.pk:
        return redirect("tokens:token-list")
    return redirect("tokens:token-all")
