"""Department pages: the list, a department with its goals, goals and check-ins,
and the department's process documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from departments import people, roles, uploads
from departments.forms import (
    CheckInForm,
    DocumentForm,
    DocumentReviewForm,
    GoalForm,
    duplicate_goal_message,
    inline_checkin_form,
)
from departments.http import HtmxHttpRequest, form_status, is_fragment, page_of
from departments.models import (
    CheckIn,
    Department,
    Goal,
    GoalStatus,
    ProcessDocument,
    get_department_for,
    get_document_for,
    get_goal_for,
    record_checkin,
    store_document,
)
from departments.versioning import save_refusing_duplicates

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet
    from django.http import QueryDict

DETAIL_TEMPLATE = "departments/department_detail.html"


@require_GET
def my_department(request: HtmxHttpRequest) -> HttpResponse:
    """A head lands on the department they head; everyone else on the list they may see."""
    user = request.user
    department_ids = roles.headed_department_ids(user)
    if not department_ids and not roles.reads_everything(user):
        department_ids = roles.member_department_ids(user)  # a key leader's department
    if len(department_ids) == 1:
        slug = Department.objects.filter(pk__in=department_ids).values_list("slug", flat=True)
        return redirect("departments:department-detail", slug=slug.get())
    return redirect("departments:department-list")


@require_GET
def department_list(request: HtmxHttpRequest) -> HttpResponse:
    departments = (
        Department.objects.visible_to(request.user)
        .select_related("head")
        .annotate(
            goal_count=Count("goals", distinct=True),
            at_risk_count=Count(
                "goals",
                filter=Q(goals__status__in=[GoalStatus.AT_RISK, GoalStatus.OFF_TRACK]),
                distinct=True,
            ),
        )
        .order_by("name", "pk")
    )
    page = page_of(request, departments)
    context = {"departments": page.object_list, "page": page}
    return render(request, "departments/department_list.html", context)


def _goals_with_trends(department: Department) -> list[Goal]:
    # Check-ins prefetched in CheckIn's default order (by date): `goal.trend()` is free.
    goals = department.goals.select_related("owner").prefetch_related("checkins")
    return list(goals.order_by("due_date", "title"))


def _review_form(document: ProcessDocument, data: QueryDict | None = None) -> DocumentReviewForm:
    return DocumentReviewForm(
        data, initial={"review_note": document.review_note}, auto_id=f"id_review_{document.pk}_%s"
    )


def _documents_context(request: HtmxHttpRequest, department: Department) -> dict[str, object]:
    """The documents section: the list (with a review form each for the security team)
    and, for the department's head, the upload form."""
    can_review = roles.is_ciso(request.user)
    documents = department.documents.select_related("uploaded_by", "reviewed_by")
    return {
        "department": department,
        "document_rows": [(d, _review_form(d) if can_review else None) for d in documents],
        "can_review": can_review,
        "can_write": roles.can_write_department(request.user, department),
        "document_form": DocumentForm(),
    }


@require_GET
def department_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    department = get_department_for(request.user, slug)
    can_write = roles.can_write_department(request.user, department)
    goals = _goals_with_trends(department)
    context = {
        **_documents_context(request, department),
        "goal_rows": [(g, inline_checkin_form(g) if can_write else None) for g in goals],
        "key_leaders": department.key_leaders.order_by("last_name", "first_name"),
    }
    return render(request, DETAIL_TEMPLATE, context)


@require_GET
def goal_list(request: HtmxHttpRequest) -> HttpResponse:
    """Goals by department, filtered by department and status, a page at a time; a head's
    department choices (and goals) are only the departments they may see."""
    departments = Department.objects.visible_to(request.user).only("name", "slug")
    goals = Goal.objects.visible_to(request.user).select_related("department", "owner")
    department = request.GET.get("department", "")
    if department:
        goals = goals.filter(department__slug=department)
    status = request.GET.get("status", "")
    if status in GoalStatus.values:
        goals = goals.filter(status=status)
    elif status == "at_risk_or_off_track":
        goals = goals.at_risk()
    page = page_of(request, goals.order_by("department__name", "due_date", "title", "pk"))
    context = {
        "goals": page.object_list,
        "page": page,
        "status": status,
        "statuses": GoalStatus.choices,
        "department": department,
        "departments": departments.order_by("name"),
    }
    return render(request, "departments/goal_list.html", context)


