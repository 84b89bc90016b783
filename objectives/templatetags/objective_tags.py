"""What objectives shows on lower pages: the security objectives that protect a goal.

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
