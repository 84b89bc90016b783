"""The whole programme out and in, from the browser (the security team and
administrators): download an export; upload one, see what it would do, import it."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from alignment.forms.transfer import MergeForm, ProgrammeImportForm
from alignment.portability import pending
from alignment.portability.export import export_programme
from alignment.portability.kinds import Refused
from alignment.portability.restore import Plan, holds_a_programme, restore
from departments import roles, uploads
from departments.http import INVALID_FORM_STATUS, HtmxHttpRequest, form_status
from departments.uploads import MAX_UPLOAD_BYTES

logger = logging.getLogger(__name__)
# Uploaded here: at most the upload limit, unpacking to at most four times that.
WEB_MAX = MAX_UPLOAD_BYTES


def _require_transferrer(request: HtmxHttpRequest) -> None:
    if not roles.may_transfer_programme(request.user):
        raise PermissionDenied("Only the security team and administrators move the programme.")


@require_http_methods(["GET", "POST"])
def transfer(request: HtmxHttpRequest) -> HttpResponse:
    """The export button, and the upload of an export to import."""
    _require_transferrer(request)
    is_post = request.method == "POST"
    form = uploads.upload_form(request, ProgrammeImportForm)
    if is_post and form.is_valid():
        token = pending.store(request.user.pk, form.content)
        return redirect("alignment:transfer-preview", token=token)
    return render(request, "alignment/transfer.html", {"form": form}, status=form_status(form))


@require_POST
def transfer_export(request: HtmxHttpRequest) -> HttpResponse:
    _require_transferrer(request)
    exported = export_programme()
    logger.info("Programme exported by %s", request.user.username)
    response = HttpResponse(exported.content, content_type="application/zip")
    name = f"programme-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def transfer_preview(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """GET: what the upload would create, update and leave alone (a dry run; nothing is
    kept). POST: import it, all of it in one transaction or nothing."""
    _require_transferrer(request)
    content = pending.load(request.user.pk, token)
    if content is None:
        messages.info(request, "That export was already imported or has expired: upload it again.")
        return redirect("alignment:transfer")
    accounts = roles.is_admin(request.user)
    merging = holds_a_programme()
    confirming = request.method == "POST"
    form = MergeForm(request.POST if confirming else None, required=merging)
    error = ""
    if confirming and form.is_valid():
        try:
            plan = restore(
                content, merge=merging, dry_run=False, accounts=accounts, max_bytes=WEB_MAX
            )
        except Refused as refused:
            error = str(refused)
        else:
            pending.discard(request.user.pk, token)
            logger.info("Programme imported by %s", request.user.username)
            messages.success(request, _summary(plan))
            return redirect("home")
    try:
        plan = restore(content, merge=True, dry_run=True, accounts=accounts, max_bytes=WEB_MAX)
    except Refused as refused:
        pending.discard(request.user.pk, token)
        messages.error(request, str(refused))
        return redirect("alignment:transfer")
    context = {
        "plan": plan,
        "form": form,
        "merging": merging,
        "error": error,
        "exported_at": _exported_at(plan),
    }
    status = INVALID_FORM_STATUS if confirming else 200
    return render(request, "alignment/transfer_preview.html", context, status=status)


def _exported_at(plan: Plan) -> dt.datetime | None:
    """When the file says it was written (the manifest is the file's word: any text)."""
    try:
        return parse_datetime(str(plan.manifest.get("exported_at", "")))
    except ValueError:
        return None


def _summary(plan: Plan) -> str:
    return (
        f"Programme imported: {plan.created} rows created, {plan.updated} "
        f"updated, {plan.unchanged} unchanged."
    )
