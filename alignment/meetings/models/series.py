"""Meetings: recurring series, their occurrences, attendees, answers, decisions and actions.

A series is defined in local wall time (first start + IANA zone + RRULE); occurrences are
materialised ahead of time by alignment/meetings/materialise.py and stored in UTC. An
occurrence keeps the start the rule gave it (`original_start`, its RECURRENCE-ID in
calendars) beside its actual start, so a single meeting can be moved without losing
which instance of the rule it is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alignment.meetings.models.profiles import (
    default_time_zone,
    validate_lead_minutes,
    validate_timezone,
)
from alignment.meetings.recurrence import RuleError, Schedule, describe, normalise
from alignment.outbox import mail_domain
from departments import roles
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEFAULT_LEADS = [1440, 60]  # one day and one hour before


def default_leads() -> list[int]:
    return list(DEFAULT_LEADS)


def new_uid() -> str:
    return f"{uuid.uuid4()}@{mail_domain()}"


class MeetingKind(models.TextChoices):
    ONE_ON_ONE = "one_on_one", "One-on-one"
    JOINT = "joint", "Joint meeting of department heads"
    SENIOR = "senior", "Senior leadership"


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class MeetingSeriesQuerySet(models.QuerySet["MeetingSeries"]):
    def visible_to(self, user: User) -> MeetingSeriesQuerySet:
        """Security team, executives and administrators see every series; others theirs."""
        if roles.reads_everything(user):
            return self
        return self.filter(Q(organiser=user) | Q(attendees__user=user)).distinct()

    def active(self) -> MeetingSeriesQuerySet:
        return self.filter(active=True)

    def with_cadence(
        self, *, days: int = 90, now: dt.datetime | None = None
    ) -> MeetingSeriesQuerySet:
        """Annotate a one-on-one's cadence over the meetings due in the last `days`, in one
        query (a counting subquery each, so the counts stay exact):

        - `planned`: every meeting due, cancelled ones included;
        - `held`: recorded as held (`held_condition`: attendance or minutes);
        - `no_shows`: attendance taken and nobody but the organiser came;
        - `cancelled`: cancelled;
        - `unrecorded` is what is left (a property of the series).
        """
        now = now or timezone.now()
        due = Occurrence.objects.filter(
            series=OuterRef("pk"), start__gte=now - dt.timedelta(days=days), end__lte=now
        )
        scheduled = due.filter(status=OccurrenceStatus.SCHEDULED)
        return self.annotate(
            planned=_count(due),
            held=_count(scheduled.filter(held_condition())),
            no_shows=_count(scheduled.filter(no_show_condition())),
            cancelled=_count(due.filter(status=OccurrenceStatus.CANCELLED)),
        )


def _count(occurrences: models.QuerySet[Occurrence]) -> Coalesce:
    rows = occurrences.order_by().values("series").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), Value(0))


class MeetingSeries(models.Model):
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    title = models.CharField(max_length=200)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_series"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_series",
        help_text="For a one-on-one: the leader's department, whose data fills the agenda.",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="one_on_one_series",
        help_text="For a one-on-one: the key leader the organiser meets.",
    )
    rule = models.CharField("recurrence rule", max_length=300)
    start_date = models.DateField("first meeting on")
    start_time = models.TimeField("at (local time)")
    time_zone = models.CharField(
        "time zone", max_length=64, default=default_time_zone, validators=[validate_timezone]
    )
    duration_minutes = models.PositiveIntegerField(
        "duration (minutes)", default=45, validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    reminder_leads = models.JSONField(
        "reminder lead times (minutes)", default=default_leads, validators=[validate_lead_minutes]
    )
    active = models.BooleanField(default=True)
    # The calendar identity: one UID per series, raised SEQUENCE per significant change; a
    # change moving the whole series ends the UID, a new one runs from `uid_since` (invites.py).
    uid = models.CharField(max_length=255, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    uid_since = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Work left to the worker (alignment/meetings/materialise.py): a change too big to
    # materialise inside the request is recorded here, in the change's own transaction,
    # and the worker brings the meetings and reminders in line, a short transaction per
    # window. Whether that change also dropped the future meetings' own overrides.
    materialise_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    materialise_drop_overrides = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["materialise_requested_at", "materialise_drop_overrides"]
    )

    objects = MeetingSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name_plural = "meeting series"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MeetingKind.values), name="series_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=720),
                name="series_duration_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MeetingKind.ONE_ON_ONE)
                | (Q(department__isnull=False) & Q(leader__isnull=False)),
                name="series_one_on_one_has_leader",
            ),
            models.CheckConstraint(condition=~Q(rule=""), name="series_rule_set"),
            models.CheckConstraint(condition=~Q(time_zone=""), name="series_timezone_set"),
            # One active one-on-one per organiser, leader and department: the one-click
            # "schedule one-on-ones" can run twice without doubling anything.
            models.UniqueConstraint(
                fields=["organiser", "leader", "department"],
                condition=Q(kind=MeetingKind.ONE_ON_ONE, active=True),
                name="series_one_active_one_on_one",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alignment:series-detail", args=[self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def first_start_local(self) -> dt.datetime:
        """The first meeting's start, naive, in the series' zone."""
        return dt.datetime.combine(self.start_date, self.start_time)

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.rule, self.first_start_local, self.time_zone)

    @property
    def unrecorded(self) -> int:
        """Of the meetings counted by `with_cadence`: over, not cancelled, and nothing
        recorded (neither attendance nor minutes)."""
        counts = [getattr(self, name, 0) for name in ("planned", "held", "no_shows", "cancelled")]
        return max(0, counts[0] - sum(counts[1:]))

    @property
    def recurrence_text(self) -> str:
        return describe(self.rule, self.start_date)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == MeetingKind.ONE_ON_ONE and (not self.department_id or not self.leader_id):
            errors["leader"] = "A one-on-one names the leader and their department."
        # A field that failed its own validation keeps the raw value (None, "") here, as
        # full_clean() calls clean() all the same: the field types do not say so.
        if all((self.time_zone, self.start_date, self.start_time, self.rule)):
            try:
                validate_timezone(self.time_zone)
                self.rule = normalise(
                    self.rule, first_start=self.first_start_local, tz=self.time_zone
                )
            except RuleError as error:
                errors["rule"] = str(error)
            except ValidationError:
                pass  # reported on the field itself
        if errors:
            raise ValidationError(errors)


def get_series_for(user: User, pk: int, *, write: bool = False) -> MeetingSeries:
    """The series, or 404 if the user may not see it, or 403 if they may not change it."""
    series = get_object_or_404(
        MeetingSeries.objects.select_related("organiser", "department", "leader"), pk=pk
    )
    if not MeetingSeries.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404("No such meeting series.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team schedules meetings.")
    return series


class SeriesAttendee(models.Model):
    """Someone invited to every meeting of a series: a user, or a guest by email."""

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_attendances",
    )
    email = models.EmailField(blank=True, help_text="For a guest without a login.")
    name = models.CharField(max_length=120, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="attendee_user_or_email"
            ),
            models.UniqueConstraint(
                fields=["series", "user"],
                condition=Q(user__isnull=False),
                name="attendee_user_once_per_series",
            ),
            models.UniqueConstraint(
                fields=["series", "email"],
                condition=~Q(email=""),
                name="attendee_email_once_per_series",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def address(self) -> str:
        return self.user.email if self.user is not None else self.email

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return self.name or self.email

    @property
    def is_organiser(self) -> bool:
        return self.user_id is not None and self.user_id == self.series.organiser_id


class OccurrenceQuerySet(models.QuerySet["Occurrence"]):
    def visible_to(self, user: User) -> OccurrenceQuerySet:
        if roles.reads_everything(user):
            return self
        visible = MeetingSeries.objects.visible_to(user).values("pk")
        return self.filter(series__in=visible)

    def scheduled(self) -> OccurrenceQuerySet:
        return self.filter(status=OccurrenceStatus.SCHEDULED)

    def upcoming(self, *, days: int = 14, now: dt.datetime | None = None) -> OccurrenceQuerySet:
        """Scheduled meetings that have not ended and start within `days`."""
        now = now or timezone.now()
        return self.scheduled().filter(end__gt=now, start__lt=now + dt.timedelta(days=days))

    def over(self, *, now: dt.datetime | None = None) -> OccurrenceQuerySet:
        """Scheduled (not cancelled) meetings that have ended: held, missed or unrecorded."""
        return self.scheduled().filter(end__lte=now or timezone.now())

    def held(self, *, now: dt.datetime | None = None) -> OccurrenceQuerySet:
        """Meetings that took place, as recorded: someone besides the organiser was marked
        present, or (attendance not taken) minutes were written."""
        return self.over(now=now).filter(held_condition())

    def no_shows(self, *, now: dt.datetime | None = None) -> OccurrenceQuerySet:
        """Over, attendance taken, and nobody but the organiser came."""
        return self.over(now=now).filter(no_show_condition())

    def not_started(self, *, now: dt.datetime | None = None) -> OccurrenceQuerySet:
        return self.filter(start__gt=now or timezone.now())


class Occurrence(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="occurrences")
    # The start the rule gave this meeting (UTC): its RECURRENCE-ID; never changes.
    original_start = models.DateTimeField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED
    )
    # Moved or cancelled on its own: a later change of the series leaves it alone.
    overridden = models.BooleanField(default=False)
    agenda = models.JSONField(default=dict, blank=True)
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(blank=True)
    # The organiser (or the security team) marks the minutes final: they are emailed to
    # the attendees once (alignment/meetings/after.py) and read-only from then on.
    minutes_final_at = models.DateTimeField(null=True, blank=True)
    minutes_final_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"], name="occurrence_once_per_rule_instance"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="occurrence_ends_after"),
            models.CheckConstraint(
                condition=Q(status__in=OccurrenceStatus.values), name="occurrence_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(minutes_final_at__isnull=True)
                | Q(status=OccurrenceStatus.SCHEDULED, minutes_final_at__gte=F("start")),
                name="occurrence_minutes_final_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["start"], name="occurrence_start_idx"),
            models.Index(  # the moved or cancelled meetings: what the calendar feed reads
                fields=["series"],
                name="occurrence_exception_idx",
                condition=Q(status=OccurrenceStatus.CANCELLED) | Q(overridden=True),
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start, self.series.zone)
        return f"{self.series.title}, {local:%d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:meeting-detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def is_moved(self) -> bool:
        return self.overridden and not self.is_cancelled

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return self.start <= (now or timezone.now())

    @property
    def local_start(self) -> dt.datetime:
        return timezone.localtime(self.start, self.series.zone)

    @property
    def minutes_are_final(self) -> bool:
        return self.minutes_final_at is not None

    def has_content(self) -> bool:
        """Minutes, decisions or action items: what must not vanish with a rescheduling."""
        return bool(self.minutes.strip()) or self.decisions.exists() or self.action_items.exists()


class Attendance(models.Model):
    """Whether one person of the series was at one meeting, as the notes-taker recorded it.

    A meeting counts as held when its attendance or its minutes were recorded
    (`MeetingSeriesQuerySet.with_cadence`); recorded with nobody but the organiser
    present, it is a no-show.
    """

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="attendance")
    attendee = models.ForeignKey(
        SeriesAttendee, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurrence", "attendee"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "attendee"], name="attendance_once_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attendee}: {'present' if self.present else 'absent'}"


def _attendance_taken() -> Exists:
    return Exists(Attendance.objects.filter(occurrence=OuterRef("pk")))


def _someone_came() -> Exists:
    """Someone besides the organiser was marked present."""
    return Exists(
        Attendance.objects.filter(occurrence=OuterRef("pk"), present=True).exclude(
            attendee__user_id=OuterRef("series__organiser_id")
        )
    )


def held_condition() -> Q:
    """On Occurrence rows: someone besides the organiser was marked present, or (attendance
    not taken) minutes were written."""
    return Q(_someone_came()) | (~Q(_attendance_taken()) & ~Q(minutes=""))


def no_show_condition() -> Q:
    """Attendance taken, and nobody but the organiser was there."""
    return Q(_attendance_taken()) & ~Q(_someone_came())


def get_occurrence_for(user: User, pk: int, *, write: bool = False) -> Occurrence:
    """The meeting, 404 if the user may not see it; `write` (move, cancel): security team."""
    occurrence = get_object_or_404(
        Occurrence.objects.select_related(
            "series__organiser", "series__department", "series__leader"
        ),
        pk=pk,
    )
    if not Occurrence.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404("No such meeting.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team moves or cancels meetings.")
    return occurrence


def may_take_notes(user: User, occurrence: Occurrence) -> bool:
    """Minutes, decisions and action items: the security team and the series' attendees."""
    if roles.is_ciso(user):
        return True
    return occurrence.series.attendees.filter(user=user).exists()


def get_occurrence_to_note(user: User, pk: int) -> Occurrence:
    occurrence = get_occurrence_for(user, pk)
    if not may_take_notes(user, occurrence):
        raise PermissionDenied("Only the people in this meeting write its notes.")
    return occurrence
