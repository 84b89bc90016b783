"""Impact assessments: the CISO's editor, the head's answer, the list, friction budgets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from alignment import friction, notices
from alignment.forms import AssessmentAnswerForm, AssessmentForm, FrictionBudgetForm
from alignment.models import (
    Agreement,
    ImpactAssessment,
    get_assessment_for,
    get_assessment_to_answer,
)
from departments import budgets, roles
from departments.http import (
    HtmxHttpRequest,
    form_status,
    is_fragment,
    template_for,
)
from departments.models import Department, get_department_for
from departments.versioning import StaleVersion, carry_version, refuse, save_refusing_duplicates
from objectives.models import get_initiative_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EDITOR = "alignment/assessment_form.html"
ROW = "alignment/_assessments.html#assessment-row"
PAGE_SIZE = 50
ASSESSED = "This department already has an assessment here."
ANSWER_FIELDS = ["head_agreement", "head_comment", "head_answered_at", "version"]


def _proposed_hours(value: str | None) -> Decimal | None:
    """The hours typed so far, for the live budget preview; None when not a valid number."""
    try:
        hours = Decimal(value or "")
    except InvalidOperation:
        return None
    return hours if hours.is_finite() and hours >= 0 else None


def _editor_department(form: AssessmentForm, request: HtmxHttpRequest) -> Department | None:
    """The department the editor is about: the assessment's, or the one chosen so far."""
    if form.instance.pk is not None:
        return form.instance.department
    chosen = (request.POST if form.is_bound else request.GET).get("department", "")
    if chosen.isdigit():
        return Department.objects.filter(pk=chosen).first()
    return None if form.is_bound else form.initial.get("department")


