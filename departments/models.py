"""Departments, their goals and check-ins, and their process documents.

This app knows nothing of security: higher apps link to it, never the reverse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from departments import documents, roles
from departments.portable import portable_id
from departments.versioning import save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from departments.roles import AnyUser

ZERO = Decimal("0")


# The longest free text any form takes (descriptions, comments, notes): a few pages, never
# megabytes that every page showing it would carry.
TEXT_MAX_LENGTH = 5000


class DepartmentQuerySet(models.QuerySet["Department"]):
    def visible_to(self, user: AnyUser) -> DepartmentQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(pk__in=roles.member_department_ids(user))


class Department(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    key_leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_departments"
    )
    charter = models.TextField(
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text="What this department is for, in a few lines.",
    )
    friction_budget_hours = models.DecimalField(
        "friction budget (hours/week)",
        max_digits=8,
        decimal_places=1,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="Weekly hours of security-added work the CISO and the head agree is acceptable.",
    )
    # The proposal the budget in force came from: who proposed it, and who agreed when.
    budget_proposal = models.ForeignKey(
        "BudgetProposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised on every versioned save (the friction budget): no lost updates.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(friction_budget_hours__gte=0), name="department_budget_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("departments:department-detail", args=[self.slug])


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Awaiting an answer"
    ACCEPTED = "accepted", "Agreed"
    SUPERSEDED = "superseded", "Superseded"


BUDGET_MAX_HOURS = Decimal("10000")


class BudgetProposal(models.Model):
    """A friction budget proposed by the security team or by the department's head, for
    the other side to agree to (departments/budgets.py). Never edited: a new proposal
    supersedes the open one, so the list is the negotiation's history."""

    uid = portable_id()
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="budget_proposals"
    )
    hours = models.DecimalField(
        "hours per week",
        max_digits=8,
        decimal_places=1,
        validators=[MinValueValidator(ZERO), MaxValueValidator(BUDGET_MAX_HOURS)],
    )
    comment = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    from_security_team = models.BooleanField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(status=ProposalStatus.OPEN),
                name="budget_one_open_proposal",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=BUDGET_MAX_HOURS),
                name="budget_proposal_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="budget_proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.ACCEPTED) | Q(answered_at__isnull=False),
                name="budget_proposal_accepted_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.hours} h/week ({self.get_status_display()})"


def get_department_for(user: AnyUser, slug: str, *, write: bool = False) -> Department:
    """The department, or 404 if the user may not see it, or 403 if they may not change it."""
    department = get_object_or_404(Department.objects.select_related("head"), slug=slug)
    if not roles.can_read_department(user, department):
        raise Http404("No such department.")
    if write and not roles.can_write_department(user, department):
        raise PermissionDenied("Only the head of this department can change it.")
    return department


class GoalCategory(models.TextChoices):
    AVAILABILITY = "availability", "Availability"
    RELIABILITY = "reliability", "Reliability"
    PERFORMANCE = "performance", "Performance"
    REVENUE = "revenue", "Revenue"
    GROWTH = "growth", "Growth"
    COST = "cost", "Cost"
    COMPLIANCE = "compliance", "Compliance"
    CUSTOMER = "customer", "Customer"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    """Whether a figure improves by going up ("triple revenue") or down ("DSO under 45 days")."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    DONE = "done", "Done"


class GoalQuerySet(models.QuerySet["Goal"]):
    def visible_to(self, user: AnyUser) -> GoalQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))

    def for_department(self, department: Department) -> GoalQuerySet:
        return self.filter(department=department)

    def active(self) -> GoalQuerySet:
        return self.exclude(status=GoalStatus.DONE)

    def active_named(
        self, department_id: int, title: str, *, other_than: int | None
    ) -> Goal | None:
        """The active goal of the department with this title, any case (the uniqueness
        rule `goal_title_once_per_department`), other than the goal `other_than`."""
        named = self.active().filter(department_id=department_id, title__iexact=title)
        if other_than is not None:
            named = named.exclude(pk=other_than)
        return named.first()

    def at_risk(self) -> GoalQuerySet:
        """Goals at risk or off track."""
        return self.filter(status__in=[GoalStatus.AT_RISK, GoalStatus.OFF_TRACK])


class Goal(models.Model):
    uid = portable_id()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    category = models.CharField(max_length=20, choices=GoalCategory.choices)
    metric = models.CharField(max_length=120, help_text="What is measured, e.g. 'monthly uptime'.")
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, minutes, EUR.")
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    baseline = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    current = models.DecimalField(max_digits=14, decimal_places=2)
    due_date = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=GoalStatus.choices, default=GoalStatus.ON_TRACK
    )
    # Raised on every save; a save based on an older version is refused (no lost updates).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["department__name", "due_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=GoalCategory.values), name="goal_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction=Direction.HIGHER, target__gte=F("baseline"))
                | Q(direction=Direction.LOWER, target__lte=F("baseline")),
                name="goal_target_in_its_direction",
                violation_error_message=(
                    "The target must improve on the baseline in the goal's direction: above it "
                    "when higher is better, below it when lower is better."
                ),
            ),
            # Two active goals with one title in one department are one goal logged twice.
            models.UniqueConstraint(
                Lower("title"),
                "department",
                condition=~Q(status=GoalStatus.DONE),
                name="goal_title_once_per_department",
                violation_error_message="This department already has an active goal so named.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("departments:goal-detail", args=[self.pk])

    def same_title_goal(self) -> Goal | None:
        """Another active goal of this department with this title (any case), if any."""
        if self.status == GoalStatus.DONE or not self.department_id:
            return None
        return Goal.objects.active_named(self.department_id, self.title, other_than=self.pk)

    @property
    def progress(self) -> Decimal:
        """Share of the way from baseline to target, between 0 and 1."""
        span = self.target - self.baseline
        if span == 0:
            return Decimal(1) if self.current == self.target else ZERO
        share = (self.current - self.baseline) / span
        return min(max(share, ZERO), Decimal(1))

    @property
    def progress_percent(self) -> int:
        return int(self.progress * 100)

    @property
    def is_overdue(self) -> bool:
        return self.status != GoalStatus.DONE and self.due_date < timezone.localdate()

    def trend(self, limit: int = 12) -> list[Decimal]:
        """The latest check-in values, oldest first, for a sparkline.

        Reads `self.checkins.all()`, so a page listing goals prefetches the check-ins
        (CheckIn's default ordering is by date) and this costs no query per goal.
        """
        values = [checkin.value for checkin in self.checkins.all()]
        return values[-limit:]


def get_goal_for(user: AnyUser, pk: int, *, write: bool = False) -> Goal:
    """The goal, or 404 if the user may not see it, or 403 if they may not change it."""
    goal = get_object_or_404(Goal.objects.select_related("department", "owner"), pk=pk)
    if not roles.can_read_department(user, goal.department):
        raise Http404("No such goal.")
    if write and not roles.can_write_department(user, goal.department):
        raise PermissionDenied("Only the head of this goal's department can change it.")
    return goal


def not_in_the_future(day: dt.date) -> None:
    """A check-in records what happened: today at the latest, in the user's time zone."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            "A check-in records what happened: date it today (%(today)s) or earlier.",
            code="future",
            params={"today": today.strftime("%d %b %Y")},
        )


