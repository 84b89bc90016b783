"""Measures (key results) of security objectives, and their dated samples.

A measure says what success looks like in numbers: a unit, a direction (is higher or lower
better?), a baseline, a target, an optional stretch, and two thresholds below the target
(amber, then red, in the measure's direction). Samples are typed in, or computed from the
product's own data by a named computation (objectives/computations.py) that a beat job
runs on the measure's cadence, once per period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from departments import roles
from departments.models import TEXT_MAX_LENGTH, Direction, not_in_the_future
from departments.portable import portable_id
from objectives.models.programme import SecurityObjective

if TYPE_CHECKING:
    from departments.roles import AnyUser


class Cadence(models.TextChoices):
    """How often a sample is due; `days` is the length of one period."""

    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


CADENCE_DAYS: dict[str, int] = {Cadence.WEEKLY: 7, Cadence.MONTHLY: 31, Cadence.QUARTERLY: 92}


class Computation(models.TextChoices):
    """Figures the product computes from its own data (objectives/computations.py)."""

    GOAL_COVERAGE = "goal_coverage", "Goal coverage (% of active goals supported)"
    UNMITIGATED_CONFLICTS = "unmitigated_conflicts", "Unmitigated conflicts (count)"
    FRICTION_SHARE = "friction_share", "Added hours against friction budgets (%)"
    ASSESSMENTS_AGREED = "assessments_agreed", "Impact assessments agreed by heads (%)"
    ONE_ON_ONES_HELD = "one_on_ones_held", "One-on-ones held of those planned, 90 days (%)"
    OVERDUE_ACTIONS = "overdue_actions", "Overdue action items (count)"
    BUDGET_APPROVED = "budget_approved", "Business-case budget approved (total)"


class MeasureStatus(models.TextChoices):
    ON_TARGET = "on_target", "On target"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    NO_DATA = "no_data", "No sample yet"


class SampleSource(models.TextChoices):
    MANUAL = "manual", "Typed in"
    COMPUTED = "computed", "Computed"


def grace_for(cadence: str) -> dt.timedelta:
    """A week, or a quarter of the cadence for longer cadences."""
    return max(dt.timedelta(days=7), dt.timedelta(days=CADENCE_DAYS[cadence] // 4))


def period_start(day: dt.date, cadence: str) -> dt.date:
    """The first day of the period `day` falls in: its Monday, month or quarter."""
    if cadence == Cadence.WEEKLY:
        return day - dt.timedelta(days=day.weekday())
    if cadence == Cadence.QUARTERLY:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


class MeasureQuerySet(models.QuerySet["Measure"]):
    def visible_to(self, user: AnyUser) -> MeasureQuerySet:
        # Open like the objectives they belong to: the programme is transparent.
        return self if user.is_authenticated else self.none()

    def computed(self) -> MeasureQuerySet:
        return self.exclude(computation="")

    def with_latest(self) -> MeasureQuerySet:
        """`latest_value` and `latest_date`: those of `Measure.latest`, in the same query."""
        newest = Sample.objects.filter(measure=OuterRef("pk")).order_by(
            "-date", "-created_at", "-pk"
        )
        return self.annotate(
            latest_value=Subquery(newest.values("value")[:1]),
            latest_date=Subquery(newest.values("date")[:1]),
        )

    def red_or_stale(self, today: dt.date | None = None) -> MeasureQuerySet:
        """Measures whose newest sample is red (`Measure.status`) or that are stale
        (`Measure.is_stale`), in one query; `red_now` and `stale_now` say which.

        The same rules in SQL: red is beyond the red threshold in the measure's direction;
        stale is no sample, or the newest older than one cadence plus its grace.
        """
        today = today or timezone.localdate()
        red = Q(direction=Direction.HIGHER, latest_value__lt=F("red")) | Q(
            direction=Direction.LOWER, latest_value__gt=F("red")
        )
        stale = Q(latest_date__isnull=True)
        for cadence, days in CADENCE_DAYS.items():
            due = today - dt.timedelta(days=days) - grace_for(cadence)
            stale |= Q(cadence=cadence, latest_date__lt=due)
        return (
            self.with_latest()
            .annotate(
                red_now=ExpressionWrapper(red, output_field=BooleanField()),
                stale_now=ExpressionWrapper(stale, output_field=BooleanField()),
            )
            .filter(red | stale)
        )


class Measure(models.Model):
    uid = portable_id()
    objective = models.ForeignKey(
        SecurityObjective, on_delete=models.CASCADE, related_name="measures"
    )
    title = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    baseline = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    stretch = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Optional."
    )
    amber = models.DecimalField(
        "amber threshold",
        max_digits=14,
        decimal_places=2,
        help_text="Short of the target from here on (in the measure's direction).",
    )
    red = models.DecimalField(
        "red threshold",
        max_digits=14,
        decimal_places=2,
        help_text="Red from here on: further from the target than amber.",
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    computation = models.CharField(
        max_length=30,
        choices=Computation.choices,
        blank=True,
        help_text="Leave empty to type samples in; otherwise the app takes them itself.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    goals = models.ManyToManyField(
        "departments.Goal",
        blank=True,
        related_name="security_measures",
        help_text="Department goals it serves: their heads see it beside their goal.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["objective__position", "objective__title", "title"]
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                "objective",
                name="measure_title_once_per_objective",
                violation_error_message="This objective already has a measure so named.",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="measure_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values), name="measure_cadence_valid"
            ),
            models.CheckConstraint(
                condition=Q(computation__in=[*Computation.values, ""]),
                name="measure_computation_valid",
            ),
            # Red is further from the target than amber, and amber no further than the
            # target itself, in the measure's direction.
            models.CheckConstraint(
                condition=(
                    Q(direction=Direction.HIGHER, red__lte=F("amber"), amber__lte=F("target"))
                    | Q(direction=Direction.LOWER, red__gte=F("amber"), amber__gte=F("target"))
                ),
                name="measure_thresholds_in_order",
                violation_error_message=(
                    "Put the thresholds in order: red, then amber, then the target, in the "
                    "measure's direction."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("objectives:measure-detail", args=[self.pk])

    @property
    def is_computed(self) -> bool:
        return bool(self.computation)

    @property
    def latest(self) -> Sample | None:
        """The newest sample; reads `samples.all()`, so a list prefetches them."""
        samples = list(self.samples.all())
        return max(samples, key=lambda s: (s.date, s.created_at)) if samples else None

    def latest_on(self, day: dt.date) -> Sample | None:
        """The newest sample dated on or before `day` (from `samples.all()`, like `latest`):
        the value the measure had then; `status_of(sample.value)` gives its status then."""
        samples = [s for s in self.samples.all() if s.date <= day]
        return max(samples, key=lambda s: (s.date, s.created_at)) if samples else None

    def trend(self, limit: int = 12) -> list[Decimal]:
        """The latest values, oldest first, for a sparkline (from `samples.all()`)."""
        samples = sorted(self.samples.all(), key=lambda s: (s.date, s.created_at))
        return [s.value for s in samples][-limit:]

    def status_of(self, value: Decimal | None) -> str:
        """On target when at amber or better; amber from amber to red; red beyond red.

        "Better" follows the direction: for higher-is-better, value ≥ amber is on target
        and value < red is red; for lower-is-better the comparisons flip.
        """
        if value is None:
            return MeasureStatus.NO_DATA
        sign = 1 if self.direction == Direction.HIGHER else -1
        if sign * value >= sign * self.amber:
            return MeasureStatus.ON_TARGET
        if sign * value >= sign * self.red:
            return MeasureStatus.AMBER
        return MeasureStatus.RED

    @property
    def status(self) -> str:
        latest = self.latest
        return self.status_of(latest.value if latest else None)

    def get_status_display(self) -> str:
        return MeasureStatus(self.status).label

    @property
    def grace(self) -> dt.timedelta:
        """A week, or a quarter of the cadence for longer cadences (`grace_for`)."""
        return grace_for(self.cadence)

    def is_stale(self, today: dt.date | None = None) -> bool:
        """No sample, or the last one older than one cadence plus the grace period."""
        latest = self.latest
        if latest is None:
            return True
        today = today or timezone.localdate()
        return today - latest.date > dt.timedelta(days=CADENCE_DAYS[self.cadence]) + self.grace


def get_measure_for(user: AnyUser, pk: int, *, write: bool = False) -> Measure:
    measure = get_object_or_404(
        Measure.objects.visible_to(user).select_related("objective", "owner"), pk=pk
    )
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes measures.")
    return measure


class Sample(models.Model):
    """One dated value of a measure. Computed samples are one per measure and period."""

    uid = portable_id()
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="samples")
    date = models.DateField(default=timezone.localdate, validators=[not_in_the_future])
    period = models.DateField(help_text="The first day of the cadence period of `date`.")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    comment = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    source = models.CharField(
        max_length=10, choices=SampleSource.choices, default=SampleSource.MANUAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "date", "created_at"]
        constraints = [
            # The beat job may run twice, or on two workers at once: one computed sample
            # per measure and period, whatever happens.
            models.UniqueConstraint(
                fields=["measure", "period"],
                condition=Q(source=SampleSource.COMPUTED),
                name="sample_computed_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SampleSource.values), name="sample_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value} on {self.date}"
