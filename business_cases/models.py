"""Business cases for security investment: costs, risk scenarios, benefits and decisions.

A case belongs to an initiative. Its figures come from `business_cases.finance`, fed by
`BusinessCase.inputs()`; nothing here computes a figure itself. The workflow (submit,
decide, start a revision) lives in `business_cases.services`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from business_cases import finance, snapshots
from departments import roles
from departments.models import Department, Goal
from objectives.models import Initiative

ZERO = Decimal(0)
NON_NEGATIVE = [MinValueValidator(ZERO)]
# Used when neither the department nor the default row of LoadedRate says otherwise.
FALLBACK_HOURLY_RATE = Decimal("60.00")


def default_currency() -> str:
    return settings.CURRENCY


def money_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kwargs
    )


def rate_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    """An annual rate of occurrence: 0.2 is once in five years, 12 is monthly."""
    return models.DecimalField(
        verbose_name, max_digits=9, decimal_places=3, validators=NON_NEGATIVE, **kwargs
    )


# --- Loaded hourly rates ------------------------------------------------------------------


class LoadedRate(models.Model):
    """What an hour of a department's time costs, fully loaded; no department = the default."""

    department = models.OneToOneField(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="loaded_rate",
        help_text="Leave empty for the default rate used by every other department.",
    )
    hourly_rate = money_field("loaded hourly rate", help_text="Per hour, in the site currency.")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("department__name").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="rate_non_negative"),
            # One default row (department empty) at most: NULLs are never equal in a
            # plain unique index, so the index is on the department with NULL as 0.
            models.UniqueConstraint(
                Coalesce("department", Value(0)),
                name="rate_one_per_department",
                violation_error_message="There is already a rate for this department.",
            ),
        ]

    def __str__(self) -> str:
        who = self.department.name if self.department_id else "Default"
        return f"{who}: {self.hourly_rate}/h"

    @classmethod
    def rates_for(cls, department_ids: set[int]) -> dict[int, Decimal]:
        """The loaded hourly rate of each department (one query), the default where unset."""
        rows = cls.objects.filter(Q(department__in=department_ids) | Q(department__isnull=True))
        found = {row.department_id: row.hourly_rate for row in rows}
        default = found.pop(None, FALLBACK_HOURLY_RATE)
        return {pk: found.get(pk, default) for pk in department_ids}

    @classmethod
    def default_rate(cls) -> Decimal:
        row = cls.objects.filter(department__isnull=True).first()
        return row.hourly_rate if row else FALLBACK_HOURLY_RATE


