"""The meeting page: agenda, minutes (autosaved), decisions, action items, who comes; and
moving or cancelling one meeting.

One view per action; with HTMX each answers with the fragment it changed (a named
partial of meeting_detail.html), without it with a redirect to the page. The agenda is
the viewer's own (alignment/meetings/agenda_view.py): live until the start, then frozen;
its fragment is fetched again every minute while it is live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from alignment.meetings import after, agenda_view
from alignment.meetings import services as meeting_services
from alignment.meetings.meeting_forms import (
    ActionItemForm,
    AttendanceForm,
    DecisionForm,
    MinutesForm,
    MoveForm,
    ResponseForm,
)
from alignment.meetings.models import (
    Attendance,
    Decision,
    MeetingAnswer,
    Occurrence,
    SeriesAttendee,
    get_action_item_for,
    get_occurrence_for,
    get_occurrence_to_note,
)
from alignment.meetings.models.series import may_take_notes
from alignment.meetings.views.series import AttendanceRow
from alignment.views import engagement as engagement_views
from departments import roles
from departments.http import INVALID_FORM_STATUS, HtmxHttpRequest, is_fragment
from departments.versioning import StaleVersion, save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE = "alignment/meetings/meeting_detail.html"
MOVE = "alignment/meetings/meeting_move.html"


def _owners(occurrence: Occurrence) -> QuerySet[User]:
    """Who can own an action item: the people in the meeting."""
    return get_user_model().objects.filter(meeting_attendances__series=occurrence.series_id)


def _page_context(request: HtmxHttpRequest, occurrence: Occurrence) -> dict[str, object]:
    attendees = (
        SeriesAttendee.objects.filter(series=occurrence.series_id)
        .select_related("user", "series")
        .prefetch_related(Prefetch("answers", queryset=MeetingAnswer.objects.order_by("pk")))
    )
    attendance: list[AttendanceRow] = []
    mine: AttendanceRow | None = None
    present = dict(
        Attendance.objects.filter(occurrence=occurrence).values_list("attendee_id", "present")
    )
    for attendee in attendees:
        answers = {a.occurrence_id: a for a in attendee.answers.all()}
        answer = answers.get(occurrence.pk) or answers.get(None)
        row: AttendanceRow = {"attendee": attendee, "answer": answer, "present": None}
        row["present"] = present.get(attendee.pk)
        attendance.append(row)
        if attendee.user_id == request.user.pk:
            mine = row
    started = occurrence.has_started()
    can_close = (
        started and not occurrence.is_cancelled and after.may_finalise(request.user, occurrence)
    )
    return {
        "occurrence": occurrence,
        "series": occurrence.series,
        # Built only when a template shows it: not for every autosave of the minutes.
        "agenda": SimpleLazyObject(lambda: agenda_view.agenda_for(occurrence, request.user)),
        "decisions": occurrence.decisions.select_related("recorded_by"),
        "items": occurrence.action_items.select_related("owner"),
        "attendance": attendance,
        "mine": mine,
        "can_note": may_take_notes(request.user, occurrence) and not occurrence.minutes_are_final,
        "can_schedule": roles.is_ciso(request.user),
        "started": started,
        # After the start: the organiser (or the security team) takes attendance and
        # marks the minutes final.
        "can_record_attendance": can_close,
        "can_finalise": can_close and not occurrence.minutes_are_final,
        "attendance_taken": bool(present),
        "attendance_form": AttendanceForm(
            attendees=[row["attendee"] for row in attendance],
            initial={"present": [pk for pk, here in present.items() if here]},
        ),
        "minutes_form": MinutesForm(initial={"minutes": occurrence.minutes}),
        "decision_form": DecisionForm(),
        "action_form": ActionItemForm(owners=_owners(occurrence)),
        "today": timezone.localdate(),
        "engagement": engagement_views.meeting_panel(request.user, occurrence),
    }


def render_partial(
    request: HtmxHttpRequest,
    occurrence: Occurrence,
    partial: str,
    status: int = 200,
    **extra: object,
) -> HttpResponse:
    context = _page_context(request, occurrence) | extra
    return render(request, f"{PAGE}#{partial}", context, status=status)


@require_GET
def meeting_detail(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = get_occurrence_for(request.user, occurrence_id)
    return render(request, PAGE, _page_context(request, occurrence))


@require_GET
@vary_on_headers("HX-Request")
def meeting_agenda(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """The agenda as the viewer may see it: the fragment, or the page without HTMX. There
    is nothing to rebuild: it is live until the start and frozen from then on."""
    occurrence = get_occurrence_for(request.user, occurrence_id)
    if is_fragment(request):
        return render_partial(request, occurrence, "agenda")
    return redirect(occurrence)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def meeting_minutes(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """Save the minutes: autosaved a second after typing stops, or with the button."""
    occurrence = get_occurrence_to_note(request.user, occurrence_id)
    if request.method == "GET":
        return redirect(occurrence)
    _refuse_if_final(occurrence)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        if is_fragment(request):
            return render_partial(
                request,
                occurrence,
                "minutes-status",
                status=INVALID_FORM_STATUS,
                minutes_error=True,
            )
        messages.error(request, "The minutes could not be saved: they are too long.")
        return redirect(occurrence)
    occurrence.minutes = form.cleaned_data["minutes"]
    expected = form.cleaned_data["version"]
    try:
        save_versioned(
            occurrence,
            occurrence.version if expected is None else expected,
            update_fields=["minutes", "version", "updated_at"],
        )
    except StaleVersion as stale:
        if is_fragment(request):
            return render_partial(
                request,
                occurrence,
                "minutes-status",
                status=INVALID_FORM_STATUS,
                stale=stale.message,
            )
        messages.error(request, f"The minutes were not saved. {stale.message}")
        return redirect(occurrence)
    if is_fragment(request):
        return render_partial(request, occurrence, "minutes-status", saved_at=timezone.now())
    messages.success(request, "Minutes saved.")
    return redirect(occurrence)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def decision_add(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = get_occurrence_to_note(request.user, occurrence_id)
    if request.method == "GET":
        return redirect(occurrence)
    _refuse_if_final(occurrence)
    form = DecisionForm(request.POST)
    if form.is_valid():
        Decision.objects.create(
            occurrence=occurrence, text=form.cleaned_data["text"], recorded_by=request.user
        )
        form = DecisionForm()
    elif not is_fragment(request):
        messages.error(request, "Write the decision first.")
    if is_fragment(request):
        status = 422 if form.errors else 200
        return render_partial(request, occurrence, "decisions", status=status, decision_form=form)
    return redirect(occurrence)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def action_add(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = get_occurrence_to_note(request.user, occurrence_id)
    if request.method == "GET":
        return redirect(occurrence)
    _refuse_if_final(occurrence)
    owners = _owners(occurrence)
    form = ActionItemForm(request.POST, owners=owners)
    if form.is_valid():
        item = form.save(commit=False)
        item.occurrence = occurrence
        item.created_by = request.user
        item.save()
        form = ActionItemForm(owners=owners)
    elif not is_fragment(request):
        messages.error(request, "The action item needs a title (and a valid owner and date).")
    if is_fragment(request):
        status = 422 if form.errors else 200
        return render_partial(request, occurrence, "action-items", status=status, action_form=form)
    return redirect(occurrence)


def _refuse_if_final(occurrence: Occurrence) -> None:
    if occurrence.minutes_are_final:
        raise PermissionDenied(
            "The minutes of this meeting are final: its minutes, decisions and action items "
            "no longer change (action items can still be ticked done)."
        )


@require_POST
def minutes_final(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """Mark the minutes final: they are emailed to every attendee, once."""
    occurrence = get_occurrence_for(request.user, occurrence_id)
    if not after.may_finalise(request.user, occurrence):
        raise PermissionDenied("The organiser or the security team marks the minutes final.")
    try:
        sent = after.finalise_minutes(occurrence, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "The minutes are final and go out to %(n)d attendee.",
                "The minutes are final and go out to %(n)d attendees.",
                len(sent),
            )
            % {"n": len(sent)},
        )
    return redirect(occurrence)


@require_POST
@vary_on_headers("HX-Request")
def meeting_attendance(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """Record who was there: the ticked attendees present, the others absent."""
    occurrence = get_occurrence_for(request.user, occurrence_id)
    if not after.may_record_attendance(request.user, occurrence):
        raise PermissionDenied("The organiser or the security team takes attendance.")
    attendees = list(SeriesAttendee.objects.filter(series=occurrence.series_id))
    form = AttendanceForm(request.POST, attendees=attendees)
    error = ""
    if form.is_valid():
        try:
            after.record_attendance(occurrence, set(form.cleaned_data["present"]), request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    else:
        error = "Tick only the people of this meeting."
    if is_fragment(request):
        status = INVALID_FORM_STATUS if error else 200
        return render_partial(
            request, occurrence, "attendance", status=status, attendance_error=error
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Attendance recorded.")
    return redirect(occurrence)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def action_toggle(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    """Tick an action item done (or open it again): `done=on` or absent."""
    item = get_action_item_for(request.user, item_id)
    if request.method == "POST":
        done = request.POST.get("done") in ("on", "true", "1")
        if done != item.done:
            item.set_done(done)
            item.save(update_fields=["done", "done_at", "updated_at"])
        if is_fragment(request) and item.occurrence is not None:
            context = _page_context(request, item.occurrence) | {"item": item}
            return render(request, f"{PAGE}#action-item", context)
    return redirect(item.get_absolute_url())


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def meeting_respond(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    """The signed-in attendee's own answer for this meeting."""
    occurrence = get_occurrence_for(request.user, occurrence_id)
    attendee = SeriesAttendee.objects.filter(series=occurrence.series_id, user=request.user).first()
    if attendee is None:
        raise PermissionDenied("Only the people invited answer for this meeting.")
    if request.method == "POST":
        form = ResponseForm(request.POST)
        if form.is_valid() and not occurrence.is_cancelled:
            meeting_services.record_answer(attendee, occurrence, form.cleaned_data["response"])
        if is_fragment(request):
            return render_partial(request, occurrence, "attendance")
    return redirect(occurrence)


@require_http_methods(["GET", "POST"])
def meeting_move(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = get_occurrence_for(request.user, occurrence_id, write=True)
    zone = occurrence.series.zone
    local = occurrence.local_start
    initial = {"start_date": local.date(), "start_time": local.time()}
    form = MoveForm(request.POST or None, zone=zone, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            moved = meeting_services.occurrence_move(occurrence, start=form.cleaned_data["start"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Meeting moved; attendees get the update.")
            return redirect(moved)
    status = INVALID_FORM_STATUS if form.errors else 200
    return render(request, MOVE, {"form": form, "occurrence": occurrence}, status=status)


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HtmxHttpRequest, occurrence_id: int) -> HttpResponse:
    occurrence = get_occurrence_for(request.user, occurrence_id, write=True)
    if request.method == "POST":
        try:
            meeting_services.occurrence_cancel(occurrence)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Meeting cancelled; attendees are told.")
    return redirect(occurrence)
