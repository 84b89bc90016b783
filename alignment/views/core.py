"""Top-level pages: the home page by role, health check and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alignment import health
from alignment.models import AlignmentLink, ImpactAssessment
from departments import roles
from departments.http import HtmxHttpRequest
from departments.models import Department, Goal
from objectives.models import Initiative, InitiativeStatus, SecurityObjective


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    if roles.reads_everything(user):
        goals = Goal.objects.all()
        links = AlignmentLink.objects.all()
        by_status = dict(
            Initiative.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        context = {
            "department_count": Department.objects.count(),
            "goal_count": goals.count(),
            "goals_at_risk": goals.at_risk().select_related("department")[:10],
            "goals_at_risk_count": goals.at_risk().count(),
            "objective_count": SecurityObjective.objects.count(),
            "initiatives_by_status": [
                (value, label, by_status.get(value, 0)) for value, label in InitiativeStatus.choices
            ],
            "unmitigated_conflicts": links.unmitigated()
            .select_related("initiative", "goal__department")
            .order_by("goal__department__name")[:10],
            "unmitigated_count": links.unmitigated().count(),
            "awaiting_count": ImpactAssessment.objects.awaiting_head().count(),
        }
        return render(request, "alignment/home_overview.html", context)
    departments = Department.objects.visible_to(user).select_related("head")
    goals = Goal.objects.visible_to(user).select_related("department", "owner")
    assessments = (
        ImpactAssessment.objects.visible_to(user)
        .awaiting_head()
        .select_related("initiative", "department")
    )
    context = {"departments": departments, "goals": goals, "assessments": assessments}
    return render(request, "alignment/home_department.html", context)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer, 503 otherwise."""
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    status = 200 if all(checks.values()) else 503
    payload = {"status": "ok" if status == 200 else "unavailable", **checks}
    return JsonResponse(payload, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processor may fail a second time.
    return HttpResponse(loader.render_to_string("500.html"), status=500)