# --- Cases --------------------------------------------------------------------------------


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
    def visible_to(self, user: Any) -> BusinessCaseQuerySet:
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
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="business_cases"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="The case in a few sentences.")
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
    confidentiality_how = models.CharField("how, for confidentiality", max_length=300, blank=True)
    serves_integrity = models.BooleanField("integrity", default=False)
    integrity_how = models.CharField("how, for integrity", max_length=300, blank=True)
    serves_availability = models.BooleanField("availability", default=False)
    availability_how = models.CharField("how, for availability", max_length=300, blank=True)
    user_benefits = models.TextField(
        "what users gain",
        blank=True,
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

    def snapshot(self) -> dict[str, Any]:
        """The figures as strings, for the decision row: what exactly was decided."""
        return snapshots.take(self)

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


def get_case_for(user: Any, pk: int, *, write: bool = False) -> BusinessCase:
    """The case with its lines, or 404 if the user may not see cases, or 403 if they may
    not change them (`write`: the security team). Whether the case's state allows a
    change is the caller's question (`case.is_editable`)."""
    case = get_object_or_404(BusinessCase.objects.with_lines(), pk=pk)
    if not roles.reads_everything(user):
        raise Http404("No such business case.")
    if write and not roles.is_ciso(user):
        raise PermissionDenied("Only the security team changes business cases.")
    return case


def get_case_to_decide(user: Any, pk: int) -> BusinessCase:
    """The case, if `user` is an executive: 404 if they may not see it, else 403."""
    case = get_case_for(user, pk)
    if not roles.is_executive(user):
        raise PermissionDenied("Only senior leadership decides business cases.")
    return case


# --- Lines --------------------------------------------------------------------------------


class Line(models.Model):
    """A row of a case. Its rules are database constraints, and its forms say the same
    rules in words; Django would also check each constraint in Python with one query per
    constraint per row, which would make the editor's queries grow with its lines."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Any = None) -> None:
        return None


class CostCategory(models.TextChoices):
    LICENCES = "licences", "Licences"
    SERVICES = "services", "Services"
    HARDWARE = "hardware", "Hardware"
    STAFF = "staff", "Staff"
    PEOPLE_TIME = "people_time", "People-time"


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    YEARLY = "yearly", "Yearly"


class CostLine(Line):
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="cost_lines")
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    recurrence = models.CharField(
        max_length=10, choices=Recurrence.choices, default=Recurrence.YEARLY
    )
    amount = money_field("amount")
    # Set on the lines kept in step with the initiative's impact assessments (one per
    # assessed department); the editor shows them but does not let them be removed.
    source_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours_per_week = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True, editable=False
    )
    hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["source_department__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(category__in=CostCategory.values), name="cost_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(recurrence__in=Recurrence.values), name="cost_recurrence_valid"
            ),
            models.CheckConstraint(
                condition=Q(source_department__isnull=True)
                | Q(recurrence=Recurrence.YEARLY, category=CostCategory.PEOPLE_TIME),
                name="cost_assessed_time_is_yearly_people_time",
            ),
            models.UniqueConstraint(
                fields=["case", "source_department"], name="cost_one_assessed_line_per_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount} ({self.get_recurrence_display().lower()})"

    @property
    def is_from_assessment(self) -> bool:
        return self.hours_per_week is not None


class RiskScenario(Line):
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=200)
    affects_confidentiality = models.BooleanField("C", default=False)
    affects_integrity = models.BooleanField("I", default=False)
    affects_availability = models.BooleanField("A", default=False)
    sle = money_field("SLE (likely)", help_text="What one occurrence costs.")
    sle_low = money_field("SLE low", null=True, blank=True)
    sle_high = money_field("SLE high", null=True, blank=True)
    aro_before = rate_field("ARO before (likely)", help_text="Occurrences a year, today.")
    aro_before_low = rate_field("ARO before low", null=True, blank=True)
    aro_before_high = rate_field("ARO before high", null=True, blank=True)
    aro_after = rate_field("ARO after (likely)", help_text="Occurrences a year, with the measure.")
    aro_after_low = rate_field("ARO after low", null=True, blank=True)
    aro_after_high = rate_field("ARO after high", null=True, blank=True)
    sle_after = money_field(
        "SLE after", null=True, blank=True, help_text="If the measure makes one occurrence cheaper."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0}) | Q(**{f"{name}__isnull": True}),
                    name=f"scenario_{name}_non_negative",
                )
                for name in (
                    "sle",
                    "sle_low",
                    "sle_high",
                    "aro_before",
                    "aro_before_low",
                    "aro_before_high",
                    "aro_after",
                    "aro_after_low",
                    "aro_after_high",
                    "sle_after",
                )
            ],
            *[
                models.CheckConstraint(
                    condition=(
                        Q(**{f"{name}_low__isnull": True})
                        | Q(**{f"{name}_low__lte": models.F(name)})
                    )
                    & (
                        Q(**{f"{name}_high__isnull": True})
                        | Q(**{f"{name}_high__gte": models.F(name)})
                    ),
                    name=f"scenario_{name}_low_likely_high",
                    violation_error_message="Low ≤ likely ≤ high.",
                )
                for name in ("sle", "aro_before", "aro_after")
            ],
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cia_tags(self) -> list[str]:
        return [
            letter
            for letter, on in (
                ("C", self.affects_confidentiality),
                ("I", self.affects_integrity),
                ("A", self.affects_availability),
            )
            if on
        ]

    def as_finance(self) -> finance.Scenario:
        return finance.Scenario(
            sle=finance.Range(self.sle, self.sle_low, self.sle_high),
            aro_before=finance.Range(self.aro_before, self.aro_before_low, self.aro_before_high),
            aro_after=finance.Range(self.aro_after, self.aro_after_low, self.aro_after_high),
            sle_after=self.sle_after,
        )

    @property
    def ale_before(self) -> Decimal:
        return finance.ale(self.sle, self.aro_before)

    @property
    def ale_after(self) -> Decimal:
        return finance.ale(self.sle if self.sle_after is None else self.sle_after, self.aro_after)

    @property
    def risk_reduction(self) -> Decimal:
        return self.as_finance().risk_reduction()

    @property
    def gets_worse(self) -> bool:
        """ARO after above ARO before: allowed (a trade-off), but worth a second look."""
        return self.aro_after > self.aro_before


class BenefitLine(Line):
    """A yearly benefit other than risk reduction, e.g. audit hours saved."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="benefit_lines")
    description = models.CharField(max_length=200)
    yearly_amount = money_field("yearly amount")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yearly_amount__gte=0), name="benefit_amount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class UserImpactEffect(models.TextChoices):
    ADDED = "added", "Added (cost)"
    SAVED = "saved", "Saved (benefit)"


