"""Alignment links: an initiative supports, is neutral to, or conflicts with a goal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.models import HistoricalRecords

from departments import roles
from departments.models import TEXT_MAX_LENGTH, Goal
from objectives.models import Initiative, counted

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Relation(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    NEUTRAL = "neutral", "Neutral"
    CONFLICTS = "conflicts", "Conflicts"


def unmitigated(prefix: str = "") -> Q:
    """A conflict without a mitigation; whitespace-only counts as none, exactly as
    `AlignmentLink.is_unmitigated_conflict` reads it. `prefix` reaches the link from
    another model (`"links__"`, `"goals__links__"`)."""
    return Q(**{f"{prefix}relation": Relation.CONFLICTS, f"{prefix}mitigation__regex": r"^\s*$"})


class AlignmentLinkQuerySet(models.QuerySet["AlignmentLink"]):
    def visible_to(self, user: User) -> AlignmentLinkQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(goal__department__in=roles.member_department_ids(user))

    def counted(self) -> AlignmentLinkQuerySet:
        """Links of initiatives that count (objectives.models.counted)."""
        return self.filter(counted("initiative__"))

    def supporting(self) -> AlignmentLinkQuerySet:
        return self.filter(relation=Relation.SUPPORTS)

    def conflicts(self) -> AlignmentLinkQuerySet:
        return self.filter(relation=Relation.CONFLICTS)

    def unmitigated(self) -> AlignmentLinkQuerySet:
        """Conflicts without a mitigation: the ones the programme must not leave open."""
        return self.filter(unmitigated())


class AlignmentLink(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="links")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    rationale = models.CharField(max_length=300, blank=True, help_text="One line: why.")
    mitigation = models.TextField(
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text="For a conflict: what softens it. Empty means unmitigated.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = AlignmentLinkQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "initiative"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "goal"], name="link_unique_per_pair"),
            models.CheckConstraint(
                condition=Q(relation__in=Relation.values), name="link_relation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} {self.get_relation_display().lower()} {self.goal}"

    @property
    def is_unmitigated_conflict(self) -> bool:
        return self.relation == Relation.CONFLICTS and not self.mitigation.strip()


def get_link_for(user: User, pk: int, *, write: bool = False) -> AlignmentLink:
    link = get_object_or_404(
        AlignmentLink.objects.select_related("initiative", "goal__department"), pk=pk
    )
    if not roles.can_read_department(user, link.goal.department):
        raise Http404("No such link.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes alignment links.")
    return link
