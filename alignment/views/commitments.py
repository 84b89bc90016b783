"""Support commitments (the security team's promises to a department) and requests from
the business (a department asks the security team for something).

The security team creates, edits and moves commitments and answers requests; the head
of a department confirms a delivered commitment; heads and key leaders ask. Everyone
reads only the departments they may read (`visible_to`, `get_…_for`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from alignment import commitments as workflow
from alignment.forms.commitments import (
    AcceptForm,
    CommitmentForm,
    ConfirmForm,
    DeclineForm,
    MoveForm,
    RequestForm,
)
from alignment.meetings.models import Occurrence
from alignment.models import AlignmentLink, ImpactAssessment
from alignment.models.commitments import (
    Commitment,
    CommitmentStatus,
    RequestStatus,
    SupportRequest,
    get_commitment_for,
    get_commitment_to_confirm,
    get_request_for,
)
from departments import roles
from departments.http import (
    HtmxHttpRequest,
    form_status,
    is_fragment,
    require_security_team,
)
from departments.models import Department, get_department_for
from departments.versioning import StaleVersion, refuse

DETAIL = "alignment/commitment_detail.html"
REQUEST_DETAIL = "alignment/request_detail.html"
PAGE_SIZE = 50
SOURCE_NAMES = {"assessment": ImpactAssessment, "link": AlignmentLink, "occurrence": Occurrence}


def _refuse(form: BaseForm, error: ValidationError | StaleVersion) -> None:
    """A refusal from the workflow, on the form: a stale save with the stored version."""
    if isinstance(error, StaleVersion):
        refuse(form, error)
    elif hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _department_filter(request: HtmxHttpRequest) -> tuple[list[Department], Department | None]:
    departments = list(Department.objects.visible_to(request.user).order_by("name"))
    slug = request.GET.get("department", "")
    return departments, next((d for d in departments if d.slug == slug), None)


@require_GET
def commitment_list(request: HtmxHttpRequest) -> HttpResponse:
    """The commitments the user may see, by department and status."""
    commitments = Commitment.objects.visible_to(request.user).select_related("department", "owner")
    status = request.GET.get("status", "")
    if status == "open":
        commitments = commitments.open()
    elif status in CommitmentStatus.values:
        commitments = commitments.filter(status=status)
    departments, department = _department_filter(request)
    if department is not None:
        commitments = commitments.filter(department=department)
    page = Paginator(commitments.order_by("due_date", "pk"), PAGE_SIZE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "status": status,
        "statuses": CommitmentStatus.choices,
        "departments": departments,
        "department": department,
        "can_edit": roles.is_ciso(request.user),
        "can_ask": department is not None and _may_ask(request, department),
        "today": timezone.localdate(),
    }
    return render(request, "alignment/commitment_list.html", context)


def _source(request: HtmxHttpRequest) -> tuple[str, Model] | None:
    """The source named in the query (`?assessment=<pk>`…), or None; 404 if it is gone."""
    for name, model in SOURCE_NAMES.items():
        value = request.GET.get(name, "")
        if value:
            if not value.isdigit() or len(value) > 18:
                raise Http404("No such source.")
            found = model._default_manager.filter(pk=int(value)).first()
            if found is None:
                raise Http404("No such source.")
            return name, found
    return None


def _from_source(commitment: Commitment, name: str, source: Model) -> dict[str, object]:
    """Set the source and its department on `commitment`; the form's starting values."""
    setattr(commitment, name, source)
    if isinstance(source, ImpactAssessment):
        commitment.department = source.department
        text = source.support_offered or source.mitigation_plan
    elif isinstance(source, AlignmentLink):
        commitment.department = source.goal.department
        text = source.mitigation
    else:
        assert isinstance(source, Occurrence)
        if source.series.department_id is not None:
            commitment.department_id = source.series.department_id
        text = ""
    first_line = (text.strip().splitlines() or [""])[0][:200]
    return {"title": first_line, "detail": text}


