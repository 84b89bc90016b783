"""Department pages: the list, a department with its goals, goals and check-ins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from departments import roles
from departments.forms import CheckInForm, GoalForm
from departments.http import HtmxHttpRequest
from departments.models import (
    Department,
    Goal,
    GoalStatus,
    get_department_for,
    get_goal_for,
    record_checkin,
)


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
    )
    return render(request, "departments/department_list.html", {"departments": departments})


@require_GET
def department_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    department = get_department_for(request.user, slug)
    goals = department.goals.select_related("owner").order_by("due_date", "title")
    context = {
        "department": department,
        "goals": goals,
        "key_leaders": department.key_leaders.order_by("last_name", "first_name"),
        "documents": department.documents.all(),
        "can_write": roles.can_write_department(request.user, department),
    }
    return render(request, "departments/department_detail.html", context)


@require_GET
def goal_list(request: HtmxHttpRequest) -> HttpResponse:
    goals = Goal.objects.visible_to(request.user).select_related("department", "owner")
    status = request.GET.get("status", "")
    if status in GoalStatus.values:
        goals = goals.filter(status=status)
    elif status == "at_risk_or_off_track":
        goals = goals.at_risk()
    context = {"goals": goals, "status": status, "statuses": GoalStatus.choices}
    return render(request, "departments/goal_list.html", context)


@require_GET
def goal_detail(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for(request.user, goal_id)
    context = {
        "goal": goal,
        "checkins": goal.checkins.select_related("author").order_by("-date", "-created_at"),
        "can_write": roles.can_write_department(request.user, goal.department),
        "checkin_form": CheckInForm(),
    }
    return render(request, "departments/goal_detail.html", context)


def _owner_choices(department: Department):  # type: ignore[no-untyped-def]
    users = get_user_model().objects.filter(
        Q(headed_departments=department) | Q(led_departments=department)
    )
    return users.distinct().order_by("first_name", "last_name")


@require_http_methods(["GET", "POST"])
def goal_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    department = get_department_for(request.user, slug, write=True)
    goal = Goal(department=department, owner=request.user)
    form = GoalForm(request.POST or None, instance=goal, owner_choices=_owner_choices(department))
    if request.method == "POST" and form.is_valid():
        goal = form.save()
        messages.success(request, f"Goal “{goal.title}” added.")
        return redirect(goal)
    context = {"form": form, "department": department, "goal": None}
    return render(request, "departments/goal_form.html", context)


@require_http_methods(["GET", "POST"])
def goal_edit(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for(request.user, goal_id, write=True)
    department = goal.department
    form = GoalForm(request.POST or None, instance=goal, owner_choices=_owner_choices(department))
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, f"Goal “{goal.title}” saved.")
        return redirect(goal)
    context = {"form": form, "department": department, "goal": goal}
    return render(request, "departments/goal_form.html", context)


@require_http_methods(["GET", "POST"])
def checkin_create(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    goal = get_goal_for(request.user, goal_id, write=True)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_checkin(form.save(commit=False), goal=goal, author=request.user)
        messages.success(request, "Check-in recorded.")
        return redirect(goal)
    return render(request, "departments/checkin_form.html", {"form": form, "goal": goal})
