"""The posture report and its board packs: the security team writes and freezes, an
executive approves, the security team records where it was presented; administrators
read. Heads of department are refused."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import changes, packs, posture
from alignment.forms.reports import PresentForm, ReportForm
from alignment.models import BoardPack, PackStatus, get_pack_for
from alignment.models.reports import canonical
from departments import roles
from departments.http import HtmxHttpRequest, form_status, require_security_team


def _require_reader(request: HtmxHttpRequest) -> None:
    if not roles.reads_everything(request.user):
        raise PermissionDenied("The posture report is for the security team and leadership.")


@require_GET
def report(request: HtmxHttpRequest) -> HttpResponse:
    """This quarter's report, live; the security team sees switched-off sections too."""
    _require_reader(request)
    current = posture.current_report()
    editor = roles.is_ciso(request.user)
    # Built and rendered once per version of the programme, minute and kind of reader
    # (alignment/changes.py); the template caches the body under the same key.
    figures_key = changes.key("report", current.pk, editor, timezone.get_current_timezone_name())
    document = changes.remembered(
        figures_key, lambda: posture.build(current, include_hidden=editor)
    )
    context = {
        "figures_key": figures_key,
        "figures_seconds": changes.SECONDS,
        "report": current,
        "document": document,
        "editor": editor,
        "draft": BoardPack.objects.filter(status=PackStatus.DRAFT).defer("pdf", "xlsx").first(),
        "packs": BoardPack.objects.defer("pdf", "xlsx", "document")[:5],
    }
    return render(request, "alignment/report.html", context)


@require_http_methods(["GET", "POST"])
def report_edit(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team writes the posture report.")
    current = posture.current_report()
    if request.method == "POST":
        form = ReportForm(request.POST, instance=current, sections=posture.SECTIONS)
        if form.is_valid() and form.save() is not None:
            messages.success(request, "The report's words are saved.")
            return redirect("alignment:report")
    else:
        form = ReportForm(instance=current, sections=posture.SECTIONS)
    context = {"report": current, "form": form}
    return render(request, "alignment/report_edit.html", context, status=form_status(form))


def _print(request: HtmxHttpRequest, document: posture.Document, **extra: object) -> HttpResponse:
    context = {"document": document, "for_pdf": False, **extra}
    return render(request, packs.PRINT_TEMPLATE, context)


@require_GET
def report_print(request: HtmxHttpRequest) -> HttpResponse:
    _require_reader(request)
    document = posture.build(posture.current_report())
    return _print(request, document)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def report_file(request: HtmxHttpRequest, extension: str) -> HttpResponse:
    """Today's report as PDF or XLSX (a pack stores its own, frozen)."""
    _require_reader(request)
    document = posture.build(posture.current_report())
    name = f"posture-report-{document['period_label'].replace(' ', '-').lower()}"
    if extension == "pdf":
        title = f"{document['title']}, {document['period_label']}"
        return _download(packs.render_pdf(document, title=title), f"{name}.pdf", PDF)
    return _download(packs.render_xlsx(document), f"{name}.xlsx", XLSX)


@require_POST
def report_freeze(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team freezes a board pack.")
    try:
        pack = packs.freeze(posture.current_report(), by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("alignment:report")
    messages.success(request, f"{pack} is frozen; the executives are asked to approve it.")
    return redirect(pack)


@require_GET
def pack_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_reader(request)
    found = BoardPack.objects.defer("pdf", "xlsx", "document").select_related(
        "frozen_by", "approved_by", "meeting__series"
    )
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(request, "alignment/pack_list.html", {"page": page, "packs": page.object_list})


def _pack_page(
    request: HtmxHttpRequest, pack: BoardPack, present_form: PresentForm | None = None
) -> HttpResponse:
    meetings = packs.leadership_meetings() if roles.is_ciso(request.user) else []
    if present_form is None and meetings:
        present_form = PresentForm(meetings=meetings)
    meeting = pack.meeting
    context = {
        "pack": pack,
        "document": pack.document,
        "verified": pack.verifies(),
        "changes": posture.differences(pack.document),
        "may_approve": roles.is_executive(request.user) and pack.status == PackStatus.DRAFT,
        "may_present": roles.is_ciso(request.user)
        and pack.status in (PackStatus.APPROVED, PackStatus.PRESENTED)
        and bool(meetings),
        "present_form": present_form,
        "decisions": list(meeting.decisions.all()) if meeting else [],
        "actions": list(meeting.action_items.select_related("owner")) if meeting else [],
    }
    return render(request, "alignment/pack_detail.html", context, status=form_status(present_form))


@require_GET
def pack_detail(request: HtmxHttpRequest, pack_id: int) -> HttpResponse:
    pack = get_pack_for(request.user, pack_id)
    return _pack_page(request, pack)


@require_GET
def pack_print(request: HtmxHttpRequest, pack_id: int) -> HttpResponse:
    pack = get_pack_for(request.user, pack_id)
    return _print(request, pack.document, pack=pack)


@require_GET
def pack_file(request: HtmxHttpRequest, pack_id: str, extension: str) -> HttpResponse:
    """The pack's stored PDF or XLSX, or its JSON document exactly as hashed."""
    pack = get_pack_for(request.user, int(pack_id))
    if extension == "json":
        return _download(canonical(pack.document), packs.filename(pack, "json"), "application/json")
    stored = get_object_or_404(BoardPack.objects.only(extension), pk=pack.pk)
    content = bytes(getattr(stored, extension))
    return _download(content, packs.filename(pack, extension), PDF if extension == "pdf" else XLSX)


@require_POST
def pack_approve(request: HtmxHttpRequest, pack_id: int) -> HttpResponse:
    pack = get_pack_for(request.user, pack_id)
    if not roles.is_executive(request.user):
        raise PermissionDenied("Only an executive approves a board pack.")
    try:
        packs.approve(pack, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{pack} is approved.")
    return redirect(pack)


@require_POST
def pack_present(request: HtmxHttpRequest, pack_id: int) -> HttpResponse:
    pack = get_pack_for(request.user, pack_id)
    require_security_team(request.user, "Only the security team records where a pack was shown.")
    form = PresentForm(request.POST, meetings=packs.leadership_meetings())
    if not form.is_valid():
        return _pack_page(request, pack, present_form=form)
    try:
        packs.present(pack, form.cleaned_data["meeting"])
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{pack} is recorded as presented.")
    return redirect(pack)
