"""Guessing one user's password from many addresses: slowed down, never blocked.

django-axes locks an address out for one username after AXES_FAILURE_LIMIT failures
(AXES_LOCKOUT_PARAMETERS): the attacker's address, not the user, who logs in from
elsewhere. An attacker with many addresses is slowed instead: once a username has
LOGIN_SLOW_AFTER failures within the cool-off time, from all addresses together, every
attempt at it waits LOGIN_SLOW_STEP seconds per further failure, at most
LOGIN_SLOW_MAX_SECONDS, before the password is checked. The user still logs in, a few
seconds later; the attacker's guesses cost time. The admin sees the failures and lifts
a lockout under Axes › Access attempts (deleting the row).
"""

from __future__ import annotations

import datetime as dt
import time

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

# Replaced by tests that record the delay instead of waiting it.
sleep = time.sleep


def recent_failures(username: str, *, now: dt.datetime | None = None) -> int:
    """Failed logins for `username` within the cool-off time, from every address."""
    since = (now or timezone.now()) - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def delay_for(username: str) -> float:
    """Seconds the next attempt at `username` waits (0 below the threshold)."""
    if not username:
        return 0.0
    beyond = recent_failures(username) - settings.LOGIN_SLOW_AFTER
    if beyond < 0:
        return 0.0
    return min(settings.LOGIN_SLOW_MAX_SECONDS, settings.LOGIN_SLOW_STEP * (beyond + 1))


def slow_down(username: str) -> float:
    """Wait before checking a password for `username`, if it is under attack."""
    delay = delay_for(username[:150])
    if delay:
        sleep(delay)
    return delay