@require_http_methods(["GET", "POST"])
def commitment_create(request: HtmxHttpRequest) -> HttpResponse:
    """The security team commits to something, from a source (`?assessment=`, `?link=`,
    `?occurrence=`) or from scratch."""
    require_security_team(request.user, "Only the security team makes commitments.")
    commitment = Commitment()
    source = _source(request)
    initial = _from_source(commitment, *source) if source else {}
    form = CommitmentForm(request.POST or None, instance=commitment, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.create(form.instance, by=request.user)
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(request, f"Commitment to {commitment.department.name} recorded.")
            return redirect(commitment)
    context = {"form": form, "commitment": commitment, "source": source[1] if source else None}
    return render(request, "alignment/commitment_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def commitment_edit(request: HtmxHttpRequest, commitment_id: int) -> HttpResponse:
    commitment = get_commitment_for(request.user, commitment_id, write=True)
    form = CommitmentForm(request.POST or None, instance=commitment)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, "Commitment saved.")
        return redirect(commitment)
    context = {"form": form, "commitment": commitment, "source": commitment.source}
    return render(request, "alignment/commitment_form.html", context, status=form_status(form))


def _card(
    request: HtmxHttpRequest,
    commitment: Commitment,
    move_form: MoveForm | None = None,
    confirm_form: ConfirmForm | None = None,
) -> HttpResponse:
    """The commitment's page, or its card alone for htmx; forms the viewer may use."""
    user = request.user
    if move_form is None and roles.is_ciso(user) and commitment.is_open:
        move_form = MoveForm(initial={"version": commitment.version}, auto_id="id_move_%s")
    may_confirm = roles.heads(user, commitment.department)
    if confirm_form is None and may_confirm and commitment.status == CommitmentStatus.DELIVERED:
        initial = {"version": commitment.version, "verdict": None}
        confirm_form = ConfirmForm(initial=initial, auto_id="id_confirm_%s")
    context = {
        "commitment": commitment,
        "move_form": move_form if commitment.is_open else None,
        "confirm_form": confirm_form,
        "can_edit": roles.is_ciso(user) and commitment.is_open,
    }
    template = DETAIL + ("#commitment-card" if is_fragment(request) else "")
    return render(request, template, context, status=form_status(move_form, confirm_form))


@require_GET
def commitment_detail(request: HtmxHttpRequest, commitment_id: int) -> HttpResponse:
    return _card(request, get_commitment_for(request.user, commitment_id))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def commitment_move(request: HtmxHttpRequest, commitment_id: int) -> HttpResponse:
    """The security team starts, delivers or drops a commitment, in place."""
    commitment = get_commitment_for(request.user, commitment_id, write=True)
    form = MoveForm(request.POST or None, auto_id="id_move_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workflow.move(
                commitment,
                data["status"],
                data["reason"],
                by=request.user,
                expected=data["version"],
            )
        except (ValidationError, StaleVersion) as error:
            commitment.refresh_from_db()
            _refuse(form, error)
        else:
            if not is_fragment(request):
                messages.success(request, f"Commitment {commitment.get_status_display().lower()}.")
                return redirect(commitment)
            return _card(request, commitment)
    return _card(request, commitment, move_form=form)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def commitment_confirm(request: HtmxHttpRequest, commitment_id: int) -> HttpResponse:
    """The head says whether a delivered commitment helped, in place."""
    commitment = get_commitment_to_confirm(request.user, commitment_id)
    form = ConfirmForm(request.POST or None, auto_id="id_confirm_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workflow.confirm(
                commitment,
                data["verdict"],
                data["comment"],
                by=request.user,
                expected=data["version"],
            )
        except (ValidationError, StaleVersion) as error:
            commitment.refresh_from_db()
            _refuse(form, error)
        else:
            if not is_fragment(request):
                messages.success(request, "Thank you: the security team reads your answer.")
                return redirect(commitment)
            return _card(request, commitment)
    return _card(request, commitment, confirm_form=form)


# --- requests from the business --------------------------------------------------------------


def _may_ask(request: HtmxHttpRequest, department: Department) -> bool:
    """Heads and key leaders ask for their own departments."""
    return department.pk in roles.member_department_ids(request.user)


@require_http_methods(["GET", "POST"])
def request_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    department = get_department_for(request.user, slug)
    if not _may_ask(request, department):
        raise PermissionDenied("Only the department's head and key leaders ask for it.")
    support = SupportRequest(department=department)
    form = RequestForm(request.POST or None, instance=support)
    if request.method == "POST" and form.is_valid():
        workflow.submit_request(form.instance, by=request.user)
        messages.success(request, "Your request is with the security team, on their dashboard.")
        return redirect(support)
    context = {"form": form, "department": department}
    return render(request, "alignment/request_form.html", context, status=form_status(form))


@require_GET
def request_list(request: HtmxHttpRequest) -> HttpResponse:
    requests = SupportRequest.objects.visible_to(request.user).select_related(
        "department", "requested_by", "commitment"
    )
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    departments, department = _department_filter(request)
    if department is not None:
        requests = requests.filter(department=department)
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "status": status,
        "statuses": RequestStatus.choices,
        "departments": departments,
        "department": department,
        "asks_for": [d for d in departments if _may_ask(request, d)],
    }
    return render(request, "alignment/request_list.html", context)


