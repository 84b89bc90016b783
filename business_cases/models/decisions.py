"""Executives' decisions on a revision of a case, each with the figures it saw."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from business_cases.models.fields import MAX_TEXT
from departments.portable import portable_id


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approve"
    REJECTED = "rejected", "Reject"
    REVISION_REQUESTED = "revision_requested", "Send back for revision"


class CaseDecision(models.Model):
    """An executive's decision on one revision of a case, with the figures it saw."""

    uid = portable_id()
    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="decisions"
    )
    revision = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = models.TextField(max_length=MAX_TEXT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField(default=dict)
    # The warnings (unmitigated conflicts, refused assessments) the executive saw and
    # acknowledged in deciding, in words, as they read them.
    acknowledged = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            # One decision per executive and revision: the same executive cannot co-sign
            # their own approval, even clicking twice at once. (The case's row lock in
            # services.case_decide decides whether a revision still awaits a decision.)
            models.UniqueConstraint(
                fields=["case", "revision", "decided_by"], name="decision_one_per_executive"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="decision_outcome_valid"
            ),
            models.CheckConstraint(condition=~Q(comment=""), name="decision_has_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.case} r{self.revision}: {self.get_outcome_display()}"

    @property
    def outcome_label(self) -> str:
        return {
            Outcome.APPROVED: "Approved",
            Outcome.REJECTED: "Rejected",
            Outcome.REVISION_REQUESTED: "Revision requested",
        }[Outcome(self.outcome)]
