"""How often beat opens a programme review: the security team's choice, kept where beat
reads it — the crontab of the one PeriodicTask "Open the quarter's programme review"
(django-celery-beat, created by migration 0007; looked up by name, never doubled).

The security team chooses a frequency, a day of the month (1–28, so that every month has
it) and an hour, in the organisation's time zone (settings.TIME_ZONE); the crontab is
stored with that zone, so 06:00 stays 06:00 for the people reading the email across a
daylight-saving change.

A review still covers a quarter (`ProgrammeReview.period` is the quarter's first day,
unique), whatever the frequency, because that is what a CISO reports on and what the
board sees:

- quarterly (the default) opens each quarter's review in January, April, July and October;
- every six months opens one in January and July, yearly one in January: the quarters in
  between get no review of their own;
- monthly runs every month and opens the quarter's review only if none exists yet: the
  first run of a quarter opens it, the two others find it and change nothing. A CISO who
  picks "monthly" gets no review missed for long (a run missed because beat was down is
  made up within a month), never three reviews of the same quarter.

Saving the task bumps django-celery-beat's PeriodicTasks.changed, so a running beat
reloads its schedule without a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

TASK_NAME = "Open the quarter's programme review"  # migration 0007
TASK = "alignment.tasks.open_programme_review"
DAYS = range(1, 29)
HOURS = range(24)


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Every six months"
    YEARLY = "yearly", "Yearly"


# The crontab's month_of_year for each frequency.
MONTHS: dict[str, str] = {
    Frequency.MONTHLY: "*",
    Frequency.QUARTERLY: "1,4,7,10",
    Frequency.HALF_YEARLY: "1,7",
    Frequency.YEARLY: "1",
}


# How far ahead a finished review sets each item's next review: until the next review
# opens (a monthly schedule still opens one review per quarter).
CADENCE_DAYS: dict[str, int] = {
    Frequency.MONTHLY: 91,
    Frequency.QUARTERLY: 91,
    Frequency.HALF_YEARLY: 182,
    Frequency.YEARLY: 365,
}


@dataclass(frozen=True)
class Schedule:
    """What beat will do. `frequency` is None for a crontab edited in the admin into a
    shape this page does not offer (`description` then says what it is)."""

    frequency: str | None
    day: int
    hour: int
    zone: str
    description: str
    next_run: dt.datetime | None
    enabled: bool

    @property
    def frequency_label(self) -> str:
        return Frequency(self.frequency).label if self.frequency else "Custom"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _task() -> PeriodicTask | None:
    return PeriodicTask.objects.select_related("crontab").filter(name=TASK_NAME).first()


def next_run(crontab: CrontabSchedule, *, after: dt.datetime) -> dt.datetime:
    """The first time the crontab fires after `after` (aware), in the crontab's zone."""
    start, delta, _now = crontab.schedule.remaining_delta(after)
    fires: dt.datetime = start + delta
    return fires


def current(*, now: dt.datetime | None = None) -> Schedule | None:
    """The schedule beat follows; None when the task is gone (deleted in the admin)."""
    task = _task()
    if task is None or task.crontab is None:
        return None
    crontab = task.crontab
    fires = next_run(crontab, after=now or timezone.now())
    # Offered back in the form in the organisation's zone, whatever zone the crontab was
    # stored in (the migration's row says 06:00 UTC): read from the next run.
    local = fires.astimezone(_zone())
    months = {v: k for k, v in MONTHS.items()}
    frequency = months.get(crontab.month_of_year)
    ours = (
        crontab.minute == "0"
        and crontab.day_of_week == "*"
        and crontab.hour.isdigit()
        and int(crontab.hour) in HOURS
        and crontab.day_of_month.isdigit()
        and int(crontab.day_of_month) in DAYS
    )
    if frequency is None or not ours:
        return Schedule(
            frequency=None,
            day=local.day if local.day in DAYS else 1,
            hour=local.hour,
            zone=settings.TIME_ZONE,
            description=f"Custom, set in the admin: {crontab.human_readable}",
            next_run=fires if task.enabled else None,
            enabled=task.enabled,
        )
    day, hour, zone = int(crontab.day_of_month), int(crontab.hour), str(crontab.timezone)
    description = f"{Frequency(frequency).label}, on day {day} at {hour:02d}:00 ({zone})"
    if zone != settings.TIME_ZONE and local.day in DAYS:
        day, hour = local.day, local.hour
    return Schedule(
        frequency=frequency,
        day=day,
        hour=hour,
        zone=settings.TIME_ZONE,
        description=description,
        next_run=fires if task.enabled else None,
        enabled=task.enabled,
    )


@transaction.atomic
def set_schedule(*, frequency: str, day: int, hour: int) -> PeriodicTask:
    """Point the review task at the crontab for this choice (found, or created once).

    The task row is locked, so two people saving at once apply one after the other; the
    crontab rows have no uniqueness of their own (django-celery-beat's), so the first
    matching row is reused and a race creates at most a harmless twin.
    """
    if frequency not in MONTHS or day not in DAYS or hour not in HOURS:
        raise ValueError(f"Not a review schedule: {frequency!r}, day {day!r}, hour {hour!r}")
    spec = {
        "minute": "0",
        "hour": str(hour),
        "day_of_month": str(day),
        "month_of_year": MONTHS[frequency],
        "day_of_week": "*",
        "timezone": settings.TIME_ZONE,
    }
    crontab = CrontabSchedule.objects.filter(**spec).order_by("pk").first()
    if crontab is None:
        crontab = CrontabSchedule.objects.create(**spec)
    task = PeriodicTask.objects.select_for_update().filter(name=TASK_NAME).first()
    if task is None:
        # Deleted in the admin: put it back (name is unique, so never a second one).
        task = PeriodicTask(name=TASK_NAME, task=TASK)
    task.crontab = crontab
    # PeriodicTask.save() bumps PeriodicTasks.changed: a running beat reloads.
    task.save()
    return task


def cadence() -> dt.timedelta:
    """The time between two reviews under the schedule beat follows (a quarter when the
    crontab was set by hand in the admin or the task is gone)."""
    schedule = current()
    frequency = schedule.frequency if schedule is not None else None
    return dt.timedelta(days=CADENCE_DAYS.get(frequency or "", 91))
