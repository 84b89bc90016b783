"""Sharing a joint meeting's department item with all its heads (or no longer).

Without a share a head sees the other departments of a joint agenda as figures only;
the security team may share one conflict, goal or impact assessment in full with every
head of the series (alignment/meetings/agenda_view.py shows it). Only while the agenda is
live: from the start it is frozen with the shares it had.

The share is the series' (a JointShare row), so it holds for its later meetings too.
With HTMX the answer is the agenda fragment (its errors in place, status 422), without
it a redirect to the meeting page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from alignment.meetings import agenda, agenda_view
from alignment.meetings.meeting_forms import NOT_ON_AGENDA, ShareForm
from alignment.meetings.models import Occurrence, get_occurrence_for
from alignment.meetings.views.occurrences import render_partial
from departments.http import (
    INVALID_FORM_STATUS,
    HtmxHttpRequest,
    is_fragment,
    require_security_team,
)

STARTED = (
    "This meeting has started: its agenda is frozen as it stood then, "
    "so what it shares can no longer change."
)


def _refused(request: HtmxHttpRequest, occurrence: Occurrence, error: str) -> HttpResponse:
    if is_fragment(request):
        return render_partial(
            request, occurrence, "agenda", status=INVALID_FORM_STATUS, share_error=error
        )
    messages.error(request, error)
    return redirect(occurrence)


@require_POST
def agenda_share(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """Share (`shared=true`) or stop sharing the agenda item `item` of a joint meeting."""
    occurrence = get_occurrence_for(request.user, occurrence_id)
    require_security_team(request.user, "Only the security team shares agenda items.")
    if occurrence.has_started():
        return _refused(request, occurrence, STARTED)
    # Only a joint agenda's items have keys; what is on it is checked against today's
    # data. A meeting starting between this check and the write is an accepted race: its
    # frozen agenda keeps what it read, the share holds for the series' next meetings.
    live = agenda_view.current_agenda(occurrence)
    form = ShareForm(request.POST, keys=agenda.item_keys(live))
    if not form.is_valid():
        return _refused(request, occurrence, NOT_ON_AGENDA)  # the form's one error
    shared: bool = form.cleaned_data["shared"]
    agenda.set_shared(occurrence.series, form.cleaned_data["item"], shared=shared, by=request.user)
    if is_fragment(request):
        return render_partial(request, occurrence, "agenda")
    messages.success(
        request, "Shared with all heads." if shared else "No longer shared with all heads."
    )
    return redirect(occurrence)