class UserImpactLine(Line):
    """End users' time: users × minutes a week added or saved, at a loaded rate."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="user_impacts")
    description = models.CharField(max_length=200, help_text="e.g. MFA prompts, password resets.")
    users = models.PositiveIntegerField("users affected")
    minutes_per_week = models.DecimalField(
        "minutes a week, each", max_digits=7, decimal_places=1, validators=NON_NEGATIVE
    )
    effect = models.CharField(
        max_length=10, choices=UserImpactEffect.choices, default=UserImpactEffect.ADDED
    )
    hourly_rate = money_field("loaded hourly rate")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_week__gte=0), name="user_impact_minutes_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0), name="user_impact_rate_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(effect__in=UserImpactEffect.values), name="user_impact_effect_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def yearly_amount(self) -> Decimal:
        return finance.user_time_yearly(self.users, self.minutes_per_week, self.hourly_rate)


def case_inputs(
    *,
    cost_lines: Any,
    scenarios: Any,
    benefit_lines: Any,
    user_impacts: Any,
    horizon_years: int,
    discount_rate: Decimal,
) -> finance.CaseInputs:
    """Sum the lines by kind for the finance module; saved and unsaved lines alike.

    The live preview passes the editor's unsaved lines, the case its saved ones: the same
    sums and the same formulas either way.
    """
    impacts = list(user_impacts)
    one_off = finance.total(c.amount for c in cost_lines if c.recurrence == Recurrence.ONE_OFF)
    yearly = finance.total(c.amount for c in cost_lines if c.recurrence == Recurrence.YEARLY)
    yearly += finance.total(u.yearly_amount for u in impacts if u.effect == UserImpactEffect.ADDED)
    other = finance.total(b.yearly_amount for b in benefit_lines)
    other += finance.total(u.yearly_amount for u in impacts if u.effect == UserImpactEffect.SAVED)
    return finance.CaseInputs(
        one_off_cost=one_off,
        yearly_cost=yearly,
        other_yearly_benefit=other,
        scenarios=[s.as_finance() for s in scenarios],
        horizon_years=horizon_years,
        discount_rate=discount_rate / 100,
    )


# --- Decisions ----------------------------------------------------------------------------


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approve"
    REJECTED = "rejected", "Reject"
    REVISION_REQUESTED = "revision_requested", "Send back for revision"


class CaseDecision(models.Model):
    """An executive's decision on one revision of a case, with the figures it saw."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="decisions")
    revision = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            # One decision per revision: a second executive clicking at the same moment
            # is refused by the database, not silently recorded twice.
            models.UniqueConstraint(fields=["case", "revision"], name="decision_one_per_revision"),
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
