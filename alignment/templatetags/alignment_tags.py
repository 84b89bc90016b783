"""Alignment data for pages of lower apps.

A goal page (departments) or an initiative page (objectives) shows links and impact
assessments, which live here; lower apps never import alignment, so alignment provides
these inclusion tags. Each starts from what the requesting user may see.
"""

from __future__ import annotations

from typing import Any

from django import template

from alignment.models import AlignmentLink, ImpactAssessment

register = template.Library()


@register.inclusion_tag("alignment/_links.html", takes_context=True)
def goal_links(context: dict[str, Any], goal: Any) -> dict[str, Any]:
    user = context["request"].user
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(goal=goal)
        .select_related("initiative__objective")
        .order_by("relation", "initiative__title")
    )
    return {"links": links, "show": "initiative"}


@register.inclusion_tag("alignment/_links.html", takes_context=True)
def initiative_links(context: dict[str, Any], initiative: Any) -> dict[str, Any]:
    user = context["request"].user
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(initiative=initiative)
        .select_related("goal__department")
        .order_by("goal__department__name", "goal__title")
    )
    return {"links": links, "show": "goal"}


@register.inclusion_tag("alignment/_assessments.html", takes_context=True)
def department_assessments(context: dict[str, Any], department: Any) -> dict[str, Any]:
    user = context["request"].user
    assessments = (
        ImpactAssessment.objects.visible_to(user)
        .filter(department=department)
        .select_related("initiative")
        .order_by("initiative__title")
    )
    total = sum((a.hours_per_week for a in assessments), start=department.friction_budget_hours * 0)
    return {
        "assessments": assessments,
        "show": "initiative",
        "total_hours": total,
        "budget": department.friction_budget_hours,
        "over_budget": total > department.friction_budget_hours,
    }


@register.inclusion_tag("alignment/_assessments.html", takes_context=True)
def initiative_assessments(context: dict[str, Any], initiative: Any) -> dict[str, Any]:
    user = context["request"].user
    assessments = (
        ImpactAssessment.objects.visible_to(user)
        .filter(initiative=initiative)
        .select_related("department")
        .order_by("department__name")
    )
    return {"assessments": assessments, "show": "department", "total_hours": None}
