"""The yearly security budget: the envelope an executive sets, what approved cases commit
from it, and what is actually spent.

- `BudgetEnvelope`: one row a year, a one-off and a running amount, set by an executive.
- `Allocation`: what an approved case commits — its one-off cost in the year it was
  approved, its yearly running cost in each year of its horizon from then on. One row a
  case, replaced when a later revision is approved.
- `Spend`: money actually spent on an initiative, entered by the security team.

Committed, actual and remaining are SQL sums (`business_cases.budget`), never a loop over
the organisation.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from business_cases.models.fields import MAX_MONEY, ZERO, between, money_field, single_line
from departments.portable import portable_id
from objectives.models import Initiative

FIRST_YEAR, LAST_YEAR = 2000, 2100
# An allocation holds a whole case's yearly sums: up to MAX_LINES lines of MAX_MONEY each.
ALLOCATION_DIGITS = 20


def year_field(verbose_name: str = "year") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )


def year_in_range(name: str) -> Q:
    return Q(**{f"{name}__gte": FIRST_YEAR}) & Q(**{f"{name}__lte": LAST_YEAR})


class BudgetEnvelope(models.Model):
    """The security budget of one year: one-off (projects) and running (licences, people)."""

    year = year_field()
    one_off = money_field("one-off budget", help_text="Projects, purchases, set-up.")
    running = money_field("running budget", help_text="Licences, services, people: per year.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year"], name="envelope_one_per_year"),
            models.CheckConstraint(condition=year_in_range("year"), name="envelope_year_range"),
            models.CheckConstraint(
                condition=Q(one_off__gte=0) & Q(one_off__lte=MAX_MONEY),
                name="envelope_one_off_range",
            ),
            models.CheckConstraint(
                condition=Q(running__gte=0) & Q(running__lte=MAX_MONEY),
                name="envelope_running_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Security budget {self.year}"


class Allocation(models.Model):
    """What an approved case commits from the envelopes: see the module docstring."""

    case = models.OneToOneField(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="allocation"
    )
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="allocations")
    revision = models.PositiveIntegerField()
    first_year = year_field("first year")
    last_year = year_field("last year")
    one_off = models.DecimalField(max_digits=ALLOCATION_DIGITS, decimal_places=2)
    yearly = models.DecimalField(max_digits=ALLOCATION_DIGITS, decimal_places=2)
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-approved_at"]
        constraints = [
            models.CheckConstraint(condition=year_in_range("first_year"), name="alloc_first_year"),
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")) & year_in_range("last_year"),
                name="allocation_years_in_order",
            ),
            models.CheckConstraint(
                condition=Q(one_off__gte=0) & Q(yearly__gte=0), name="allocation_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} ({self.first_year}–{self.last_year})"


class SpendKind(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    RUNNING = "running", "Running"


class Spend(models.Model):
    """Money actually spent on an initiative, as the invoices say."""

    uid = portable_id()
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="spend")
    year = year_field()
    kind = models.CharField(max_length=10, choices=SpendKind.choices, default=SpendKind.RUNNING)
    amount = money_field("amount", validators=between(Decimal("0.01"), MAX_MONEY))
    description = models.CharField(max_length=200, validators=[single_line])
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=year_in_range("year"), name="spend_year_range"),
            models.CheckConstraint(
                condition=Q(amount__gt=ZERO) & Q(amount__lte=MAX_MONEY), name="spend_amount_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=SpendKind.values), name="spend_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"
