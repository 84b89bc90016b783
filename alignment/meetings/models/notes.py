"""What comes out of a meeting: decisions and action items; and who comes (answers)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alignment.meetings.models.series import Occurrence, SeriesAttendee, may_take_notes
from alignment.models import ReviewItem
from departments import roles
from departments.portable import portable_id

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Decision(models.Model):
    uid = portable_id()
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurrence", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="decision_not_empty")]

    def __str__(self) -> str:
        return self.text[:80]


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def visible_to(self, user: User) -> ActionItemQuerySet:
        if roles.reads_everything(user):
            return self
        visible = Occurrence.objects.visible_to(user).values("pk")
        return self.filter(Q(occurrence__in=visible) | Q(owner=user))

    def open(self) -> ActionItemQuerySet:
        return self.filter(done=False)

    def overdue(self, *, today: dt.date | None = None) -> ActionItemQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())


class ActionItem(models.Model):
    """Something to do, with an owner and a due date: from a meeting, or from a programme
    review's decision about one objective or initiative."""

    uid = portable_id()
    occurrence = models.ForeignKey(
        Occurrence, null=True, blank=True, on_delete=models.CASCADE, related_name="action_items"
    )
    review_item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_actions",
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["done", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done=False, done_at__isnull=True) | Q(done=True, done_at__isnull=False),
                name="action_done_at_iff_done",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_set"),
            models.CheckConstraint(
                condition=Q(occurrence__isnull=False, review_item__isnull=True)
                | Q(occurrence__isnull=True, review_item__isnull=False),
                name="action_one_source",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Its meeting's page, or the review item it came from."""
        if self.occurrence is not None:
            return self.occurrence.get_absolute_url()
        assert self.review_item is not None  # action_one_source
        return self.review_item.get_absolute_url()

    @property
    def source(self) -> str:
        """Where it was decided: the meeting series' title, or the review."""
        if self.occurrence is not None:
            return self.occurrence.series.title
        assert self.review_item is not None  # action_one_source
        return str(self.review_item.review)

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_date is not None and self.due_date < timezone.localdate()

    def set_done(self, done: bool, *, at: dt.datetime | None = None) -> None:
        self.done = done
        self.done_at = (at or timezone.now()) if done else None


def get_action_item_for(user: User, pk: int) -> ActionItem:
    """An action item the user may tick: its owner, the meeting's people, the security team."""
    item = get_object_or_404(
        ActionItem.objects.select_related("occurrence__series", "owner"), pk=pk
    )
    if not ActionItem.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404("No such action item.")
    if item.owner_id == user.pk:
        return item
    if item.occurrence is None:
        if not roles.is_ciso(user):
            raise PermissionDenied("Only the owner or the security team changes this item.")
    elif not may_take_notes(user, item.occurrence):
        raise PermissionDenied("Only the owner or the meeting's people change this item.")
    return item


class Response(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class MeetingAnswer(models.Model):
    """An attendee's answer, for one meeting or (occurrence empty) for the whole series."""

    attendee = models.ForeignKey(SeriesAttendee, on_delete=models.CASCADE, related_name="answers")
    occurrence = models.ForeignKey(
        Occurrence, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    response = models.CharField(max_length=20, choices=Response.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attendee", "occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["attendee", "occurrence"],
                condition=Q(occurrence__isnull=False),
                name="answer_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["attendee"],
                condition=Q(occurrence__isnull=True),
                name="answer_once_per_series",
            ),
            models.CheckConstraint(
                condition=Q(response__in=Response.values), name="answer_response_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attendee}: {self.get_response_display()}"


class JointShare(models.Model):
    """An agenda item the security team shares with a joint meeting's heads in full.

    Without it, a head sees other departments on a joint agenda only as figures (counts);
    `item` names the row as the agenda does ("conflict:12", "goal:3", "assessment:5").
    """

    series = models.ForeignKey(
        "alignment.MeetingSeries", on_delete=models.CASCADE, related_name="shares"
    )
    item = models.CharField(max_length=40)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["series", "item"]
        constraints = [
            models.UniqueConstraint(fields=["series", "item"], name="share_once_per_series"),
            models.CheckConstraint(
                condition=Q(item__regex=r"^(conflict|goal|assessment):[0-9]+$"),
                name="share_item_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} shared with {self.series}"
