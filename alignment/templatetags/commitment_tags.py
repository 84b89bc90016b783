"""Commitments and requests on other pages: the department page (a lower app's, which
never imports alignment), the head's home, the dashboard, an impact assessment.

Each tag starts from what the requesting user may see and reads a bounded number of rows
in a fixed number of queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.template import Context
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from alignment import commitments
from alignment.models.commitments import Commitment, SupportRequest
from departments import roles
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

register = template.Library()

BADGES = {
    "planned": "text-bg-info",
    "in_progress": "text-bg-primary",
    "delivered": "text-bg-success",
    "dropped": "text-bg-dark",
    "pending": "text-bg-warning",
    "helped": "text-bg-success",
    "did_not_help": "text-bg-danger",
    "open": "text-bg-warning",
    "accepted": "text-bg-success",
    "declined": "text-bg-secondary",
}
PARTIALS = "alignment/_commitments.html"


def _user(context: Context) -> User:
    user: User = context["request"].user  # behind the login only
    return user


@register.simple_tag
def commitment_badge(value: str, label: str) -> SafeString:
    """A badge with its text: colour is never the only signal."""
    return format_html(
        '<span class="badge {}">{}</span>', BADGES.get(value, "text-bg-light"), label
    )


@register.inclusion_tag(PARTIALS + "#department-commitments", takes_context=True)
def department_commitments(context: Context, department: Department) -> dict[str, object]:
    """The department's commitments (not dropped, soonest first) and open requests."""
    user = _user(context)
    rows = (
        Commitment.objects.visible_to(user)
        .filter(department=department)
        .exclude(status="dropped")
        .select_related("owner")
        .by_urgency()
    )
    requests = SupportRequest.objects.visible_to(user).filter(department=department).open()
    return {
        "department": department,
        "commitments": list(rows[: commitments.SHOWN * 2]),
        "requests": list(requests.order_by("due_date", "pk")[: commitments.SHOWN]),
        "can_ask": department.pk in roles.member_department_ids(user),
        "can_edit": roles.is_ciso(user),
        "today": timezone.localdate(),
    }


@register.inclusion_tag(PARTIALS + "#home-commitments", takes_context=True)
def home_commitments(context: Context) -> dict[str, object]:
    """A head's or key leader's home: what the security team committed to their
    departments, those awaiting their word first, and their requests still open."""
    user = _user(context)
    mine = roles.member_department_ids(user)
    rows = (
        Commitment.objects.filter(department__in=mine)
        .exclude(status="dropped")
        .select_related("department", "owner")
        .by_urgency()
    )
    awaiting = rows.awaiting_confirmation().filter(department__in=roles.headed_department_ids(user))
    requests = SupportRequest.objects.filter(department__in=mine).open()
    return {
        "awaiting": list(awaiting[: commitments.SHOWN]),
        "commitments": list(rows[: commitments.SHOWN]),
        "requests": list(requests.select_related("department")[: commitments.SHOWN]),
        "asks_for": list(Department.objects.filter(pk__in=mine).order_by("name")),
        "today": timezone.localdate(),
    }


@register.inclusion_tag(PARTIALS + "#dashboard-commitments", takes_context=True)
def dashboard_commitments(context: Context) -> dict[str, object]:
    """The CISO's figures (overdue, delivered this quarter, confirmed helpful) and the
    open requests, in four queries."""
    today = timezone.localdate()
    overdue = Commitment.objects.overdue(today).select_related("department", "owner")
    requests = SupportRequest.objects.open().select_related("department", "requested_by")
    return {
        "figures": commitments.figures(today),
        "overdue": list(overdue.order_by("due_date", "pk")[: commitments.SHOWN]),
        "requests": list(requests.order_by("due_date", "pk")[: commitments.SHOWN]),
        "can_edit": roles.is_ciso(_user(context)),
    }
