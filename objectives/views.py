"""Security objectives and initiatives: lists and details."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from departments.http import HtmxHttpRequest, form_status, require_security_team
from objectives.forms import InitiativeForm
from objectives.models import (
    Initiative,
    InitiativeStatus,
    SecurityObjective,
    get_initiative_for,
    get_objective_for,
)


@require_GET
def objective_list(request: HtmxHttpRequest) -> HttpResponse:
    objectives = (
        SecurityObjective.objects.visible_to(request.user)
        .select_related("owner")
        .annotate(initiative_count=Count("initiatives"), budget=Sum("initiatives__budget"))
    )
    return render(request, "objectives/objective_list.html", {"objectives": objectives})


@require_GET
def objective_detail(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    objective = get_objective_for(request.user, objective_id)
    initiatives = objective.initiatives.select_related("owner")
    context = {"objective": objective, "initiatives": initiatives}
    return render(request, "objectives/objective_detail.html", context)


@require_GET
def initiative_list(request: HtmxHttpRequest) -> HttpResponse:
    initiatives = Initiative.objects.visible_to(request.user).select_related("objective", "owner")
    status = request.GET.get("status", "")
    if status in InitiativeStatus.values:
        initiatives = initiatives.filter(status=status)
    context = {
        "initiatives": initiatives,
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
        initiative = form.save()
        messages.success(request, f"Initiative “{initiative.title}” created.")
        return redirect(initiative)
    context = {"form": form, "initiative": None}
    return render(request, "objectives/initiative_form.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def initiative_edit(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_initiative_for(request.user, initiative_id, write=True)
    form = InitiativeForm(request.POST or None, instance=initiative)
    if request.method == "POST" and form.is_valid():
        initiative = form.save()
        messages.success(request, f"Initiative “{initiative.title}” saved.")
        return redirect(initiative)
    context = {"form": form, "initiative": initiative}
    return render(request, "objectives/initiative_form.html", context, status=form_status(form))
