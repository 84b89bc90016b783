"""Business cases: the case itself, its states and who may see or change it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from simple_history.models import HistoricalRecords

from business_cases import finance, simulation, snapshots
from business_cases.models.fields import (
    MAX_TEXT,
    ZERO,
    default_currency,
    out_of_range,
    single_line,
)
from business_cases.models.lines import CostLine, UserImpactEffect, case_inputs
from departments import roles
from departments.models import Goal
from departments.portable import portable_id
from objectives.models import Initiative

if TYPE_CHECKING:
    from business_cases.snapshots import Snapshot
    from departments.roles import AnyUser


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REVISION_REQUESTED = "revision_requested", "Revision requested"


# The security team changes a case only in these states; a submitted case waits for its
# decision, an approved one is locked until a new revision is started.
EDITABLE = {CaseStatus.DRAFT, CaseStatus.REVISION_REQUESTED, CaseStatus.REJECTED}
# After one of these decisions, the next change starts the next revision.
DECIDED = {CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.REVISION_REQUESTED}


class BusinessCaseQuerySet(models.QuerySet["BusinessCase"]):
    def visible_to(self, user: AnyUser) -> BusinessCaseQuerySet:
        """Security team, executives and administrators; department heads see no cases."""
        return self if roles.reads_everything(user) else self.none()

    def with_lines(self) -> BusinessCaseQuerySet:
        """Everything `figures()` reads, in a fixed number of queries however many cases."""
        return self.select_related("initiative__objective", "author").prefetch_related(
            Prefetch("cost_lines", CostLine.objects.select_related("source_department")),
            "scenarios",
            "benefit_lines",
            "user_impacts",
        )

    def awaiting_decision(self) -> BusinessCaseQuerySet:
        return self.filter(status=CaseStatus.SUBMITTED)


class BusinessCase(models.Model):
    uid = portable_id()
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="business_cases"
    )
    title = models.CharField(max_length=200, validators=[single_line])
    summary = models.TextField(
        blank=True, max_length=MAX_TEXT, help_text="The case in a few sentences."
    )
    horizon_years = models.PositiveSmallIntegerField(
        "horizon (years)",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Years over which costs and benefits are counted, 1 to 10.",
    )
    discount_rate = models.DecimalField(
        "discount rate (% a year)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("8.00"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )
    currency = models.CharField(max_length=3, default=default_currency, editable=False)
    business_goals = models.ManyToManyField(
        Goal,
        blank=True,
        related_name="business_cases",
        help_text="Pre-filled from the goals the initiative supports.",
    )
    serves_confidentiality = models.BooleanField("confidentiality", default=False)
    confidentiality_how = models.CharField(
        "how, for confidentiality", max_length=300, blank=True, validators=[single_line]
    )
    serves_integrity = models.BooleanField("integrity", default=False)
    integrity_how = models.CharField(
        "how, for integrity", max_length=300, blank=True, validators=[single_line]
    )
    serves_availability = models.BooleanField("availability", default=False)
    availability_how = models.CharField(
        "how, for availability", max_length=300, blank=True, validators=[single_line]
    )
    user_benefits = models.TextField(
        "what users gain",
        blank=True,
        max_length=MAX_TEXT,
        help_text="Concretely: fewer incidents, faster access, trust that customers notice…",
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    revision = models.PositiveIntegerField(default=1, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[business_goals])

    objects = BusinessCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1) & Q(horizon_years__lte=10),
                name="case_horizon_1_to_10",
                violation_error_message="The horizon must be between 1 and 10 years.",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0) & Q(discount_rate__lte=100),
                name="case_discount_rate_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="case_revision_positive"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"serves_{cia}": False}) | ~Q(**{f"{cia}_how": ""}),
                    name=f"case_{cia}_says_how",
                    violation_error_message=f"Say how the case serves {cia}.",
                )
                for cia in ("confidentiality", "integrity", "availability")
            ],
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("business_cases:case-detail", args=[self.pk])

    # --- state ---------------------------------------------------------------------------

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_approved(self) -> bool:
        return self.status == CaseStatus.APPROVED

    @property
    def cia_served(self) -> list[tuple[str, str]]:
        """(goal, how) for each of confidentiality, integrity, availability it serves."""
        return [
            (cia.capitalize(), getattr(self, f"{cia}_how"))
            for cia in ("confidentiality", "integrity", "availability")
            if getattr(self, f"serves_{cia}")
        ]

    # --- figures -------------------------------------------------------------------------

    def inputs(self) -> finance.CaseInputs:
        """The finance module's inputs, from the lines (prefetch them: see `with_lines`)."""
        return case_inputs(
            cost_lines=self.cost_lines.all(),
            scenarios=self.scenarios.all(),
            benefit_lines=self.benefit_lines.all(),
            user_impacts=self.user_impacts.all(),
            horizon_years=self.horizon_years,
            discount_rate=self.discount_rate,
        )

    @cached_property
    def figures(self) -> finance.CaseFigures:
        return finance.case_figures(self.inputs())

    @cached_property
    def sensitivity(self) -> dict[finance.Estimate, finance.CaseFigures]:
        return finance.sensitivity(self.inputs())

    @cached_property
    def simulation(self) -> simulation.Simulation:
        """The Monte Carlo of the figures (fixed seed: the page and the PDF agree)."""
        return simulation.simulate(self.inputs())

    def snapshot(self) -> Snapshot:
        """The figures as strings, for the decision row: what exactly was decided."""
        return snapshots.take(self)

    @property
    def out_of_range(self) -> list[str]:
        """What is stored outside its range, in words: empty unless a row was written
        around the forms (the page shows it, and the editor repairs it)."""
        found = [f"The case's {name}" for name in out_of_range(self)]
        lines: list[tuple[str, Iterable[models.Model]]] = [
            ("Cost line", self.cost_lines.all()),
            ("Risk scenario", self.scenarios.all()),
            ("Benefit line", self.benefit_lines.all()),
            ("End-user line", self.user_impacts.all()),
        ]
        for kind, rows in lines:
            for line in rows:
                names = out_of_range(line)
                label = getattr(line, "description", None) or getattr(line, "name", "")
                if names:
                    found.append(f"{kind} “{label}”: {', '.join(names)}")
        return found

    @property
    def has_content(self) -> bool:
        """A cost and a benefit (scenario, benefit line or time saved): something to decide."""
        costs = any(line.amount > 0 for line in self.cost_lines.all()) or any(
            u.effect == UserImpactEffect.ADDED for u in self.user_impacts.all()
        )
        benefits = (
            bool(self.scenarios.all())
            or bool(self.benefit_lines.all())
            or any(u.effect == UserImpactEffect.SAVED for u in self.user_impacts.all())
        )
        return costs and benefits


def get_case_for(user: AnyUser, pk: int, *, write: bool = False) -> BusinessCase:
    """The case with its lines, or 404 if the user may not see cases, or 403 if they may
    not change them (`write`: the security team). Whether the case's state allows a
    change is the caller's question (`case.is_editable`)."""
    case = get_object_or_404(BusinessCase.objects.with_lines(), pk=pk)
    if not roles.reads_everything(user):
        raise Http404("No such business case.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes business cases.")
    return case


def get_case_to_decide(user: AnyUser, pk: int) -> BusinessCase:
    """The case, if `user` is an executive: 404 if they may not see it, else 403."""
    case = get_case_for(user, pk)
    if not roles.is_executive(user):
        raise PermissionDenied("Only senior leadership decides business cases.")
    return case