@require_GET
def goal_detail(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for(request.user, goal_id)
    # Years of weekly check-ins are read a page at a time; the trend is the latest 12.
    checkins = goal.checkins.order_by("-date", "-created_at", "-pk")
    page = page_of(request, checkins)
    latest = list(checkins.values_list("value", flat=True)[:12])
    context = {
        "goal": goal,
        "checkins": page.object_list,
        "page": page,
        "trend": latest[::-1],
        "can_write": roles.can_write_department(request.user, goal.department),
        "checkin_form": CheckInForm(),
    }
    return render(request, "departments/goal_detail.html", context)


def _owner_choices(department: Department) -> QuerySet[User]:
    users = get_user_model().objects.filter(
        Q(headed_departments=department) | Q(led_departments=department)
    )
    return people.by_name(users.distinct())


def _save_goal(form: GoalForm) -> bool:
    """Save; False with the reason on the form when stale or, in a race, a duplicate."""

    def duplicate() -> str:
        existing = form.instance.same_title_goal()
        return duplicate_goal_message(existing) if existing else "Not saved: retry."

    return save_refusing_duplicates(form, field="title", duplicate=duplicate)


@require_http_methods(["GET", "POST"])
def goal_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    department = get_department_for(request.user, slug, write=True)
    goal = Goal(department=department, owner=request.user)
    form = GoalForm(request.POST or None, instance=goal, owner_choices=_owner_choices(department))
    if request.method == "POST" and form.is_valid() and _save_goal(form):
        messages.success(request, f"Goal “{goal.title}” added.")
        return redirect(goal)
    context = {"form": form, "department": department, "goal": None}
    return render(request, "departments/goal_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def goal_edit(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for(request.user, goal_id, write=True)
    department = goal.department
    form = GoalForm(request.POST or None, instance=goal, owner_choices=_owner_choices(department))
    if request.method == "POST" and form.is_valid() and _save_goal(form):
        messages.success(request, f"Goal “{goal.title}” saved.")
        return redirect(goal)
    context = {"form": form, "department": department, "goal": goal}
    return render(request, "departments/goal_form.html", context, status=form_status(form))


def _goal_row(
    request: HtmxHttpRequest, goal_id: int, form: CheckInForm, recorded: CheckIn | None = None
) -> HttpResponse:
    """The department page's row of one goal, re-read with its check-ins for the sparkline."""
    goal = Goal.objects.select_related("owner").prefetch_related("checkins").get(pk=goal_id)
    context = {"goal": goal, "checkin_form": form, "can_write": True, "recorded": recorded}
    return render(request, f"{DETAIL_TEMPLATE}#goal-row", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def checkin_create(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    """Log a check-in. Under HTMX the answer is the goal's row on the department page
    (with the new value, progress and sparkline, or the form and its errors); otherwise
    the goal page after a save, or the form page."""
    goal = get_goal_for(request.user, goal_id, write=True)
    data = request.POST if request.method == "POST" else None
    form = inline_checkin_form(goal, data) if is_fragment(request) else CheckInForm(data)
    if form.is_bound and form.is_valid():
        checkin = record_checkin(form.save(commit=False), goal=goal, author=request.user)
        if is_fragment(request):
            return _goal_row(request, goal.pk, inline_checkin_form(goal), recorded=checkin)
        messages.success(request, "Check-in recorded.")
        return redirect(goal)
    if is_fragment(request):
        return _goal_row(request, goal.pk, form)
    context = {"form": form, "goal": goal}
    return render(request, "departments/checkin_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def document_upload(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The head uploads a process document; a rejected file leaves no row and no file."""
    department = get_department_for(request.user, slug, write=True)
    is_post = request.method == "POST"
    form = uploads.upload_form(request, DocumentForm)
    uploaded = None
    if is_post and form.is_valid():
        uploaded = store_document(
            form.save(commit=False), department=department, uploaded_by=request.user
        )
        if not is_fragment(request):
            messages.success(request, f"Document “{uploaded.title}” uploaded.")
            return redirect(f"{department.get_absolute_url()}#documents")
        form = DocumentForm()
    if is_fragment(request):
        context = {**_documents_context(request, department), "document_form": form}
        context |= {"uploaded": uploaded}
        return render(request, f"{DETAIL_TEMPLATE}#documents", context, status=form_status(form))
    context = {"form": form, "department": department}
    return render(request, "departments/document_form.html", context, status=form_status(form))


@require_GET
def document_download(request: HtmxHttpRequest, document_id: int) -> FileResponse:
    """The file, as an attachment under its original name, to readers of its department."""
    document = get_document_for(request.user, document_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("The file of this document is missing.") from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def document_review(request: HtmxHttpRequest, document_id: int) -> HttpResponse:
    """The security team marks a document as reviewed, with a note."""
    document = get_document_for(request.user, document_id, review=True)
    form = _review_form(document, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        document.mark_reviewed(by=request.user, note=form.cleaned_data["review_note"])
        if not is_fragment(request):
            messages.success(request, f"“{document.title}” marked as reviewed.")
            return redirect(f"{document.department.get_absolute_url()}#document-row-{document.pk}")
        form = _review_form(document)
    if is_fragment(request):
        context = {"document": document, "review_form": form, "can_review": True}
        return render(request, f"{DETAIL_TEMPLATE}#document-row", context, status=form_status(form))
    context = {"document": document, "form": form}
    return render(request, "departments/document_review.html", context, status=form_status(form))
