"""Small presentation helpers of the meeting pages."""

from __future__ import annotations

from django import template

from alignment.meetings.models.outbox import lead_text

register = template.Library()


@register.filter
def lead_time(minutes: int) -> str:
    """A reminder's lead time in words: 90 → '90 minutes', 1440 → '1 day'."""
    return lead_text(int(minutes))
