"""Business cases: portfolio, editor with live figures, workflow, history, print and PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from business_cases import (
    budget,
    charts,
    finance,
    history,
    pdf,
    portfolio,
    services,
    snapshots,
    sources,
)
from business_cases import spend_import as spend_import_rows
from business_cases.editor import Editor
from business_cases.forms import (
    CaseCreateForm,
    CaseDecisionForm,
    EnvelopeForm,
    NewCaseForm,
    SpendForm,
)
from business_cases.models import (
    BudgetEnvelope,
    BusinessCase,
    CaseDecision,
    CaseStatus,
    Outcome,
    Spend,
    get_case_for,
    get_case_to_decide,
)
from business_cases.models.budget import FIRST_YEAR, LAST_YEAR
from departments import roles
from departments.http import (
    HtmxHttpRequest,
    form_status,
    is_fragment,
    page_of,
    require_security_team,
    template_for,
)
from objectives.models import get_initiative_for

LOCKED = {
    CaseStatus.SUBMITTED: "This case is awaiting a decision and cannot be changed now.",
    CaseStatus.APPROVED: "An approved case is locked: start a new revision to change it.",
}


def _editable(case: BusinessCase) -> BusinessCase:
    if not case.is_editable:
        raise PermissionDenied(LOCKED.get(CaseStatus(case.status), "This case cannot be changed."))
    return case


@require_GET
@vary_on_headers("HX-Request")
def case_list(request: HtmxHttpRequest) -> HttpResponse:
    """The portfolio: cases with cost, risk reduction, ROSI and status, sortable, a page
    at a time."""
    if not roles.reads_everything(request.user):
        raise Http404("No business cases here.")
    sort = request.GET.get("sort", portfolio.DEFAULT_SORT)
    sort = sort if sort in portfolio.SORTS else portfolio.DEFAULT_SORT
    descending = request.GET.get("dir", "desc") != "asc"
    status = request.GET.get("status", "")
    found = portfolio.rows(request.user, status=status, sort=sort, descending=descending)
    page = page_of(request, found)
    context = {
        "rows": page.object_list,
        "page": page,
        "sort": sort,
        "descending": descending,
        "status": status,
        "statuses": CaseStatus.choices,
        "columns": [(key, label) for key, (label, _) in portfolio.SORTS.items()],
    }
    template = template_for(request, "business_cases/portfolio.html", "portfolio-table")
    return render(request, template, context)


@require_GET
def portfolio_csv(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """Every case the user may see (of ?status=, as the page shows them), streamed a
    chunk of cases at a time."""
    if not roles.reads_everything(request.user):
        raise Http404("No business cases here.")
    lines = portfolio.csv_lines(
        request.user,
        sort=request.GET.get("sort", "title"),
        status=request.GET.get("status", ""),
        currency=settings.CURRENCY,
    )
    response = StreamingHttpResponse(lines, content_type="text/csv")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="business-cases-{stamp}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def case_create(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_initiative_for(request.user, initiative_id)
    require_security_team(request.user, "Only the security team writes business cases.")
    form = CaseCreateForm(request.POST or None, initial={"title": initiative.title})
    if request.method == "POST" and form.is_valid():
        form.instance.initiative = initiative
        case = services.case_create(case=form.instance, author=request.user)
        messages.success(request, "Case created: add its costs, scenarios and benefits.")
        return redirect("business_cases:case-edit", case_id=case.pk)
    context = {"form": form, "initiative": initiative}
    return render(request, "business_cases/case_create.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def case_new(request: HtmxHttpRequest) -> HttpResponse:
    """A new case from the portfolio, choosing its initiative here."""
    if not roles.reads_everything(request.user):
        raise Http404("No business cases here.")
    require_security_team(request.user, "Only the security team writes business cases.")
    form = NewCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(case=form.instance, author=request.user)
        messages.success(request, "Case created: add its costs, scenarios and benefits.")
        return redirect("business_cases:case-edit", case_id=case.pk)
    context = {"form": form}
    return render(request, "business_cases/case_new.html", context, status=form_status(form))


@require_GET
def case_detail(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    decisions = list(case.decisions.select_related("decided_by"))
    year = budget.this_year()
    context = {
        "case": case,
        "decisions": decisions,
        "timeline": history.case_timeline(case, limit=8),
        "cash_chart": charts.cumulative_cash(case.figures, case.horizon_years),
        "drift": not case.is_editable and services.people_time_drift(case),
        "may_write": roles.is_ciso(request.user),
        "may_decide": roles.is_executive(request.user) and case.status == CaseStatus.SUBMITTED,
        "trade_off": sources.trade_off(case.initiative),
        "shortfall": [] if case.is_approved else budget.shortfall(case, year),
        **_approvals(case, decisions),
        **_approval_difference(case, decisions),
    }
    return render(request, "business_cases/case_detail.html", context)


def _approvals(case: BusinessCase, decisions: list[CaseDecision]) -> dict[str, object]:
    """How many executives must approve the revision, and who already has."""
    given = [d for d in decisions if d.revision == case.revision and d.outcome == Outcome.APPROVED]
    return {
        "approvals_needed": services.approvals_needed(case),
        "approvals_given": given if case.status == CaseStatus.SUBMITTED else [],
    }


def _approval_difference(case: BusinessCase, decisions: list[CaseDecision]) -> dict[str, object]:
    """The latest approval and, when the case has moved on since, the figures' difference."""
    approval = next((d for d in decisions if d.outcome == Outcome.APPROVED), None)
    difference = None
    if approval is not None and approval.revision != case.revision:  # moved on since
        difference = snapshots.difference(approval.snapshot, case.snapshot())
    return {"approval": approval, "difference": difference}


