"""Meetings: series and their occurrences, the meeting page (agenda, minutes, decisions,
action items, answers), answers by signed link, the profile, the calendar feed, the outbox.

Scheduling (series, moving and cancelling meetings) is the security team's; the notes of
a meeting belong to its attendees as well; anyone sees the meetings they attend.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NotRequired, TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment.meetings import busy, feed, invites
from alignment.meetings import scheduling as meeting_setup
from alignment.meetings import services as meeting_services
from alignment.meetings.forms import HandOverForm, ProfileForm, RevokeFeedForm, SeriesForm
from alignment.meetings.handover import handovers as series_handovers
from alignment.meetings.handover import series_hand_over as hand_over
from alignment.meetings.models import (
    MeetingAnswer,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    SeriesAttendee,
    UserProfile,
    get_series_for,
    profile_for,
)
from alignment.meetings.models.profiles import SESSION_TIMEZONE_KEY
from alignment.meetings.models.series import MeetingSeriesQuerySet
from departments import roles
from departments.http import HtmxHttpRequest, form_status, page_of, require_security_team
from departments.versioning import StaleVersion, refuse

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIST = "alignment/meetings/meeting_list.html"
SERIES = "alignment/meetings/series_detail.html"
SERIES_FORM = "alignment/meetings/series_form.html"
UPCOMING_DAYS = 30
UPCOMING_ROWS = 30


SCHEDULING = "Only the security team schedules meetings."


class AttendanceRow(TypedDict):
    """One attendee and their answer for the meeting shown (else for the series)."""

    attendee: SeriesAttendee
    answer: MeetingAnswer | None
    present: NotRequired[bool | None]  # recorded after the meeting; None: not taken


def _series_with_people() -> MeetingSeriesQuerySet:
    return MeetingSeries.objects.select_related(
        "organiser", "department", "leader"
    ).prefetch_related(
        Prefetch(
            "attendees",
            queryset=SeriesAttendee.objects.select_related("user", "series").prefetch_related(
                "answers"
            ),
        )
    )


# The series list's orders (?sort=), each ending in a tie-breaker so pages never overlap.
SERIES_SORTS = {
    "": ("-active", "kind", "title", "pk"),
    "title": ("title", "pk"),
    "people": ("-attendee_count", "title", "pk"),
    "newest": ("-created_at", "-pk"),
}
SERIES_STATES = {"active": True, "cancelled": False}


@require_GET
def meeting_list(request: HtmxHttpRequest) -> HttpResponse:
    """The next 30 days (at most UPCOMING_ROWS meetings) and the series the user may see,
    filtered by kind, state and title, sorted, a page (PAGE_SIZE) at a time."""
    user = request.user
    now = timezone.now()
    upcoming = (
        Occurrence.objects.visible_to(user)
        .filter(end__gt=now, start__lt=now + dt.timedelta(days=UPCOMING_DAYS))
        .select_related("series")
        .only("start", "status", "overridden", "series__title")
        .order_by("start", "pk")[:UPCOMING_ROWS]
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("kind", "state", "q", "sort")}
    series = _series_rows(user, filters)
    context = {
        "upcoming": upcoming,
        "page": page_of(request, series),
        "filters": filters,
        "kinds": MeetingKind.choices,
        "can_schedule": roles.is_ciso(user),
    }
    return render(request, LIST, context)


def _series_rows(user: User, filters: dict[str, str]) -> MeetingSeriesQuerySet:
    """The series `user` may see, with their attendee count, as `filters` ask (a value
    they do not know is ignored), reading only the columns the list shows."""
    people = (
        SeriesAttendee.objects.filter(series=OuterRef("pk"))
        .order_by()
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    series = (
        MeetingSeries.objects.visible_to(user)
        .only("kind", "title", "rule", "start_date", "start_time", "time_zone", "active")
        # A subquery, not Count("attendees"): visible_to() joins the attendees to find the
        # viewer, and a count over that join counts only the viewer.
        .annotate(attendee_count=Coalesce(Subquery(people), 0))
    )
    if filters["kind"] in MeetingKind.values:
        series = series.filter(kind=filters["kind"])
    if filters["state"] in SERIES_STATES:
        series = series.filter(active=SERIES_STATES[filters["state"]])
    if filters["q"]:
        series = series.filter(title__icontains=filters["q"])
    return series.order_by(*SERIES_SORTS.get(filters["sort"], SERIES_SORTS[""]))


@require_http_methods(["GET", "POST"])
def series_create(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, SCHEDULING)
    zone = profile_for(request.user).time_zone
    form = SeriesForm(
        request.POST or None,
        initial={"time_zone": zone, "reminder_leads": [1440, 60]},
        organiser=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = meeting_services.series_create(
                organiser=request.user,
                kind=data["kind"],
                department=data["department"],
                leader=data["leader"],
                users=list(data["attendees"]),
                guests=data["guests"],
                **form.series_changes(),
            )
        except ValidationError as error:  # a rule of the model the form did not foresee
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, f"“{series.title}” is scheduled; invitations are on their way."
            )
            return redirect(series)
    return render(request, SERIES_FORM, {"form": form, "series": None}, status=form_status(form))


@require_GET
def series_detail(request: HtmxHttpRequest, series_id: int) -> HttpResponse:
    series = get_series_for(request.user, series_id)
    return _render_series(request, series, HandOverForm(series=series))


def _render_series(
    request: HtmxHttpRequest, series: MeetingSeries, hand_over_form: HandOverForm
) -> HttpResponse:
    """The series page; with an invalid handover form, its errors and status 422."""
    series = _series_with_people().get(pk=series.pk)
    occurrences = list(series.occurrences.order_by("start"))
    now = timezone.now()
    can_schedule = roles.is_ciso(request.user)
    context = {
        "series": series,
        "upcoming": [o for o in occurrences if o.end > now],
        "past": [o for o in occurrences if o.end <= now][-12:][::-1],
        "attendees": _attendance(series, None),
        "can_schedule": can_schedule,
        "handovers": series_handovers(series),
        # Offered to the security team only; the view that takes it asks again.
        "hand_over_form": hand_over_form if can_schedule else None,
    }
    return render(request, SERIES, context, status=form_status(hand_over_form))


@require_POST
def series_hand_over(request: HtmxHttpRequest, series_id: int) -> HttpResponse:
    """Another member of the security team becomes the organiser (whoever organised it)."""
    series = get_series_for(request.user, series_id, write=True)
    form = HandOverForm(request.POST, series=series)
    if form.is_valid():
        try:
            series = hand_over(
                series,
                to=form.cleaned_data["to"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as stale:
            refuse(form, stale)
        except ValidationError as error:
            form.add_error("to", error)
        else:
            who = form.cleaned_data["to"].get_full_name() or form.cleaned_data["to"].username
            messages.success(request, f"{who} now organises “{series.title}”; everyone is told.")
            return redirect(series)
    return _render_series(request, series, form)


@require_http_methods(["GET", "POST"])
def series_edit(request: HtmxHttpRequest, series_id: int) -> HttpResponse:
    series = get_series_for(request.user, series_id, write=True)
    if not series.active:
        messages.error(request, "This series is cancelled; schedule a new one instead.")
        return redirect(series)
    series = _series_with_people().get(pk=series.pk)
    form = SeriesForm(request.POST or None, instance=series, organiser=series.organiser)
    for name in ("department", "leader"):
        form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.series_change(
                series,
                changes=form.series_changes(),
                users=[u for u in [series.leader, *form.cleaned_data["attendees"]] if u],
                guests=form.cleaned_data["guests"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as stale:
            form.add_error(None, stale.message)
            # Re-rendered on the stored version: saving again, after a look, goes through.
            data = request.POST.copy()
            data["version"] = str(stale.stored_version)
            form.data = data
        except ValidationError as error:  # a rule of the model the form did not foresee
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Series updated; attendees get the new invitation.")
            return redirect(series)
    context = {"form": form, "series": series}
    return render(request, SERIES_FORM, context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def series_cancel(request: HtmxHttpRequest, series_id: int) -> HttpResponse:
    series = get_series_for(request.user, series_id, write=True)
    if request.method == "POST":
        meeting_services.series_cancel(series)
        messages.success(request, f"“{series.title}” is cancelled; attendees are told.")
    return redirect(series)


@require_http_methods(["GET", "POST"])
def schedule_one_on_ones(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, SCHEDULING)
    if request.method == "POST":
        created = meeting_setup.schedule_one_on_ones(organiser=request.user)
        if created:
            count = len(created)
            text = ngettext(
                "%(n)d monthly one-on-one scheduled.", "%(n)d monthly one-on-ones scheduled.", count
            )
            messages.success(request, text % {"n": count})
        unplaced = meeting_setup.leaders_without_one_on_one(request.user)
        if unplaced:
            names = ", ".join(
                f"{leader.get_full_name() or leader.get_username()} ({department.name})"
                for department, leader in unplaced
            )
            messages.warning(
                request,
                f"No time without a clash, inside everyone's working hours, for: {names}. "
                "Nothing was scheduled for them; schedule their one-on-one by hand.",
            )
        elif not created:
            messages.info(request, "Every key leader already has a one-on-one with you.")
    return redirect("alignment:meeting-list")


@require_http_methods(["GET", "POST"])
def schedule_joint_meeting(request: HtmxHttpRequest) -> HttpResponse:
    require_security_team(request.user, SCHEDULING)
    if request.method == "POST":
        series, created = meeting_setup.schedule_joint_meeting(organiser=request.user)
        if series is None:
            messages.warning(
                request,
                "No time in the next weeks suits every head without a clash; "
                "nothing was scheduled. Schedule the joint meeting by hand.",
            )
            return redirect("alignment:meeting-list")
        if not created:
            messages.info(request, "You already have a joint meeting of the heads.")
        return redirect(series)
    return redirect("alignment:meeting-list")


def _attendance(series: MeetingSeries, occurrence: Occurrence | None) -> list[AttendanceRow]:
    """Who comes: each attendee's answer for this meeting, else for the series."""
    rows: list[AttendanceRow] = []
    for attendee in series.attendees.all():
        answers = {a.occurrence_id: a for a in attendee.answers.all()}
        answer = answers.get(occurrence.pk) if occurrence else None
        answer = answer or answers.get(None)
        rows.append({"attendee": attendee, "answer": answer})
    return rows