class CheckIn(models.Model):
    uid = portable_id()
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(default=timezone.localdate, validators=[not_in_the_future])
    value = models.DecimalField(max_digits=14, decimal_places=2)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = unlikely to reach the target, 5 = certain.",
    )
    comment = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=1) & Q(confidence__lte=5),
                name="checkin_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.value} on {self.date}"


def document_upload_to(instance: ProcessDocument, filename: str) -> str:
    """A generated name: the user's file name never reaches the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"documents/{instance.department_id}/{uuid.uuid4().hex}{suffix}"


class ProcessDocumentQuerySet(models.QuerySet["ProcessDocument"]):
    def visible_to(self, user: AnyUser) -> ProcessDocumentQuerySet:
        if roles.reads_everything(user):
            return self
        return self.filter(department__in=roles.member_department_ids(user))


class ProcessDocument(models.Model):
    uid = portable_id()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_upload_to)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    history = HistoricalRecords()

    objects = ProcessDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["department", "-uploaded_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("departments:document-download", args=[self.pk])

    @property
    def type_label(self) -> str:
        """'PDF', 'Word document'…: the type detected at upload, in words."""
        kind = next((k for k in documents.KINDS if k.content_type == self.content_type), None)
        return kind.label if kind else (self.content_type or "unknown type")

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    def mark_reviewed(self, *, by: User, note: str) -> None:
        """The security team has read it; a second review replaces the first's note."""
        self.reviewed_at = timezone.now()
        self.reviewed_by = by
        self.review_note = note
        self.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])


def get_document_for(
    user: AnyUser, pk: int, *, write: bool = False, review: bool = False
) -> ProcessDocument:
    """The document, or 404 if the user may not see its department, or 403 if they may not
    change it (`write`: its department's head) or review it (`review`: the security team)."""
    document = get_object_or_404(
        ProcessDocument.objects.select_related("department", "uploaded_by", "reviewed_by"),
        pk=pk,
    )
    if not roles.can_read_department(user, document.department):
        raise Http404("No such document.")
    if write and not roles.can_write_department(user, document.department):
        raise PermissionDenied("Only the head of this department can change its documents.")
    if review and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team reviews process documents.")
    return document


def store_document(
    document: ProcessDocument, *, department: Department, uploaded_by: User
) -> ProcessDocument:
    """Save an uploaded document; if the row cannot be written, remove the stored file too.

    The file is written to storage before the row is inserted (FileField.pre_save), so a
    failing insert would otherwise leave an orphan file under MEDIA_ROOT.
    """
    document.department = department
    document.uploaded_by = uploaded_by
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        # `_committed` turns true once the file is in storage; before that, `name` is the
        # uploader's file name, which must never be handed to `delete`.
        if document.file and getattr(document.file, "_committed", False):
            document.file.storage.delete(document.file.name)
        raise
    return document


def record_checkin(checkin: CheckIn, *, goal: Goal, author: User) -> CheckIn:
    """Save a check-in and move the goal's current value to the latest check-in's value."""
    checkin.goal = goal
    checkin.author = author
    # The goal and the author are the objects the caller holds: no need to re-read them.
    checkin.full_clean(exclude={"goal", "author"})
    checkin.save()
    latest = goal.checkins.order_by("-date", "-created_at").first()
    if latest is not None and latest.value != goal.current:
        goal.current = latest.value
        save_versioned(goal, update_fields=["current", "updated_at"])
    return checkin
