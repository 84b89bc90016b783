"""Security objectives and initiatives: lists and details; the security team creates,
edits, retires and reorders them."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from departments.http import (
    HtmxHttpRequest,
    form_status,
    is_fragment,
    page_of,
    require_security_team,
    template_for,
)
from departments.versioning import StaleVersion, save_versioned
from objectives.forms import InitiativeForm, ObjectiveForm, RetireForm
from objectives.models import (
    Initiative,
    InitiativeStatus,
    ObjectiveStatus,
    SecurityObjective,
    get_initiative_for,
    get_objective_for,
)

OBJECTIVES = "objectives/objective_list.html"
OBJECTIVE = "objectives/objective_detail.html"
STEPS = {"up": -1, "down": 1}


def _objectives_context(request: HtmxHttpRequest) -> dict[str, object]:
    objectives = (
        SecurityObjective.objects.visible_to(request.user)
        .select_related("owner")
        .annotate(initiative_count=Count("initiatives"), budget=Sum("initiatives__budget"))
        .order_by("position", "title", "pk")
    )
    page = page_of(request, objectives)
    return {"objectives": page.object_list, "page": page}


@require_GET
@vary_on_headers("HX-Request")
def objective_list(request: HtmxHttpRequest) -> HttpResponse:
    template = template_for(request, OBJECTIVES, "objective-cards")
    return render(request, template, _objectives_context(request))


@require_GET
def objective_detail(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    objective = get_objective_for(request.user, objective_id)
    initiatives = objective.initiatives.select_related("owner")
    goals = objective.business_goals.select_related("department").order_by(
        "department__name", "title"
    )
    measures = objective.measures.prefetch_related("samples").order_by("title")
    context = {
        "objective": objective,
        "initiatives": initiatives,
        "business_goals": goals,
        "measures": measures,
    }
    return render(request, OBJECTIVE, context)


@require_http_methods(["GET", "POST"])
def objective_create(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team creates security objectives.")
    form = ObjectiveForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        objective = form.save()
        assert objective is not None  # a new objective has no version to conflict with
        messages.success(request, f"Security objective “{objective.title}” created.")
        return redirect(objective)
    context = {"form": form, "objective": None}
    return render(request, "objectives/objective_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def objective_edit(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    objective = get_objective_for(request.user, objective_id, write=True)
    form = ObjectiveForm(request.POST or None, instance=objective)
    # save() returns None, with who changed it and when on the form, when it is stale.
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, f"Security objective “{objective.title}” saved.")
        return redirect(objective)
    context = {"form": form, "objective": objective}
    return render(request, "objectives/objective_form.html", context, status=form_status(form))


@require_POST
def objective_retire(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    """Retire an objective (kept, with its history and initiatives, but no longer active)."""
    objective = get_objective_for(request.user, objective_id, write=True)
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reload the page and retry.")
        return redirect(objective)
    objective.status = ObjectiveStatus.RETIRED
    try:
        save_versioned(objective, form.cleaned_data["version"], update_fields=["status"])
    except StaleVersion as stale:
        messages.error(request, f"Not retired. {stale.message}")
    else:
        messages.success(request, f"“{objective.title}” retired.")
    return redirect(objective)


@require_POST
@vary_on_headers("HX-Request")
def objective_move(request: HtmxHttpRequest, objective_id: int, direction: str) -> HttpResponse:
    """One place up or down in the order of priority; htmx gets the reordered cards."""
    objective = get_objective_for(request.user, objective_id, write=True)
    if direction not in STEPS:
        raise Http404("Up or down.")
    objective.move(STEPS[direction])
    # The page shown (?page=, carried by the form's action) is the page answered.
    if is_fragment(request):
        return render(request, f"{OBJECTIVES}#objective-cards", _objectives_context(request))
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("objectives:objective-list") + query)


@require_POST
def initiative_move(request: HtmxHttpRequest, initiative_id: int, direction: str) -> HttpResponse:
    """One place up or down among its objective's initiatives."""
    initiative = get_initiative_for(request.user, initiative_id, write=True)
    if direction not in STEPS:
        raise Http404("Up or down.")
    initiative.move(STEPS[direction])
    return redirect(initiative.objective)


@require_GET
def initiative_list(request: HtmxHttpRequest) -> HttpResponse:
    initiatives = Initiative.objects.visible_to(request.user).select_related("objective", "owner")
    status = request.GET.get("status", "")
    if status in InitiativeStatus.values:
        initiatives = initiatives.filter(status=status)
    # In the objectives' order of priority, then each objective's own.
    order = ["objective__position", "objective__title", "position", "title", "pk"]
    page = page_of(request, initiatives.order_by(*order))
    context = {
        "initiatives": page.object_list,
        "page": page,
        "status": status,
        "statuses": InitiativeStatus.choices,
    }
    return render(request, "objectives/initiative_list.html", context)


@require_GET
def initiative_detail(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_initiative_for(request.user, initiative_id)
    return render(request, "objectives/initiative_detail.html", {"initiative": initiative})


@require_http_methods(["GET", "POST"])
def initiative_create(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, "Only the security team creates initiatives.")
    initial = {"owner": request.user, "objective": request.GET.get("objective")}
    form = InitiativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = form.save()
        assert created is not None  # a new initiative has no version to conflict with
        messages.success(request, f"Initiative “{created.title}” created.")
        return redirect(created)
    context = {"form": form, "initiative": None}
    return render(request, "objectives/initiative_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def initiative_edit(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_initiative_for(request.user, initiative_id, write=True)
    form = InitiativeForm(request.POST or None, instance=initiative)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, f"Initiative “{initiative.title}” saved.")
        return redirect(initiative)
    context = {"form": form, "initiative": initiative}
    return render(request, "objectives/initiative_form.html", context, status=form_status(form))
