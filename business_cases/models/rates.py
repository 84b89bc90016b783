"""Loaded hourly rates: what an hour of a department's time costs (edited in the admin)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from business_cases.models.fields import MAX_HOURLY_RATE, at_most, hourly_rate_field
from departments.models import Department

# Used when neither the department nor the default row of LoadedRate says otherwise.
FALLBACK_HOURLY_RATE = Decimal("60.00")


class LoadedRate(models.Model):
    """What an hour of a department's time costs, fully loaded; no department = the default."""

    department = models.OneToOneField(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="loaded_rate",
        help_text="Leave empty for the default rate used by every other department.",
    )
    hourly_rate = hourly_rate_field(
        "loaded hourly rate", help_text="Per hour, in the site currency."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("department__name").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="rate_non_negative"),
            models.CheckConstraint(
                condition=at_most("hourly_rate", MAX_HOURLY_RATE), name="rate_max"
            ),
            # One default row (department empty) at most: NULLs are never equal in a
            # plain unique index, so the index is on the department with NULL as 0.
            models.UniqueConstraint(
                Coalesce("department", Value(0)),
                name="rate_one_per_department",
                violation_error_message="There is already a rate for this department.",
            ),
        ]

    def __str__(self) -> str:
        who = self.department.name if self.department is not None else "Default"
        return f"{who}: {self.hourly_rate}/h"

    @classmethod
    def rates_for(cls, department_ids: set[int]) -> dict[int, Decimal]:
        """The loaded hourly rate of each department (one query), the default where unset."""
        rows = cls.objects.filter(Q(department__in=department_ids) | Q(department__isnull=True))
        found = {row.department_id: row.hourly_rate for row in rows}
        default = found.pop(None, FALLBACK_HOURLY_RATE)
        return {pk: found.get(pk, default) for pk in department_ids}

    @classmethod
    def default_rate(cls) -> Decimal:
        row = cls.objects.filter(department__isnull=True).first()
        return row.hourly_rate if row else FALLBACK_HOURLY_RATE
