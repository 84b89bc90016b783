"""Alignment data for pages of lower apps.

A goal page (departments) or an initiative page (objectives) shows links and impact
assessments, which live here; lower apps never import alignment, so alignment provides
these inclusion tags. Each starts from what the requesting user may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django import template
from django.template import Context

from alignment import friction
from alignment.forms import AssessmentAnswerForm
from alignment.friction import Friction
from alignment.models import AlignmentLink, ImpactAssessment
from departments import budgets, roles
from departments.models import Department, Goal
from objectives.models import Initiative

if TYPE_CHECKING:
    from django.contrib.auth.models import User

register = template.Library()


def _user(context: Context) -> User:
    # These tags render on pages behind the login only.
    user: User = context["request"].user
    return user


class AssessmentRow(TypedDict):
    a: ImpactAssessment
    form: AssessmentAnswerForm | None
    load: Friction | None


@register.inclusion_tag("alignment/_links.html", takes_context=True)
def goal_links(context: Context, goal: Goal) -> dict[str, object]:
    user = _user(context)
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(goal=goal)
        .select_related("initiative__objective")
        .order_by("relation", "initiative__title")
    )
    return {"links": links, "show": "initiative"}


@register.inclusion_tag("alignment/_links.html", takes_context=True)
def initiative_links(context: Context, initiative: Initiative) -> dict[str, object]:
    user = _user(context)
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(initiative=initiative)
        .select_related("goal__department")
        .order_by("goal__department__name", "goal__title")
    )
    return {"links": links, "show": "goal"}


def _assessment_rows(
    user: User, assessments: Iterable[ImpactAssessment], loads: dict[int, Friction] | None = None
) -> list[AssessmentRow]:
    """One row per assessment: the head of its department gets an answer form in it."""
    rows: list[AssessmentRow] = []
    for a in assessments:
        form = None
        if roles.heads(user, a.department):
            form = AssessmentAnswerForm(instance=a, auto_id=f"id_answer{a.pk}_%s")
        load = loads.get(a.department_id) if loads is not None else None
        rows.append({"a": a, "form": form, "load": load})
    return rows


@register.inclusion_tag("alignment/_assessments.html", takes_context=True)
def department_assessments(context: Context, department: Department) -> dict[str, object]:
    """The department's impact assessments, its friction budget, and the head's answers."""
    user = _user(context)
    assessments = (
        ImpactAssessment.objects.visible_to(user)
        .filter(department=department)
        .select_related("initiative", "department")
        .prefetch_related("commitments")
        .order_by("initiative__title")
    )
    return {
        "rows": _assessment_rows(user, assessments),
        "show": "initiative",
        "department": department,
        "friction": friction.for_department(department),
        "negotiation": budgets.negotiation(department, user),
        "can_edit": roles.is_ciso(user),
    }


@register.inclusion_tag("alignment/_assessments.html", takes_context=True)
def initiative_assessments(context: Context, initiative: Initiative) -> dict[str, object]:
    """The initiative's impact on each department, with each department's whole load."""
    user = _user(context)
    assessments = list(
        ImpactAssessment.objects.visible_to(user)
        .filter(initiative=initiative)
        .select_related("initiative", "department")
        .prefetch_related("commitments")
        .order_by("department__name")
    )
    loads = friction.by_department(a.department for a in assessments)
    return {
        "rows": _assessment_rows(user, assessments, {f.department.pk: f for f in loads}),
        "show": "department",
        "initiative": initiative,
        "can_edit": roles.is_ciso(user),
    }


# `{% goal_links goal %}` costs one query per goal; a page listing a whole department
# uses this instead: one query for every visible link of its goals, grouped by goal.
@register.inclusion_tag("alignment/_department_links.html", takes_context=True)
def department_links(context: Context, department: Department) -> dict[str, object]:
    user = _user(context)
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(goal__department=department)
        .select_related("initiative", "goal")
        # Grouped by goal in the department page's goal order; conflicts first in a group.
        .order_by("goal__due_date", "goal__title", "goal_id", "relation", "initiative__title")
    )
    return {"links": links, "department": department}
