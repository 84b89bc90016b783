"""Onboarding from a spreadsheet: upload, preview (a dry run), confirm (the import).

The upload is checked as a file and kept server-side under a random token
(departments/onboarding/files.py); the preview and the confirmation read that file again,
so the browser sends nothing but the token, and the confirmation checks every row anew.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from departments import uploads
from departments.forms import OnboardingForm
from departments.http import INVALID_FORM_STATUS, HtmxHttpRequest, form_status
from departments.onboarding import files, may_onboard, run


def _require_onboarder(request: HtmxHttpRequest) -> None:
    if not may_onboard(request.user):
        raise PermissionDenied("Only the security team and administrators onboard spreadsheets.")


@require_http_methods(["GET", "POST"])
def onboarding_upload(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a file of departments or goals; a file that can be read goes to its preview."""
    _require_onboarder(request)
    is_post = request.method == "POST"
    form = uploads.upload_form(request, OnboardingForm)
    if is_post and form.is_valid():
        token = files.store(request.user.pk, form.layout, form.extension, form.content)
        return redirect("departments:onboarding-preview", token=token)
    context = {"form": form, "layouts": files.LAYOUTS.values(), "extensions": files.EXTENSIONS}
    return render(request, "departments/onboarding/upload.html", context, status=form_status(form))


@require_GET
def onboarding_template(request: HtmxHttpRequest, kind: str, file_format: str) -> HttpResponse:
    """The header row and an example row of a kind of file, as CSV or XLSX."""
    _require_onboarder(request)
    layout = files.LAYOUTS.get(kind)
    if layout is None or file_format not in files.EXTENSIONS:
        raise Http404("No such template.")
    content, content_type = files.template(layout, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
    return response


@require_http_methods(["GET", "POST"])
def onboarding_preview(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """GET: what the file would create, update and leave alone, and its errors by row and
    column; nothing is kept. POST: import it in one transaction, all rows or none."""
    _require_onboarder(request)
    stored = files.load(request.user.pk, token)
    if stored is None:
        messages.info(request, "That upload was already imported or has expired: upload it again.")
        return redirect("departments:onboarding")
    confirming = request.method == "POST"
    try:
        outcome = run.apply(stored) if confirming else run.preview(stored)
    except files.FileRefused as refused:  # the limits changed since it was uploaded
        files.discard(request.user.pk, stored)
        messages.error(request, str(refused))
        return redirect("departments:onboarding")
    if confirming and outcome.ok:
        files.discard(request.user.pk, stored)
        messages.success(request, _summary(outcome))
        target = "department-list" if stored.layout is files.DEPARTMENTS else "goal-list"
        return redirect(f"departments:{target}")
    status = INVALID_FORM_STATUS if confirming else 200
    context = {"outcome": outcome, "stored": stored, "confirming": confirming}
    return render(request, "departments/onboarding/preview.html", context, status=status)


def _summary(outcome: run.Outcome) -> str:
    noun = outcome.layout.label.lower()
    text = (
        f"Imported {noun}: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged."
    )
    if outcome.people_created:
        count = len(outcome.people_created)
        text += f" {count} new people can set a password with “Forgot password”."
    return text
