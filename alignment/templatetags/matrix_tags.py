"""Matrix helpers for templates, including the type-ahead link search for lower apps' pages.

An initiative page (objectives) and a goal page (departments) show the search box with
`{% load matrix_tags %}{% link_search initiative %}` or `{% link_search goal %}`: lower
apps never import alignment, so the box comes from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from alignment.models import AlignmentLink
from departments import roles
from departments.models import Goal
from departments.templatetags.department_tags import status_badge
from objectives.models import Initiative

if TYPE_CHECKING:
    from django.contrib.auth.models import User

register = template.Library()


@register.simple_tag
def relation_badge(link: AlignmentLink | None) -> SafeString:
    """The relation as a badge with its text, and an 'Unmitigated' marker for open conflicts."""
    if link is None:
        return format_html(
            '<span class="text-body-secondary" aria-hidden="true">—</span>'
            '<span class="visually-hidden">{}</span>',
            "No link",
        )
    badge = status_badge(link.relation, link.get_relation_display())
    if link.is_unmitigated_conflict:
        return format_html(
            '{} <span class="badge text-bg-warning border border-danger">{}</span>',
            badge,
            "Unmitigated",
        )
    return format_html("{}", badge)


@register.inclusion_tag("alignment/_link_search.html", takes_context=True)
def link_search(context: Context, subject: Initiative | Goal) -> dict[str, object]:
    """The search box that links `subject` (an initiative or a goal) to the other side.

    Shown to the security team only; the search and link views check that again.
    """
    user: User = context["request"].user  # the pages showing the box are behind the login
    if isinstance(subject, Goal):
        side, url = "goal", reverse("alignment:initiative-search", args=[subject.pk])
    else:
        side, url = "initiative", reverse("alignment:goal-search", args=[subject.pk])
    return {
        "show": roles.is_ciso(user),
        "subject": subject,
        "side": side,
        "search_url": url,
        "q": "",
        "results": None,
    }
