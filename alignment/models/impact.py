"""Impact assessments: how much time an initiative adds to a department's work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.models import HistoricalRecords

from departments import roles
from departments.models import Department
from objectives.models import Initiative, InitiativeStatus


class Agreement(models.TextChoices):
    PENDING = "pending", "Awaiting the head"
    AGREED = "agreed", "Agreed"
    DISAGREED = "disagreed", "Disagreed"


class ImpactAssessmentQuerySet(models.QuerySet["ImpactAssessment"]):
    def visible_to(self, user: Any) -> ImpactAssessmentQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))

    def current(self) -> ImpactAssessmentQuerySet:
        """Assessments of initiatives that still run or are coming."""
        return self.exclude(initiative__status=InitiativeStatus.CANCELLED)

    def awaiting_head(self) -> ImpactAssessmentQuerySet:
        return self.filter(head_agreement=Agreement.PENDING)

    def refused(self) -> ImpactAssessmentQuerySet:
        return self.filter(head_agreement=Agreement.DISAGREED)

    def weekly_hours(self) -> Decimal:
        return self.aggregate(total=Sum("hours_per_week"))["total"] or Decimal("0")


class ImpactAssessment(models.Model):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="impact_assessments"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="impact_assessments"
    )
    hours_per_week = models.DecimalField(
        "hours added per week",
        max_digits=8,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Extra hours per week this security process adds to the department, in total.",
    )
    people_affected = models.PositiveIntegerField(default=0)
    processes_touched = models.TextField(blank=True)
    mitigation_plan = models.TextField(blank=True)
    support_offered = models.TextField(blank=True)
    head_agreement = models.CharField(
        max_length=20, choices=Agreement.choices, default=Agreement.PENDING
    )
    head_comment = models.TextField(blank=True)
    head_answered_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ImpactAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["department", "initiative"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "department"], name="assessment_unique_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=0), name="assessment_hours_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(head_agreement__in=Agreement.values),
                name="assessment_agreement_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} on {self.department}"


def get_assessment_for(user: Any, pk: int, *, write: bool = False) -> ImpactAssessment:
    assessment = get_object_or_404(
        ImpactAssessment.objects.select_related("initiative", "department"), pk=pk
    )
    if not roles.can_read_department(user, assessment.department):
        raise Http404("No such assessment.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes impact assessments.")
    return assessment
