"""The CISO's security objectives and the initiatives that carry them out."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from departments import roles
from departments.models import TEXT_MAX_LENGTH
from departments.portable import portable_id

if TYPE_CHECKING:
    from departments.roles import AnyUser


def move_in_order(siblings: models.QuerySet[Any], item: models.Model, step: int) -> bool:
    """Move `item` one place up (step −1) or down (+1) among `siblings`, in their order.

    The siblings are renumbered 0, 1, 2… in their current order first (new items all
    start at 0), then `item` swaps places with its neighbour; all under a row lock, so
    two people reordering at once cannot leave a gap or a duplicate. False when it is
    already first (or last).
    """
    with transaction.atomic():
        ordered = list(siblings.select_for_update().order_by("position", "title", "pk"))
        index = next(i for i, sibling in enumerate(ordered) if sibling.pk == item.pk)
        target = index + step
        if not 0 <= target < len(ordered):
            return False
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, sibling in enumerate(ordered):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position", "updated_at"])
    return True


class Pillar(models.TextChoices):
    POLICY = "policy", "Policy & procedures"
    COMPLIANCE = "compliance", "Compliance"
    RISK = "risk", "Risk management"
    INCIDENT = "incident", "Incident response"
    AUDIT = "audit", "Audit & assessment"
    AWARENESS = "awareness", "Awareness & culture"
    TECHNOLOGY = "technology", "Security technology"
    BUDGET = "budget", "Budget & resources"


class ReviewedOnSchedule(models.Model):
    """What programme reviews keep on an objective or an initiative: when it is next due."""

    next_review = models.DateField(
        null=True, blank=True, help_text="Set by each programme review; it needs one after."
    )

    class Meta:
        abstract = True

    @property
    def needs_review(self) -> bool:
        """Its next review date has passed without a review."""
        return self.next_review is not None and self.next_review < timezone.localdate()


_R = TypeVar("_R", bound=ReviewedOnSchedule)


class ReviewedOnScheduleQuerySet(models.QuerySet[_R]):
    """The queryset side of `ReviewedOnSchedule`, for objectives and initiatives."""

    def needs_review(self) -> Self:
        """Those whose next review date has passed (`ReviewedOnSchedule.needs_review`)."""
        return self.filter(next_review__lt=timezone.localdate())


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    PAUSED = "paused", "Paused"
    RETIRED = "retired", "Retired"


class SecurityObjectiveQuerySet(ReviewedOnScheduleQuerySet["SecurityObjective"]):
    def visible_to(self, user: AnyUser) -> SecurityObjectiveQuerySet:
        # The security programme is open to everyone who uses the app: transparency is
        # the point. Department-specific links and assessments are filtered separately.
        return self if user.is_authenticated else self.none()

    def active(self) -> SecurityObjectiveQuerySet:
        return self.filter(status=ObjectiveStatus.ACTIVE)


class SecurityObjective(ReviewedOnSchedule):
    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    pillar = models.CharField(max_length=20, choices=Pillar.choices)
    protects_confidentiality = models.BooleanField("confidentiality", default=False)
    protects_integrity = models.BooleanField("integrity", default=False)
    protects_availability = models.BooleanField("availability", default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )
    business_value = models.TextField(
        "why the business should care",
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text="What it protects or enables for the business, in the business's words.",
    )
    business_goals = models.ManyToManyField(
        "departments.Goal",
        blank=True,
        related_name="protecting_objectives",
        help_text="The department goals it protects or enables.",
    )
    # The CISO's order of priority: lower first; ties by title.
    position = models.PositiveIntegerField(default=0)
    # Raised on every versioned save: no lost updates.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[business_goals])

    objects = SecurityObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        verbose_name = "security objective"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectiveStatus.values), name="objective_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=Pillar.values), name="objective_pillar_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("objectives:objective-detail", args=[self.pk])

    def move(self, step: int) -> bool:
        """One place up (−1) or down (+1) in the CISO's order of priority."""
        return move_in_order(SecurityObjective.objects.all(), self, step)

    @property
    def is_retired(self) -> bool:
        return self.status == ObjectiveStatus.RETIRED

    @property
    def cia_tags(self) -> list[str]:
        tags = []
        if self.protects_confidentiality:
            tags.append("Confidentiality")
        if self.protects_integrity:
            tags.append("Integrity")
        if self.protects_availability:
            tags.append("Availability")
        return tags


def get_objective_for(user: AnyUser, pk: int, *, write: bool = False) -> SecurityObjective:
    objective = get_object_or_404(SecurityObjective.objects.visible_to(user), pk=pk)
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes security objectives.")
    return objective


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


def counted(prefix: str = "") -> Q:
    """The one rule for what counts: an initiative counts unless it was **cancelled**.

    A *done* initiative still counts: the process it put in place (MFA, an approval gate)
    keeps costing the departments time each week, keeps supporting their goals and keeps
    getting in their way. A *proposed*, *planned* or *on hold* one counts too: the friction
    budget is a planning tool, and a plan that would push a department over its budget
    must show before it is rolled out. Friction, coverage, conflicts, the heatmap and the
    agendas all filter with this expression; `prefix` reaches the initiative from another
    model (`"initiative__"`, `"links__initiative__"`).
    """
    return ~Q(**{f"{prefix}status": InitiativeStatus.CANCELLED})


class InitiativeQuerySet(ReviewedOnScheduleQuerySet["Initiative"]):
    def visible_to(self, user: AnyUser) -> InitiativeQuerySet:
        return self if user.is_authenticated else self.none()

    def counted(self) -> InitiativeQuerySet:
        """Initiatives that count (not cancelled): see `counted()`."""
        return self.filter(counted())

    def unfinished(self) -> InitiativeQuerySet:
        """Initiatives still to be delivered (neither done nor cancelled)."""
        return self.exclude(status__in=[InitiativeStatus.DONE, InitiativeStatus.CANCELLED])


class Initiative(ReviewedOnSchedule):
    uid = portable_id()
    objective = models.ForeignKey(
        SecurityObjective, on_delete=models.PROTECT, related_name="initiatives"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=InitiativeStatus.choices, default=InitiativeStatus.PROPOSED
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=f"In {settings.CURRENCY}.",
    )
    # The order within its objective: lower first; ties by title.
    position = models.PositiveIntegerField(default=0)
    # Raised on every versioned save: no lost updates.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["objective__position", "objective__title", "position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0), name="initiative_budget_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="initiative_end_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InitiativeStatus.values), name="initiative_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("objectives:initiative-detail", args=[self.pk])

    def move(self, step: int) -> bool:
        """One place up (−1) or down (+1) among its objective's initiatives."""
        return move_in_order(Initiative.objects.filter(objective_id=self.objective_id), self, step)

    @property
    def counts(self) -> bool:
        """Whether the initiative counts for friction, coverage and conflicts (`counted()`)."""
        return self.status != InitiativeStatus.CANCELLED


def get_initiative_for(user: AnyUser, pk: int, *, write: bool = False) -> Initiative:
    initiative = get_object_or_404(
        Initiative.objects.visible_to(user).select_related("objective", "owner"), pk=pk
    )
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes initiatives.")
    return initiative