def _request_page(
    request: HtmxHttpRequest,
    support: SupportRequest,
    accept_form: AcceptForm | None = None,
    decline_form: DeclineForm | None = None,
) -> HttpResponse:
    answering = roles.is_ciso(request.user) and support.status == RequestStatus.OPEN
    if answering and accept_form is None:
        initial = {"title": support.summary, "detail": support.need, "due_date": support.due_date}
        initial["request_version"] = support.version
        instance = Commitment(department=support.department)
        accept_form = AcceptForm(initial=initial, instance=instance, auto_id="id_accept_%s")
    if answering and decline_form is None:
        decline_form = DeclineForm(initial={"version": support.version}, auto_id="id_decline_%s")
    commitment = Commitment.objects.filter(request=support).first()
    context = {
        "support": support,
        "commitment": commitment,
        "accept_form": accept_form if answering else None,
        "decline_form": decline_form if answering else None,
    }
    status = form_status(accept_form, decline_form)
    return render(request, REQUEST_DETAIL, context, status=status)


def _answer_refused(
    request: HtmxHttpRequest,
    support: SupportRequest,
    form: AcceptForm | DeclineForm,
    error: ValidationError | StaleVersion,
) -> HttpResponse:
    """An answer the workflow refused: answered meanwhile (the page says by whom), or
    the commitment's own rules (on the form)."""
    support.refresh_from_db()
    if support.status != RequestStatus.OPEN:
        messages.error(
            request, f"This request was {support.get_status_display().lower()} meanwhile."
        )
        return redirect(support)
    _refuse(form, error)
    if isinstance(form, AcceptForm):
        return _request_page(request, support, accept_form=form)
    return _request_page(request, support, decline_form=form)


@require_GET
def request_detail(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, get_request_for(request.user, request_id))


@require_http_methods(["GET", "POST"])
def request_accept(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    """Accept: the request becomes a commitment, in one transaction."""
    support = get_request_for(request.user, request_id, write=True)
    instance = Commitment(department=support.department)
    form = AcceptForm(request.POST or None, instance=instance, auto_id="id_accept_%s")
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["request_version"]
        try:
            commitment = workflow.accept(support, form.instance, by=request.user, expected=expected)
        except (ValidationError, StaleVersion) as error:
            return _answer_refused(request, support, form, error)
        else:
            messages.success(request, "Request accepted: it is now a commitment.")
            return redirect(commitment)
    return _request_page(request, support, accept_form=form)


@require_http_methods(["GET", "POST"])
def request_decline(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    support = get_request_for(request.user, request_id, write=True)
    form = DeclineForm(request.POST or None, auto_id="id_decline_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workflow.decline(support, data["reason"], by=request.user, expected=data["version"])
        except (ValidationError, StaleVersion) as error:
            return _answer_refused(request, support, form, error)
        else:
            messages.success(request, "Request declined; the head sees your reason.")
            return redirect(support)
    return _request_page(request, support, decline_form=form)
