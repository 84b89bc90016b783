"""Each user's own settings: time zone, reminder lead times, and the calendar-feed token."""

from __future__ import annotations

import secrets
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import receiver

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
    # The secret in the calendar-feed URL; replacing it revokes every copy of the old URL.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(feed_token=""), name="profile_feed_token"),
            models.CheckConstraint(condition=~models.Q(time_zone=""), name="profile_timezone_set"),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def leads_for(self, series_leads: list[int]) -> list[int]:
        """The lead times this user wants for a series that offers `series_leads`."""
        return list(series_leads) if self.use_series_leads else list(self.reminder_leads)

    def revoke_feed(self) -> None:
        self.feed_token = new_feed_token()
        self.save(update_fields=["feed_token", "updated_at"])


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
