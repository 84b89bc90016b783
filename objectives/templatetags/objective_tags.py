"""What objectives shows on lower pages: the objectives that protect a goal, the measures
that serve it.

departments may not import objectives, so a goal's page loads this tag instead.
"""

from __future__ import annotations

from django import template

from departments.models import Goal
from objectives.models import SecurityObjective

register = template.Library()


@register.inclusion_tag("objectives/_protecting_objectives.html")
def protecting_objectives(goal: Goal) -> dict[str, object]:
    """The active objectives linked to `goal`, with why the business should care."""
    objectives = SecurityObjective.objects.active().filter(business_goals=goal)
    return {"objectives": list(objectives)}


@register.inclusion_tag("objectives/_goal_measures.html")
def security_measures(goal: Goal) -> dict[str, object]:
    """The security measures that serve `goal`, with their status and trend."""
    measures = goal.security_measures.select_related("objective").prefetch_related("samples")
    return {"measures": list(measures.order_by("title"))}
