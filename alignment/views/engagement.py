"""The stakeholder engagement map, for the security team only: the matrix, the
influence/interest grid, the movement between two dates, a leader's page, and the panel
that records a reading in place on a meeting page.

Every view refuses anyone outside the security team (403) before it looks anything up;
the meeting page gets its panel from `meeting_panel`, which gives others nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from alignment import engagement
from alignment.forms.engagement import AsOfForm, MovementForm, ReadingForm, seed_from
from alignment.meetings.models import Occurrence, get_occurrence_for
from alignment.models import Agreement, ImpactAssessment, ReadingSource, StakeholderReading
from departments import roles
from departments.http import (
    HtmxHttpRequest,
    form_status,
    is_fragment,
    page_of,
    require_security_team,
    template_for,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PRIVATE = "The stakeholder engagement map is for the security team only."
MATRIX = "alignment/engagement_matrix.html"
GRID = "alignment/engagement_grid.html"
MOVEMENT = "alignment/engagement_movement.html"
LEADER = "alignment/engagement_leader.html"
MEETING = "alignment/engagement_meeting.html"
PANEL = "alignment/_engagement_meeting.html#engagement-meeting"
HISTORY_SIZE = 100


def _map_page(request: HtmxHttpRequest, template: str, partial: str) -> HttpResponse:
    """The matrix or the grid as recorded by the end of ?on= (today by default)."""
    require_security_team(request.user, PRIVATE)
    form = AsOfForm(request.GET or None)
    on = form.cleaned_data["on"] if form.is_valid() else timezone.localdate()
    context: dict[str, object] = {"form": form, "on": on}
    if template == MATRIX:  # a page of leaders at a time; the grid places every one
        page = page_of(request, engagement.leaders())
        rows = engagement.engagement_map(on, people=page.object_list)
        context["page"] = page
    else:
        rows = engagement.engagement_map(on)
    context["rows"] = rows
    context |= {"read": [r for r in rows if r.reading]}
    context |= {"grid": engagement.influence_grid(rows), "levels": engagement.LEVELS}
    template = template_for(request, template, partial)
    return render(request, template, context, status=form_status(form))


@require_GET
@vary_on_headers("HX-Request")
def engagement_matrix(request: HtmxHttpRequest) -> HttpResponse:
    """Current against desired engagement, per leader."""
    return _map_page(request, MATRIX, "engagement-matrix")


@require_GET
@vary_on_headers("HX-Request")
def engagement_grid(request: HtmxHttpRequest) -> HttpResponse:
    """Leaders by influence and interest."""
    return _map_page(request, GRID, "engagement-grid")


@require_GET
@vary_on_headers("HX-Request")
def engagement_movement(request: HtmxHttpRequest) -> HttpResponse:
    """How each leader moved between ?from= and ?to=."""
    require_security_team(request.user, PRIVATE)
    form = MovementForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    start, end = (form.fields["from"].initial, form.fields["to"].initial)
    if form.is_bound and valid:
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
    moves = engagement.movement(start, end) if valid else []
    context = {"form": form, "start": start, "end": end, "moves": moves}
    template = template_for(request, MOVEMENT, "engagement-movement")
    return render(request, template, context, status=form_status(form))


def _answers(leader: User) -> list[ImpactAssessment]:
    """The answered assessments of the departments this leader heads: possible sources."""
    return list(
        ImpactAssessment.objects.filter(department__head=leader)
        .exclude(head_agreement=Agreement.PENDING)
        .select_related("department", "initiative")
        .order_by("-head_answered_at")[:50]
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def engagement_leader(request: HtmxHttpRequest, leader_id: int) -> HttpResponse:
    """A leader's history and signals; a new reading is recorded here, never an edit."""
    require_security_team(request.user, PRIVATE)
    leader = engagement.get_leader(leader_id)
    if leader is None:
        raise Http404("No such leader.")
    latest = engagement.latest_for([leader]).get(leader.pk)
    reading = StakeholderReading(leader=leader, recorded_by=request.user)
    reading.department = engagement.default_department(leader)
    answers = _answers(leader)
    form = ReadingForm(
        request.POST or None, instance=reading, initial=seed_from(latest), assessments=answers
    )
    if request.method == "POST" and form.is_valid():
        reading.assessment = form.cleaned_data.get("assessment")
        reading.source = ReadingSource.ASSESSMENT if reading.assessment else ReadingSource.OTHER
        form.save()
        if not is_fragment(request):
            messages.success(request, f"Engagement of {_name(leader)} recorded.")
            return redirect("alignment:engagement-leader", leader_id=leader.pk)
        latest = reading
        form = ReadingForm(initial=seed_from(reading), assessments=answers)
    history = leader.engagement_readings.select_related(
        "occurrence__series", "assessment__initiative"
    )
    signals = engagement.signals_for([leader], now=reading.recorded_at)[leader.pk]
    context: dict[str, object] = {"leader": leader, "latest": latest, "form": form}
    context |= {"signals": signals}
    context |= {"history": history.select_related("recorded_by")[:HISTORY_SIZE]}
    context |= {"departments": engagement.departments_of(leader)}
    template = template_for(request, LEADER, "engagement-leader")
    return render(request, template, context, status=form_status(form))


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@dataclass
class MeetingPanel:
    """What the meeting page's engagement panel shows: the leaders in the meeting with
    their latest reading, and the form for a new one."""

    occurrence: Occurrence
    rows: list[tuple[User, StakeholderReading | None]]
    form: ReadingForm
    recorded: StakeholderReading | None = None