@require_http_methods(["GET", "POST"])
def profile(request: HtmxHttpRequest) -> HttpResponse:

    current = profile_for(request.user)
    form = ProfileForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if "busy_calendar_url" in form.changed_data:
            busy.address_changed(saved)
        request.session[SESSION_TIMEZONE_KEY] = saved.time_zone
        messages.success(request, "Saved. Times now show in " + saved.time_zone + ".")
        return redirect("alignment:meeting-profile")
    feed_url = None
    if current.pk:
        feed_url = request.build_absolute_uri(
            reverse("alignment:calendar-feed", args=[current.feed_token])
        )
    context = {
        "form": form,
        "feed_url": feed_url,
        "revoke_form": RevokeFeedForm(),
        "busy_calendar": busy.cached(request.user),
    }
    return render(request, "alignment/meetings/profile.html", context, status=form_status(form))


@require_http_methods(["GET", "POST"])
def feed_revoke(request: HtmxHttpRequest) -> HttpResponse:
    """A new secret for the calendar feed (the old address stops working at once)."""
    if request.method == "POST" and RevokeFeedForm(request.POST).is_valid():
        current, created = UserProfile.objects.get_or_create(user=request.user)
        if not created:
            current.revoke_feed()
        messages.success(request, "Your calendar has a new address; the old one no longer works.")
    elif request.method == "POST":
        messages.error(request, "Tick the box to confirm: the old address will stop working.")
    return redirect("alignment:meeting-profile")


