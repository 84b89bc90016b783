"""Impact assessments: how much time an initiative adds to a department's work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.models import HistoricalRecords

from departments import roles
from departments.models import TEXT_MAX_LENGTH, Department
from objectives.models import Initiative, counted

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# A department's total added hours a week: 10,000 is 250 people each losing a whole week.
MAX_HOURS_PER_WEEK = Decimal("10000")


class Agreement(models.TextChoices):
    PENDING = "pending", "Awaiting the head"
    AGREED = "agreed", "Agreed"
    DISAGREED = "disagreed", "Disagreed"


class ImpactAssessmentQuerySet(models.QuerySet["ImpactAssessment"]):
    def visible_to(self, user: User) -> ImpactAssessmentQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))

    def counted(self) -> ImpactAssessmentQuerySet:
        """Assessments of initiatives that count (objectives.models.counted): they
        consume the department's friction budget."""
        return self.filter(counted("initiative__"))

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
        validators=[
            MinValueValidator(Decimal("0")),
            MaxValueValidator(
                MAX_HOURS_PER_WEEK,
                message="At most %(limit_value)s hours a week: a whole department's total.",
            ),
        ],
        help_text="Extra hours per week this security process adds to the department, in total.",
    )
    people_affected = models.PositiveIntegerField(default=0)
    processes_touched = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    mitigation_plan = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    support_offered = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    head_agreement = models.CharField(
        max_length=20, choices=Agreement.choices, default=Agreement.PENDING
    )
    head_comment = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
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
                condition=Q(hours_per_week__lte=MAX_HOURS_PER_WEEK),
                name="assessment_hours_at_most",
            ),
            models.CheckConstraint(
                condition=Q(head_agreement__in=Agreement.values),
                name="assessment_agreement_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} on {self.department}"

    @property
    def counts_against_budget(self) -> bool:
        """A cancelled initiative adds no work; every other one does (see alignment.dashboard)."""
        return self.initiative.counts

    def reopen_if_hours_changed(self, previous_hours: Decimal) -> bool:
        """The head agreed (or not) to a number: new hours need a new answer.

        Call after setting the new hours and before saving; True when the answer was reset.
        """
        if self.hours_per_week == previous_hours or self.head_agreement == Agreement.PENDING:
            return False
        self.head_agreement = Agreement.PENDING
        self.head_answered_at = None
        return True

    def record_answer(self, agreement: str, comment: str, *, at: dt.datetime) -> None:
        """The head's answer. Disagreeing needs a reason: the security team acts on it."""
        if agreement not in (Agreement.AGREED, Agreement.DISAGREED):
            raise ValidationError({"head_agreement": "Agree or disagree."})
        if agreement == Agreement.DISAGREED and not comment.strip():
            raise ValidationError(
                {"head_comment": "Say why you disagree: the security team reads it."}
            )
        self.head_agreement = agreement
        self.head_comment = comment.strip()
        self.head_answered_at = at


def get_assessment_for(user: User, pk: int, *, write: bool = False) -> ImpactAssessment:
    assessment = get_object_or_404(
        ImpactAssessment.objects.select_related("initiative", "department"), pk=pk
    )
    if not roles.can_read_department(user, assessment.department):
        raise Http404("No such assessment.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes impact assessments.")
    return assessment


def get_assessment_to_answer(user: User, pk: int) -> ImpactAssessment:
    """The assessment, if `user` heads its department: 404 if they may not see it, else 403."""
    assessment = get_assessment_for(user, pk)
    if not roles.heads(user, assessment.department):
        raise PermissionDenied("Only the head of this department answers its assessments.")
    return assessment
