"""Stakeholder engagement: the security team's private, dated reading of each leader.

Append-only: a change of mind is a new row, never an edit, so the map of any earlier date
is exactly what had been recorded by then (alignment/engagement.py reads it). The meeting
a reading came from is named by string: the meetings' models sit above this package
(alignment/apps.py), which never imports them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from alignment.models.impact import ImpactAssessment
from departments.models import TEXT_MAX_LENGTH, Department
from departments.portable import portable_id


class Engagement(models.IntegerChoices):
    """How engaged a leader is with the programme, in increasing order."""

    UNAWARE = 1, "Unaware"
    RESISTANT = 2, "Resistant"
    NEUTRAL = 3, "Neutral"
    SUPPORTIVE = 4, "Supportive"
    LEADING = 5, "Leading"


class StakeLevel(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"


class ReadingSource(models.TextChoices):
    MEETING = "meeting", "A meeting"
    ASSESSMENT = "assessment", "An impact-assessment answer"
    OTHER = "other", "Other"


class StakeholderReading(models.Model):
    """One dated reading of one leader: where they stand, where we want them, how much
    they weigh (influence) and care (interest)."""

    uid = portable_id()
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement_readings"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The department the leader spoke for, if any.",
    )
    current_engagement = models.PositiveSmallIntegerField(choices=Engagement.choices)
    desired_engagement = models.PositiveSmallIntegerField(choices=Engagement.choices)
    influence = models.PositiveSmallIntegerField(choices=StakeLevel.choices)
    interest = models.PositiveSmallIntegerField(choices=StakeLevel.choices)
    note = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    source = models.CharField(
        max_length=20, choices=ReadingSource.choices, default=ReadingSource.OTHER
    )
    # A meeting may later be removed (a rescheduled series): the reading stays.
    occurrence = models.ForeignKey(
        "alignment.Occurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagement_readings",
    )
    assessment = models.ForeignKey(
        ImpactAssessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagement_readings",
    )
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["leader", "recorded_at"], name="engagement_leader_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_engagement__in=Engagement.values),
                name="engagement_current_valid",
            ),
            models.CheckConstraint(
                condition=Q(desired_engagement__in=Engagement.values),
                name="engagement_desired_valid",
            ),
            models.CheckConstraint(
                condition=Q(influence__in=StakeLevel.values), name="engagement_influence_valid"
            ),
            models.CheckConstraint(
                condition=Q(interest__in=StakeLevel.values), name="engagement_interest_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReadingSource.values), name="engagement_source_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), TEXT_MAX_LENGTH),
                name="engagement_note_bounded",
            ),
            # A meeting reading names no assessment and the reverse; "other" names neither.
            # The named row may be deleted later (SET NULL), so only the link is checked.
            models.CheckConstraint(
                condition=Q(occurrence__isnull=True) | Q(source=ReadingSource.MEETING),
                name="engagement_occurrence_is_meeting",
            ),
            models.CheckConstraint(
                condition=Q(assessment__isnull=True) | Q(source=ReadingSource.ASSESSMENT),
                name="engagement_assessment_is_answer",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.leader} on {self.recorded_at:%Y-%m-%d}: {self.get_current_engagement_display()}"
        )

    def get_absolute_url(self) -> str:
        return reverse("alignment:engagement-leader", args=[self.leader_id])

    @property
    def gap(self) -> int:
        """Steps between where the leader stands and where we want them (> 0: below)."""
        return self.desired_engagement - self.current_engagement

    @property
    def below_desired(self) -> bool:
        return self.gap > 0
