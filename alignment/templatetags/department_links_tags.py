"""Which security initiatives touch a department's goals, for the department page.

`{% goal_links goal %}` (alignment_tags) costs one query per goal; a page listing a whole
department uses `{% department_links department %}` instead: one query for every visible
link of the department's goals, grouped by goal in the template.
"""

from __future__ import annotations

from typing import Any

from django import template

from alignment.models import AlignmentLink

register = template.Library()


@register.inclusion_tag("alignment/_department_links.html", takes_context=True)
def department_links(context: dict[str, Any], department: Any) -> dict[str, Any]:
    user = context["request"].user
    links = (
        AlignmentLink.objects.visible_to(user)
        .filter(goal__department=department)
        .select_related("initiative", "goal")
        # Grouped by goal in the department page's goal order; conflicts first in a group.
        .order_by("goal__due_date", "goal__title", "goal_id", "relation", "initiative__title")
    )
    return {"links": links, "department": department}
