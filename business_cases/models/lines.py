"""The lines of a case: costs, risk scenarios, other benefits and end users' time."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from business_cases import finance
from business_cases.models.fields import (
    MAX_ARO,
    MAX_HOURLY_RATE,
    MAX_MINUTES_PER_WEEK,
    MAX_MONEY,
    MAX_USERS,
    at_most,
    between,
    hourly_rate_field,
    money_field,
    rate_field,
    single_line,
)
from departments.models import Department
from departments.portable import portable_id


class Line(models.Model):
    """A row of a case. Its rules are database constraints, and its forms say the same
    rules in words; Django would also check each constraint in Python with one query per
    constraint per row, which would make the editor's queries grow with its lines."""

    uid = portable_id()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
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
    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="cost_lines"
    )
    description = models.CharField(max_length=200, validators=[single_line])
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
            models.CheckConstraint(condition=at_most("amount", MAX_MONEY), name="cost_amount_max"),
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
    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="scenarios"
    )
    name = models.CharField(max_length=200, validators=[single_line])
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
            # SLE after is what one occurrence costs with the measure: at most the SLE.
            # The sensitivity scales it with the SLE's low and high ends, so a larger one
            # could turn in-range inputs into figures too large to show.
            models.CheckConstraint(
                condition=Q(sle_after__isnull=True) | Q(sle_after__lte=models.F("sle")),
                name="scenario_sle_after_at_most_sle",
                violation_error_message="SLE after is at most the likely SLE.",
            ),
            *[
                models.CheckConstraint(
                    condition=at_most(name, MAX_MONEY), name=f"scenario_{name}_max"
                )
                for name in ("sle", "sle_low", "sle_high", "sle_after")
            ],
            *[
                models.CheckConstraint(
                    condition=at_most(name, MAX_ARO), name=f"scenario_{name}_max"
                )
                for name in (
                    "aro_before",
                    "aro_before_low",
                    "aro_before_high",
                    "aro_after",
                    "aro_after_low",
                    "aro_after_high",
                )
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

    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="benefit_lines"
    )
    description = models.CharField(max_length=200, validators=[single_line])
    yearly_amount = money_field("yearly amount")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yearly_amount__gte=0), name="benefit_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=at_most("yearly_amount", MAX_MONEY), name="benefit_amount_max"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class UserImpactEffect(models.TextChoices):
    ADDED = "added", "Added (cost)"
    SAVED = "saved", "Saved (benefit)"


class UserImpactLine(Line):
    """End users' time: users × minutes a week added or saved, at a loaded rate."""

    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="user_impacts"
    )
    description = models.CharField(
        max_length=200, validators=[single_line], help_text="e.g. MFA prompts, password resets."
    )
    users = models.PositiveIntegerField("users affected", validators=between(0, MAX_USERS))
    minutes_per_week = models.DecimalField(
        "minutes a week, each",
        max_digits=7,
        decimal_places=1,
        validators=between(0, MAX_MINUTES_PER_WEEK),
    )
    effect = models.CharField(
        max_length=10, choices=UserImpactEffect.choices, default=UserImpactEffect.ADDED
    )
    hourly_rate = hourly_rate_field("loaded hourly rate")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=at_most("users", MAX_USERS), name="user_impact_users_max"
            ),
            models.CheckConstraint(
                condition=at_most("minutes_per_week", MAX_MINUTES_PER_WEEK),
                name="user_impact_minutes_max",
            ),
            models.CheckConstraint(
                condition=at_most("hourly_rate", MAX_HOURLY_RATE), name="user_impact_rate_max"
            ),
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
    cost_lines: Iterable[CostLine],
    scenarios: Iterable[RiskScenario],
    benefit_lines: Iterable[BenefitLine],
    user_impacts: Iterable[UserImpactLine],
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
