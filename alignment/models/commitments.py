"""Support commitments and requests from the business.

A mitigation or a piece of support (from an impact assessment, a conflict's mitigation or
a meeting) becomes a **commitment**: what the security team will deliver to a department,
who owns it, by when, and where it stands. The head of the department confirms whether a
delivered commitment helped. A head or key leader **requests** tools, resources or help;
the security team accepts (a commitment is born) or declines with a reason.

The rules of each object are its methods here; the workflows that save and that
notifications hook into are in alignment/commitments.py.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alignment.models.impact import ImpactAssessment
from alignment.models.links import AlignmentLink
from departments import roles
from departments.models import TEXT_MAX_LENGTH, Department
from departments.portable import portable_id
from departments.text import validate_single_line

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TITLE_MAX_LENGTH = 200


# The sources a commitment may come from; at most one of them (`commitment_one_source`).
SOURCES = ("assessment", "link", "occurrence", "request")


class CommitmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    DROPPED = "dropped", "Dropped"


OPEN_STATUSES = (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
STATUS_ORDER = (*reversed(OPEN_STATUSES), CommitmentStatus.DELIVERED, CommitmentStatus.DROPPED)


class HeadVerdict(models.TextChoices):
    """The head's word on a delivered commitment."""

    PENDING = "pending", "Awaiting the head"
    HELPED = "helped", "It helped"
    DID_NOT_HELP = "did_not_help", "It did not help"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


def _one_source() -> Q:
    """No source, or exactly one of SOURCES."""
    none = Q(**{f"{name}__isnull": True for name in SOURCES})
    for chosen in SOURCES:
        none |= Q(**{f"{name}__isnull": name != chosen for name in SOURCES})
    return none


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def visible_to(self, user: User) -> CommitmentQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))

    def open(self) -> CommitmentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: dt.date) -> CommitmentQuerySet:
        return self.open().filter(due_date__lt=today)

    def by_urgency(self) -> CommitmentQuerySet:
        """In progress, then planned, delivered, dropped; soonest due first in each."""
        rank = Case(
            *(When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)),
            default=Value(len(STATUS_ORDER)),
        )
        return self.alias(urgency=rank).order_by("urgency", "due_date", "pk")

    def awaiting_confirmation(self) -> CommitmentQuerySet:
        return self.filter(status=CommitmentStatus.DELIVERED, verdict=HeadVerdict.PENDING)


class Commitment(models.Model):
    uid = portable_id()
    title = models.CharField("what", max_length=TITLE_MAX_LENGTH, validators=[validate_single_line])
    detail = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="commitments")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who on the security team delivers it.",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.PLANNED
    )
    drop_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    delivered_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(
        max_length=20, choices=HeadVerdict.choices, default=HeadVerdict.PENDING
    )
    verdict_comment = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where it came from (at most one).
    assessment = models.ForeignKey(
        ImpactAssessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    link = models.ForeignKey(
        AlignmentLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    # By name: this package sits below the meetings and never imports them.
    occurrence = models.ForeignKey(
        "alignment.Occurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    request = models.OneToOneField(
        "SupportRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values), name="commitment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=HeadVerdict.values), name="commitment_verdict_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=CommitmentStatus.DROPPED) | ~Q(drop_reason=""),
                name="commitment_dropped_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(verdict=HeadVerdict.PENDING) | Q(status=CommitmentStatus.DELIVERED),
                name="commitment_confirmed_only_delivered",
            ),
            models.CheckConstraint(
                condition=~Q(verdict=HeadVerdict.DID_NOT_HELP) | ~Q(verdict_comment=""),
                name="commitment_not_helped_has_comment",
            ),
            models.CheckConstraint(condition=_one_source(), name="commitment_one_source"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.department})"

    def get_absolute_url(self) -> str:
        return reverse("alignment:commitment-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_date < today

    @property
    def source(self) -> models.Model | None:
        """The assessment, link, meeting or request it came from, if any."""
        for name in SOURCES:
            if getattr(self, f"{name}_id") is not None:
                source: models.Model = getattr(self, name)
                return source
        return None

    def move_to(self, status: str, reason: str, *, at: dt.datetime) -> None:
        """Planned ↔ in progress → delivered; anything open may be dropped, with a reason.

        Delivered and dropped are final: a new need is a new commitment.
        """
        if status not in CommitmentStatus.values:
            raise ValidationError({"status": "Choose a status."})
        if not self.is_open and status != self.status:
            raise ValidationError(
                {"status": f"This commitment is {self.get_status_display().lower()}: final."}
            )
        if status == CommitmentStatus.DROPPED and not reason.strip():
            raise ValidationError({"reason": "Say why it is dropped: the head reads it."})
        self.status = status
        if status == CommitmentStatus.DROPPED:
            self.drop_reason = reason.strip()
        if status == CommitmentStatus.DELIVERED and self.delivered_at is None:
            self.delivered_at = at

    def record_verdict(self, verdict: str, comment: str, *, by: User, at: dt.datetime) -> None:
        """The head's confirmation; "it did not help" needs a comment."""
        if self.status != CommitmentStatus.DELIVERED:
            raise ValidationError("Only a delivered commitment is confirmed.")
        if verdict not in (HeadVerdict.HELPED, HeadVerdict.DID_NOT_HELP):
            raise ValidationError({"verdict": "Say whether it helped."})
        if verdict == HeadVerdict.DID_NOT_HELP and not comment.strip():
            raise ValidationError(
                {"comment": "Say what was missing: the security team acts on it."}
            )
        self.verdict = verdict
        self.verdict_comment = comment.strip()
        self.confirmed_by = by
        self.confirmed_at = at


class SupportRequestQuerySet(models.QuerySet["SupportRequest"]):
    def visible_to(self, user: User) -> SupportRequestQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))

    def open(self) -> SupportRequestQuerySet:
        return self.filter(status=RequestStatus.OPEN)


