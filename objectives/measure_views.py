"""Measures of security objectives: the security team defines them and types samples in;
everyone reads them, their status, staleness and trend."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from departments.http import HtmxHttpRequest, form_status
from departments.versioning import save_refusing_duplicates
from objectives.computations import record_sample
from objectives.forms import MeasureForm, SampleForm
from objectives.models import Measure, get_measure_for, get_objective_for

FORM = "objectives/measure_form.html"
DETAIL = "objectives/measure_detail.html"
DUPLICATE = "This objective already has a measure so named: update that one."


def _save(form: MeasureForm) -> bool:
    """Save; False with the reason on the form when stale or, in a race, a duplicate."""
    return save_refusing_duplicates(form, field="title", duplicate=lambda: DUPLICATE)


@require_http_methods(["GET", "POST"])
def measure_create(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    objective = get_objective_for(request.user, objective_id, write=True)
    measure = Measure(objective=objective, owner=request.user)
    form = MeasureForm(request.POST or None, instance=measure, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, f"Measure “{measure.title}” added.")
        return redirect(measure)
    context = {"form": form, "objective": objective, "measure": None}
    return render(request, FORM, context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def measure_edit(request: HtmxHttpRequest, measure_id: int) -> HttpResponse:
    measure = get_measure_for(request.user, measure_id, write=True)
    form = MeasureForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, f"Measure “{measure.title}” saved.")
        return redirect(measure)
    context = {"form": form, "objective": measure.objective, "measure": measure}
    return render(request, FORM, context, status=form_status(form))


def _detail(request: HtmxHttpRequest, measure: Measure, form: SampleForm | None) -> HttpResponse:
    samples = list(measure.samples.select_related("author").order_by("-date", "-created_at"))
    goals = measure.goals.select_related("department").order_by("department__name", "title")
    context = {
        "measure": measure,
        "samples": samples[:50],
        "goals": goals,
        "sample_form": form,
    }
    status = form_status(form) if form is not None else 200
    return render(request, DETAIL, context, status=status)


@require_GET
def measure_detail(request: HtmxHttpRequest, measure_id: int) -> HttpResponse:
    measure = get_measure_for(request.user, measure_id)
    form = SampleForm() if not measure.is_computed else None
    return _detail(request, measure, form)


@require_POST
def sample_create(request: HtmxHttpRequest, measure_id: int) -> HttpResponse:
    """The security team types in a sample of a measure the app does not compute."""
    measure = get_measure_for(request.user, measure_id, write=True)
    if measure.is_computed:
        messages.info(request, "The app takes this measure's samples itself.")
        return redirect(measure)
    form = SampleForm(request.POST)
    if form.is_valid():
        record_sample(form.save(commit=False), measure=measure, author=request.user)
        messages.success(request, "Sample recorded.")
        return redirect(measure)
    return _detail(request, measure, form)
