"""Programme reviews: the CISO walks every active objective and initiative, with its
evidence, and records whether it is still relevant and effective, and what changes.

One review per period (a quarter); a finished review is read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alignment.models.reports import quarter_label
from departments import roles
from departments.models import TEXT_MAX_LENGTH
from objectives.models import Initiative, SecurityObjective

if TYPE_CHECKING:
    from departments.roles import AnyUser


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    FINISHED = "finished", "Finished"


class Verdict(models.TextChoices):
    KEEP = "keep", "Keep"
    ADJUST = "adjust", "Adjust"
    RETIRE = "retire", "Retire"
    ESCALATE = "escalate", "Escalate to senior leadership"


class ProgrammeReviewQuerySet(models.QuerySet["ProgrammeReview"]):
    def annotate_progress(self) -> ProgrammeReviewQuerySet:
        """`item_count` and `done_count` (items with a verdict), in the same query."""
        return self.annotate(
            item_count=models.Count("items"),
            done_count=models.Count("items", filter=~Q(items__verdict="")),
        ).order_by("-period")


class ProgrammeReview(models.Model):
    period = models.DateField(help_text="The first day of the quarter it reviews.", unique=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    summary = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    opened_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = ProgrammeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.OPEN) | Q(finished_at__isnull=False),
                name="review_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Programme review, {quarter_label(self.period)}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:review-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN


def get_review_for(user: AnyUser, pk: int, *, write: bool = False) -> ProgrammeReview:
    """Reviews are for the security team, executives and administrators; 404 for others."""
    if not roles.reads_everything(user):
        raise PermissionDenied("Programme reviews are for the security team and leadership.")
    review = get_object_or_404(ProgrammeReview, pk=pk)
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team records a programme review.")
    return review


class ReviewItem(models.Model):
    """One objective or one initiative in a review, with the CISO's findings."""

    review = models.ForeignKey(ProgrammeReview, on_delete=models.CASCADE, related_name="items")
    objective = models.ForeignKey(
        SecurityObjective, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    relevant = models.BooleanField("still relevant", null=True)
    effective = models.BooleanField(null=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    note = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objective__isnull=False, initiative__isnull=True)
                | Q(objective__isnull=True, initiative__isnull=False),
                name="review_item_one_subject",
            ),
            models.UniqueConstraint(
                fields=["review", "objective"],
                condition=Q(objective__isnull=False),
                name="review_item_objective_once",
            ),
            models.UniqueConstraint(
                fields=["review", "initiative"],
                condition=Q(initiative__isnull=False),
                name="review_item_initiative_once",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=[*Verdict.values, ""]), name="review_item_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} in {self.review}"

    def get_absolute_url(self) -> str:
        """The review page at this item (the page of items it is on)."""
        return f"{self.review.get_absolute_url()}?item={self.pk}#item-{self.pk}"

    @property
    def subject(self) -> SecurityObjective | Initiative:
        subject = self.objective or self.initiative
        assert subject is not None  # review_item_one_subject
        return subject

    @property
    def is_done(self) -> bool:
        return bool(self.verdict)