class SupportRequest(models.Model):
    uid = portable_id()
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="support_requests"
    )
    need = models.TextField(
        max_length=TEXT_MAX_LENGTH,
        help_text="The tool, resource or help you need, and what it would change for you.",
    )
    due_date = models.DateField("needed by")
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    decline_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="request_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DECLINED) | ~Q(decline_reason=""),
                name="request_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:request-detail", args=[self.pk])

    @property
    def summary(self) -> str:
        """The need's first line, cut to a title's length."""
        first = (self.need.strip().splitlines() or [""])[0].strip()
        if len(first) > 80:
            first = first[:79].rstrip() + "…"
        return first

    def answer(self, status: str, reason: str, *, by: User, at: dt.datetime) -> None:
        """Accept or decline an open request; declining needs a reason."""
        if self.status != RequestStatus.OPEN:
            raise ValidationError(f"This request was {self.get_status_display().lower()} already.")
        if status == RequestStatus.DECLINED and not reason.strip():
            raise ValidationError({"reason": "Say why: the head reads it."})
        if status not in (RequestStatus.ACCEPTED, RequestStatus.DECLINED):
            raise ValidationError("Accept or decline.")
        self.status = status
        self.decline_reason = reason.strip() if status == RequestStatus.DECLINED else ""
        self.answered_by = by
        self.answered_at = at


def get_commitment_for(user: User, pk: int, *, write: bool = False) -> Commitment:
    """The commitment: 404 if the user may not see it, 403 if `write` and not the security team."""
    commitment = get_object_or_404(
        Commitment.objects.select_related("department__head", "owner", "confirmed_by"), pk=pk
    )
    if not roles.can_read_department(user, commitment.department):
        raise Http404("No such commitment.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes commitments.")
    return commitment


def get_commitment_to_confirm(user: User, pk: int) -> Commitment:
    """The commitment, if `user` heads its department: 404 if they may not see it, else 403."""
    commitment = get_commitment_for(user, pk)
    if not roles.heads(user, commitment.department):
        raise PermissionDenied("Only the head of this department confirms its commitments.")
    return commitment


def get_request_for(user: User, pk: int, *, write: bool = False) -> SupportRequest:
    """The request: 404 if the user may not see it; `write` (answering): security team."""
    support = get_object_or_404(
        SupportRequest.objects.select_related("department", "requested_by", "answered_by"),
        pk=pk,
    )
    if not roles.can_read_department(user, support.department):
        raise Http404("No such request.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team answers requests.")
    return support