def _panel(
    occurrence: Occurrence,
    data: QueryDict | None = None,
    recorded: StakeholderReading | None = None,
) -> MeetingPanel:
    people = engagement.meeting_leaders(occurrence)
    latest = engagement.latest_for(people)
    # One leader (a one-on-one): start from their latest reading.
    initial = seed_from(latest.get(people[0].pk)) if len(people) == 1 else {}
    form = ReadingForm(data, leaders=people, initial=initial)
    return MeetingPanel(occurrence, [(p, latest.get(p.pk)) for p in people], form, recorded)


def meeting_panel(user: User, occurrence: Occurrence) -> MeetingPanel | None:
    """The panel for the meeting page: None for anyone outside the security team; built
    only when the page shows it (not for each autosave of the minutes)."""
    if not roles.is_ciso(user):
        return None
    return SimpleLazyObject(lambda: _panel(occurrence))  # type: ignore[return-value]


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def engagement_meeting(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """Record a reading of a leader in this meeting, in place on the meeting page."""
    require_security_team(request.user, PRIVATE)
    occurrence = get_occurrence_for(request.user, occurrence_id)
    panel = _panel(occurrence, request.POST if request.method == "POST" else None)
    if request.method == "POST" and panel.form.is_valid():
        reading = _record(request.user, occurrence, panel)
        if reading is not None and not is_fragment(request):
            messages.success(request, f"Engagement of {_name(reading.leader)} recorded.")
            return redirect(occurrence)
        if reading is not None:
            panel = _panel(occurrence, recorded=reading)
    context = {"engagement": panel, "occurrence": occurrence}
    template = PANEL if is_fragment(request) else MEETING
    return render(request, template, context, status=form_status(panel.form))


def _record(user: User, occurrence: Occurrence, panel: MeetingPanel) -> StakeholderReading | None:
    """Save the panel's valid form as a new reading; None when the meeting has no leader."""
    form = panel.form
    leader = form.chosen_leader() or (panel.rows[0][0] if len(panel.rows) == 1 else None)
    if leader is None:
        form.add_error(None, "Nobody in this meeting leads a department.")
        return None
    reading = form.save(commit=False)
    reading.leader, reading.recorded_by = leader, user
    reading.source, reading.occurrence = ReadingSource.MEETING, occurrence
    reading.department = engagement.default_department(leader, occurrence)
    reading.save()
    return reading
