"""Each user's own settings: time zone, working hours, reminder lead times, and the
calendar-feed token."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver

from alignment.models.notices import Delivery

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

# The session remembers the user's zone, so that activating it costs no query per request
# (alignment/meetings/middleware.py reads it; login and the profile page write it).
SESSION_TIMEZONE_KEY = "mom_timezone"

# Lead times a user can choose, in minutes.
LEAD_CHOICES = [
    (10080, "1 week before"),
    (2880, "2 days before"),
    (1440, "1 day before"),
    (240, "4 hours before"),
    (60, "1 hour before"),
    (30, "30 minutes before"),
    (15, "15 minutes before"),
]
MAX_LEAD_MINUTES = 60 * 24 * 28

# Working days as a bit mask, bit 0 = Monday … bit 6 = Sunday (date.weekday()).
WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
# How many days before an action item's due date its owner is reminded (0: never).
ACTION_REMINDER_CHOICES = [
    (0, "never before the due date"),
    (1, "1 day before it is due"),
    (2, "2 days before it is due"),
    (7, "1 week before it is due"),
]
MAX_ACTION_REMINDER_DAYS = 14


# The profile field that holds the person's choice for each kind of notice.
NOTICE_FIELDS = (
    "notify_assessments",
    "notify_budgets",
    "notify_commitments",
    "notify_disagreements",
    "notify_requests",
)


def delivery_field(label: str) -> models.CharField[str, str]:
    return models.CharField(label, max_length=10, choices=Delivery.choices, default=Delivery.NOW)


MONDAY_TO_FRIDAY = 0b0011111
ALL_DAYS = 0b1111111


def days_mask(weekdays: list[int]) -> int:
    """[0, 2] (Monday, Wednesday) → 0b101."""
    return sum(1 << day for day in set(weekdays))


def mask_days(mask: int) -> list[int]:
    """0b101 → [0, 2]."""
    return [day for day, _name in WEEKDAY_CHOICES if mask & (1 << day)]


@cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError("%(value)s is not an IANA time zone.", params={"value": value})


def validate_lead_minutes(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise ValidationError("Lead times are a list of whole minutes.")
    if any(v <= 0 or v > MAX_LEAD_MINUTES for v in value):
        raise ValidationError("A lead time is between 1 minute and 4 weeks.")
    if len(set(value)) != len(value):
        raise ValidationError("A lead time appears twice.")


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_profile"
    )
    time_zone = models.CharField(
        "time zone", max_length=64, default=default_time_zone, validators=[validate_timezone]
    )
    use_series_leads = models.BooleanField(
        "use each meeting's own reminder times",
        default=True,
        help_text="Off: you get reminders only at the times you choose below.",
    )
    reminder_leads = models.JSONField(
        "my reminder times", default=list, blank=True, validators=[validate_lead_minutes]
    )
    # Meetings are scheduled inside these, in the user's own zone (alignment/meetings/slots.py).
    work_start_hour = models.PositiveSmallIntegerField(
        "working day starts at", default=9, validators=[MaxValueValidator(23)]
    )
    work_end_hour = models.PositiveSmallIntegerField(
        "working day ends at", default=17, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    work_days = models.PositiveSmallIntegerField(
        "working days",
        default=MONDAY_TO_FRIDAY,
        validators=[MinValueValidator(1), MaxValueValidator(ALL_DAYS)],
        help_text="A bit per weekday, Monday the lowest.",
    )
    # Reminders of the action items this user owns (alignment/meetings/after.py).
    action_reminder_days = models.PositiveSmallIntegerField(
        "remind me of my action items",
        choices=ACTION_REMINDER_CHOICES,
        default=2,
        validators=[MaxValueValidator(MAX_ACTION_REMINDER_DAYS)],
    )
    overdue_reminders = models.BooleanField(
        "email me when one of my action items becomes overdue", default=True
    )
    # A calendar the user publishes (ICS): its events count as busy when meetings are
    # scheduled (alignment/meetings/busy.py fetches it, only from allowed hosts).
    busy_calendar_url = models.URLField(
        "my published calendar (ICS address)",
        max_length=500,
        blank=True,
        help_text="Its events count as busy when meetings are scheduled. Only addresses on "
        "the hosts your administrator allows are fetched.",
    )
    # What awaits this person, told by email at once, in the weekly digest or not at all.
    notify_assessments = delivery_field("an impact assessment awaits my answer")
    notify_budgets = delivery_field("a friction budget proposal awaits my answer")
    notify_commitments = delivery_field("a delivered commitment awaits my confirmation")
    notify_disagreements = delivery_field("a head disagrees with an impact assessment")
    notify_requests = delivery_field("a department asks the security team for something")
    # The secret in the calendar-feed URL; replacing it revokes every copy of the old URL.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(feed_token=""), name="profile_feed_token"),
            models.CheckConstraint(condition=~models.Q(time_zone=""), name="profile_timezone_set"),
            models.CheckConstraint(
                condition=models.Q(work_start_hour__gte=0, work_start_hour__lte=23)
                & models.Q(work_end_hour__gte=1, work_end_hour__lte=24),
                name="profile_work_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(work_end_hour__gt=models.F("work_start_hour")),
                name="profile_work_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(work_days__gte=1, work_days__lte=ALL_DAYS),
                name="profile_work_days_set",
            ),
            models.CheckConstraint(
                condition=models.Q(action_reminder_days__lte=MAX_ACTION_REMINDER_DAYS),
                name="profile_action_reminder_days_range",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__in": Delivery.values}),
                    name=f"profile_{name}_valid",
                )
                for name in NOTICE_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self) -> None:
        try:
            backwards = self.work_end_hour <= self.work_start_hour
        except TypeError:  # a field that failed its own validation (None): reported there
            return
        if backwards:
            raise ValidationError({"work_end_hour": "The working day ends after it starts."})

    def works_during(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether [start, end) lies inside one of this user's working days, in their zone.

        Compared on the local wall clock: "09:00 to 17:00" means what the user's clock
        says, on either side of a daylight-saving change.
        """
        zone = self.zone
        local_start = start.astimezone(zone).replace(tzinfo=None)
        local_end = end.astimezone(zone).replace(tzinfo=None)
        day = local_start.date()
        if not self.work_days & (1 << day.weekday()):
            return False
        midnight = dt.datetime.combine(day, dt.time())
        return midnight + dt.timedelta(
            hours=self.work_start_hour
        ) <= local_start and local_end <= midnight + dt.timedelta(hours=self.work_end_hour)

    def leads_for(self, series_leads: list[int]) -> list[int]:
        """The lead times this user wants for a series that offers `series_leads`."""
        return list(series_leads) if self.use_series_leads else list(self.reminder_leads)

    def revoke_feed(self) -> None:
        self.feed_token = new_feed_token()
        self.save(update_fields=["feed_token", "updated_at"])


class BusyCalendar(models.Model):
    """What a user's published calendar said, as last fetched: busy intervals in UTC.

    `busy` is a list of [start, end] ISO-8601 pairs within the scheduling horizon; an
    empty list with an `error` means the last fetch failed (the previous intervals are
    kept until a fetch succeeds)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="busy_calendar"
    )
    url = models.URLField(max_length=500)
    busy = models.JSONField(default=list, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(url=""), name="busy_calendar_url_set"),
        ]

    def __str__(self) -> str:
        return f"Busy calendar of {self.user}"


def profile_for(user: User) -> UserProfile:
    """The user's profile; an unsaved default one when they never saved theirs.

    Never creates a row: reading a page must not write (and a refused POST must change
    nothing).
    """
    try:
        return user.meeting_profile
    except UserProfile.DoesNotExist:
        return UserProfile(user=user)


@receiver(user_logged_in, dispatch_uid="alignment.remember_timezone")
def remember_timezone(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    """Put the user's zone in the session once, at login."""
    session = getattr(request, "session", None)
    if session is None:
        return
    zone = UserProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    if zone:
        session[SESSION_TIMEZONE_KEY] = zone
    else:
        session.pop(SESSION_TIMEZONE_KEY, None)