@login_not_required
@cache_control(private=True, no_cache=True)  # kept by the client, asked again each time
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """All of a user's meetings as iCalendar, at a secret address that needs no login;
    304 Not Modified to a poll whose ETag (or Last-Modified) is still current."""
    owner = get_object_or_404(UserProfile.objects.select_related("user"), feed_token=token)
    if not owner.user.is_active:
        raise Http404("No such calendar.")
    current = feed.current(owner.user)
    response = HttpResponse(current.body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    response["ETag"] = quote_etag(current.etag)
    response["Last-Modified"] = http_date(current.last_modified.timestamp())
    last_modified = int(current.last_modified.timestamp())
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    return conditional or response  # with a response given, Django returns one


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def meeting_answer(request: HttpRequest, token: str) -> HttpResponse:
    """Accept or decline from an email link: no login, one recipient, expiring.

    GET shows what the link does and asks to confirm; only the POST records it, so a
    mail scanner following links cannot answer for anyone.
    """
    try:
        payload = invites.read_answer_token(token)
    except signing.SignatureExpired:
        return render(request, "alignment/meetings/answer.html", {"expired": True}, status=410)
    except signing.BadSignature as error:
        raise Http404("No such answer link.") from error
    attendee = get_object_or_404(
        SeriesAttendee.objects.select_related("series", "user"), pk=payload["a"]
    )
    occurrence = None
    if payload["o"] is not None:
        occurrence = get_object_or_404(Occurrence, pk=payload["o"], series=attendee.series)
    context: dict[str, object] = {
        "attendee": attendee,
        "series": attendee.series,
        "occurrence": occurrence,
        "response": payload["r"],
    }
    # A link outlives what it answers: a cancelled meeting or series takes no answer.
    if not attendee.series.active or (occurrence is not None and occurrence.is_cancelled):
        context["cancelled"] = True
        return render(request, "alignment/meetings/answer.html", context, status=410)
    if request.method == "POST":
        try:
            meeting_services.record_answer(attendee, occurrence, payload["r"])
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            context["done"] = True
    return render(request, "alignment/meetings/answer.html", context)