def _render_editor(
    request: HtmxHttpRequest, form: AssessmentForm, stored: ImpactAssessment | None = None
) -> HttpResponse:
    """The editor page, or only its budget preview when htmx asks for `#friction-preview`."""
    assessment = stored or form.instance
    department = _editor_department(form, request)
    data = request.POST if form.is_bound else request.GET
    hours = (
        _proposed_hours(data.get("hours_per_week"))
        if "hours_per_week" in data
        else assessment.hours_per_week
    )
    counts = assessment.initiative.counts
    load = (
        friction.with_proposal(department, hours=hours, assessment=assessment, counts=counts)
        if department is not None
        else None
    )
    context = {"form": form, "assessment": assessment, "initiative": assessment.initiative}
    context |= {"stored": stored}
    context |= {"department": department, "friction": load, "counts": counts}
    preview = is_fragment(request) and request.htmx.target == "friction-preview"
    template = EDITOR + ("#friction-preview" if preview else "")
    return render(request, template, context, status=form_status(form))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def assessment_create(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_initiative_for(request.user, initiative_id, write=True)
    assessment = ImpactAssessment(initiative=initiative, assessed_by=request.user)
    initial = {"department": Department.objects.filter(slug=request.GET.get("department")).first()}
    form = AssessmentForm(request.POST or None, instance=assessment, initial=initial)
    saved, told = False, 0
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # A race may add the same pair between the form's check and our insert.
            saved = save_refusing_duplicates(form, field="department", duplicate=lambda: ASSESSED)
            told = notices.assessment_awaits(assessment) if saved else 0
    if saved:
        department = assessment.department.name
        messages.success(request, f"Impact on {department} recorded.{_head_told(told)}")
        return redirect(initiative)
    return _render_editor(request, form)


def _head_told(told: int) -> str:
    if told:
        return " Its head is told that it awaits their answer."
    return " It awaits the head's answer on their home page (they get no email about it)."


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def assessment_edit(request: HtmxHttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, assessment_id, write=True)
    was_answered = assessment.head_agreement != Agreement.PENDING
    form = AssessmentForm(request.POST or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save() is not None
            again = saved and was_answered and assessment.head_agreement == Agreement.PENDING
            told = notices.assessment_awaits(assessment) if again else 0
        if saved:
            note = ""
            if again:
                note = " The hours changed, so it awaits the head's answer again." + _head_told(
                    told
                )
            messages.success(request, f"Impact on {assessment.department.name} saved.{note}")
            return redirect(assessment.initiative)
        # Refused as stale: show what is stored now, next to what was typed.
        stored = ImpactAssessment.objects.get(pk=assessment.pk)
        carry_version(form, stored.version)
        return _render_editor(request, form, stored=stored)
    return _render_editor(request, form)


def _answered(disagreed: bool, told: int) -> str:
    """What the head is told after answering: only what really happens."""
    if not disagreed:
        return "Your answer is recorded: the security team sees it on the assessment."
    if told:
        return "Your answer is recorded, and the security team is told that you disagree."
    return "Your answer is recorded: the security team sees it on the assessment list."


def _row_context(
    request: HtmxHttpRequest, assessment: ImpactAssessment, **extra: object
) -> dict[str, object]:
    show = request.POST.get("show") if request.POST.get("show") == "department" else "initiative"
    load = friction.for_department(assessment.department) if show == "department" else None
    return {
        "a": assessment,
        "show": show,
        "load": load,
        "can_edit": roles.is_ciso(request.user),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def assessment_answer(request: HtmxHttpRequest, assessment_id: int) -> HttpResponse:
    """The head agrees or disagrees; htmx gets the assessment's row back, in place."""
    assessment = get_assessment_to_answer(request.user, assessment_id)
    auto_id = f"id_answer{assessment.pk}_%s"
    form = AssessmentAnswerForm(request.POST or None, instance=assessment, auto_id=auto_id)
    saved = disagreed = False
    told = 0
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save() is not None
            disagreed = saved and assessment.head_agreement == Agreement.DISAGREED
            told = notices.head_disagrees(assessment, request.user) if disagreed else 0
    if saved:
        answered = _answered(disagreed, told)
        if not is_fragment(request):
            messages.success(request, answered)
            anchor = f"#assessment-row-{assessment.pk}"
            return redirect(assessment.department.get_absolute_url() + anchor)
        fresh = AssessmentAnswerForm(instance=assessment, auto_id=auto_id)
        context = _row_context(request, assessment, answer_form=fresh, just_answered=answered)
        return render(request, ROW, context)
    if form.is_bound:
        # Show the answer as stored (the form keeps what was typed, and its errors).
        assessment.refresh_from_db(fields=ANSWER_FIELDS)
        carry_version(form, assessment.version)
    status = form_status(form)
    if is_fragment(request):
        context = _row_context(request, assessment, answer_form=form)
        return render(request, ROW, context, status=status)
    context = {"a": assessment, "answer_form": form, "show": "initiative", "can_edit": False}
    return render(request, "alignment/assessment_answer.html", context, status=status)


@require_GET
def assessment_list(request: HtmxHttpRequest) -> HttpResponse:
    """Current assessments the user may see, by the head's answer and by department."""
    visible = ImpactAssessment.objects.visible_to(request.user)
    assessments = visible.counted().select_related("initiative__objective", "department")
    agreement = request.GET.get("agreement", "")
    if agreement in Agreement.values:
        assessments = assessments.filter(head_agreement=agreement)
    departments = Department.objects.visible_to(request.user)
    department = departments.filter(slug=request.GET.get("department") or "").first()
    if department is not None:
        assessments = assessments.filter(department=department)
    page = Paginator(assessments.order_by("department__name", "initiative__title"), PAGE_SIZE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "agreement": agreement,
        "agreements": Agreement.choices,
        "departments": departments,
        "department": department,
        "friction": friction.for_department(department) if department else None,
        "can_edit": roles.is_ciso(request.user),
    }
    return render(request, "alignment/assessment_list.html", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def friction_budget(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The security team and the head agree on a department's friction budget, in place
    on the department page: either side proposes, with a comment (departments/budgets.py)."""
    department = _negotiating(request, slug)
    form = FrictionBudgetForm(
        request.POST or None,
        initial={
            "friction_budget_hours": department.friction_budget_hours,
            "version": department.version,
        },
    )
    saved = (
        request.method == "POST" and form.is_valid() and _propose(form, department, request.user)
    )
    if saved and not is_fragment(request):
        messages.success(request, f"Friction budget of {department.name} proposed.")
        return redirect(department)
    return _budget_card(request, department, form if not saved else None, status=form_status(form))


@require_POST
def friction_budget_accept(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The other side agrees to the open proposal: it becomes the budget in force."""
    department = _negotiating(request, slug)
    try:
        budgets.accept(department, _posted_id(request, "proposal"), by=request.user)
    except ValidationError as error:
        if not is_fragment(request):
            messages.error(request, " ".join(error.messages))
            return redirect(department)
        return _budget_card(request, department, None, status=409, error=" ".join(error.messages))
    if not is_fragment(request):
        messages.success(request, f"Friction budget of {department.name} agreed.")
        return redirect(department)
    return _budget_card(request, department, None)


def _negotiating(request: HtmxHttpRequest, slug: str) -> Department:
    department = get_department_for(request.user, slug)
    if not budgets.may_negotiate(request.user, department):
        raise PermissionDenied("Only the security team and the head agree on this budget.")
    return department


def _posted_id(request: HtmxHttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else 0


def _propose(form: FrictionBudgetForm, department: Department, user: User) -> bool:
    try:
        with transaction.atomic():
            proposal = budgets.propose(
                department,
                hours=form.cleaned_data["friction_budget_hours"],
                comment=form.cleaned_data["comment"],
                by=user,
                expected_version=form.cleaned_data["version"],
            )
            notices.budget_proposed(proposal)
    except StaleVersion as stale:
        refuse(form, stale)
        return False
    department.refresh_from_db()
    return True


def _budget_card(
    request: HtmxHttpRequest,
    department: Department,
    form: FrictionBudgetForm | None,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    context = {
        "department": department,
        "form": form,
        "editing": form is not None,
        "friction": friction.for_department(department),
        "negotiation": budgets.negotiation(department, request.user),
        "error": error,
    }
    template = template_for(request, "alignment/friction_budget.html", "friction-budget")
    return render(request, template, context, status=status)