@require_http_methods(["GET", "POST"])
def case_edit(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = _editable(get_case_for(request.user, case_id, write=True))
    editor = Editor.bind(case, request.POST or None)
    if request.method == "POST" and editor.is_valid():
        warnings = editor.warnings
        if editor.save() is not None:
            messages.success(request, "Business case saved.")
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(case)
    status = form_status(editor.form, *editor.formsets.values())
    return render(request, "business_cases/case_edit.html", _editor_context(editor), status=status)


def _editor_context(editor: Editor) -> dict[str, object]:
    return {
        "case": editor.case,
        "editor": editor,
        "form": editor.form,
        "formsets": editor.formsets,
        "preview": editor.preview(),
        "assessed": [line for line in editor.case.cost_lines.all() if line.is_from_assessment],
        "working_weeks": finance.WORKING_WEEKS_PER_YEAR,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def case_figures(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """The figures for the editor's current values, unsaved (HTMX, as the user types)."""
    case = _editable(get_case_for(request.user, case_id, write=True))
    if request.method == "GET" or not is_fragment(request):
        return redirect("business_cases:case-edit", case_id=case.pk)
    editor = Editor.bind(case, request.POST)
    return render(request, "business_cases/case_edit.html#case-figures", _editor_context(editor))


@require_POST
def case_submit(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, write=True)
    try:
        services.case_submit(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Submitted: senior leadership has been emailed.")
    return redirect(case)


@require_POST
def case_revise(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, write=True)
    try:
        services.case_start_revision(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(case)
    messages.info(request, f"Revision {case.revision} started: it needs a new decision.")
    return redirect("business_cases:case-edit", case_id=case.pk)


@require_http_methods(["GET", "POST"])
def case_decide(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """An executive approves, rejects or sends back the submitted revision, with a comment,
    seeing the trade-off first; its warnings must be acknowledged to approve."""
    case = get_case_to_decide(request.user, case_id)
    if case.status != CaseStatus.SUBMITTED:
        messages.info(request, "This case is not awaiting a decision.")
        return redirect(case)
    trade_off = sources.trade_off(case.initiative)
    form = CaseDecisionForm(request.POST or None, warnings=trade_off.warnings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.case_decide(
                case=case,
                by=request.user,
                outcome=data["outcome"],
                comment=data["comment"],
                acknowledged=bool(data.get("acknowledged")),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            waiting = decision.outcome == Outcome.APPROVED and case.status == CaseStatus.SUBMITTED
            messages.success(
                request,
                "Approval recorded: a second executive's approval completes it."
                if waiting
                else "Decision recorded; the author has been emailed.",
            )
            return redirect(case)
    decisions = list(case.decisions.select_related("decided_by"))
    year = budget.this_year()
    context = {
        "case": case,
        "form": form,
        "trade_off": trade_off,
        "year_budget": budget.year_budget(year),
        "shortfall": budget.shortfall(case, year),
        **_approvals(case, decisions),
        **_approval_difference(case, decisions),
    }
    return render(request, "business_cases/case_decide.html", context, status=form_status(form))


@require_GET
def budget_page(request: HtmxHttpRequest) -> HttpResponse:
    """The year's envelope, committed, actual and remaining, by objective and initiative;
    executives set the envelope, the security team records spend."""
    if not roles.reads_everything(request.user):
        raise Http404("No security budget here.")
    return render(request, "business_cases/budget.html", _budget_context(request, _year(request)))


def _budget_context(request: HtmxHttpRequest, year: int, **forms_: object) -> dict[str, object]:
    envelope = BudgetEnvelope.objects.filter(year=year).first()
    executive, security_team = roles.is_executive(request.user), roles.is_ciso(request.user)
    return {
        "year": year,
        "years": range(year - 2, year + 3),
        "budget": budget.year_budget(year, envelope=envelope),
        "objectives": budget.by_objective(year),
        "page": page_of(request, budget.by_initiative(year)),
        "envelope_form": EnvelopeForm(instance=envelope) if executive else None,
        "spend_form": SpendForm() if security_team else None,
        "spend": Spend.objects.filter(year=year).select_related("initiative", "entered_by")[:20],
        **forms_,
    }


def _year(request: HtmxHttpRequest) -> int:
    """?year= when it is a sensible year, else this year."""
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if FIRST_YEAR <= year <= LAST_YEAR else budget.this_year()


@require_POST
def envelope_set(request: HtmxHttpRequest) -> HttpResponse:
    if not roles.is_executive(request.user):
        raise PermissionDenied("Only senior leadership sets the security budget.")
    year = _year(request)
    envelope = BudgetEnvelope.objects.filter(year=year).first() or BudgetEnvelope(year=year)
    form = EnvelopeForm(request.POST, instance=envelope)
    if form.is_valid():
        form.instance.set_by = request.user
        if form.save() is not None:
            messages.success(request, f"The {year} security budget is set.")
            return _to_budget(year)
    return _budget_with(request, year, envelope_form=form)


@require_POST
def spend_add(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team records spend.")
    year = _year(request)
    form = SpendForm(request.POST, instance=Spend(year=year, entered_by=request.user))
    if form.is_valid():
        form.save()
        messages.success(request, "Spend recorded.")
        return _to_budget(year)
    return _budget_with(request, year, spend_form=form)


@require_POST
def spend_import(request: HtmxHttpRequest) -> HttpResponse:
    """Actual spend from a CSV or XLSX file: every row checked first, all or nothing."""
    require_security_team(request.user, "Only the security team records spend.")
    year = _year(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _budget_with(request, year, import_errors=["Choose a CSV or XLSX file."])
    try:
        result = spend_import_rows.parse(upload, upload.name or "", user=request.user)
    except ValidationError as error:
        return _budget_with(request, year, import_errors=error.messages)
    if result.errors:
        return _budget_with(request, year, import_errors=result.errors)
    spend_import_rows.save(result)
    messages.success(
        request,
        f"{result.created} spend line{'s' if result.created != 1 else ''} imported"
        + (f"; {result.unchanged} already recorded, left alone." if result.unchanged else "."),
    )
    return _to_budget(year)


@require_GET
def spend_template(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team records spend.")
    response = HttpResponse(spend_import_rows.TEMPLATE, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="spend-template.csv"'
    return response


def _to_budget(year: int) -> HttpResponse:
    return redirect(f"{reverse('business_cases:budget')}?year={year}")


def _budget_with(request: HtmxHttpRequest, year: int, **forms_: object) -> HttpResponse:
    """The budget page again, with an invalid form's errors in place (422)."""
    context = _budget_context(request, year, **forms_)
    return render(request, "business_cases/budget.html", context, status=422)


@require_GET
def case_history(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    context = {"case": case, "timeline": history.case_timeline(case)}
    return render(request, "business_cases/case_history.html", context)


@require_GET
def case_print(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """One page for print: the same template the PDF is made from."""
    case = get_case_for(request.user, case_id)
    return render(request, "business_cases/case_print.html", pdf.context(case, for_pdf=False))


@require_GET
def case_pdf(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    response = HttpResponse(pdf.render(case, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(case)}"'
    return response
