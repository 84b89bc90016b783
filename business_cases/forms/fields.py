"""Form fields shared by the business case forms, and the crispy helper they all use.

Every number has the range of its model field (models/fields.py), said in words. The
fields check decimal places but not a total of digits: a number too large gets the one
message about its range rather than a second one about digits. Messages that Django
%-formats (those for a limit) write a percent sign as `%%`.
"""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from business_cases.models.fields import (
    MAX_ARO,
    MAX_HOURLY_RATE,
    MAX_MINUTES_PER_WEEK,
    MAX_MONEY,
    MAX_USERS,
)

NEGATIVE = "Amounts cannot be negative."
HORIZON = "The horizon is 1 to 10 years."
NOT_A_NUMBER = "Enter a number."


class FiniteDecimalField(forms.DecimalField):
    """A DecimalField that reads "NaN", "sNaN" and "Infinity" as not a number at once:
    Django refuses them only in validate(), after has_changed() has compared them (a
    signalling NaN raises there, which answered 500 in a formset's empty extra form)."""

    def to_python(self, value: object) -> Decimal | None:  # type: ignore[override]
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def _bounded(
    label: str,
    *,
    high: Decimal,
    places: int,
    too_high: str,
    negative: str,
    required: bool = True,
    help_text: str = "",
    step: str,
) -> FiniteDecimalField:
    return FiniteDecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=high,
        decimal_places=places,
        help_text=help_text,
        error_messages={"min_value": negative, "max_value": too_high, "invalid": NOT_A_NUMBER},
        widget=forms.NumberInput(
            attrs={"min": "0", "max": f"{high}", "step": step, "inputmode": "decimal"}
        ),
    )


def money(label: str, *, required: bool = True, help_text: str = "") -> FiniteDecimalField:
    return _bounded(
        label,
        high=MAX_MONEY,
        places=2,
        too_high=f"An amount is at most {MAX_MONEY:,}.",
        negative=NEGATIVE,
        required=required,
        help_text=help_text,
        step="0.01",
    )


def hourly_rate_field(label: str) -> FiniteDecimalField:
    return _bounded(
        label,
        high=MAX_HOURLY_RATE,
        places=2,
        too_high=f"A loaded hourly rate is at most {MAX_HOURLY_RATE:,} an hour.",
        negative="A rate cannot be negative.",
        step="0.01",
    )


def rate(label: str, *, required: bool = True) -> FiniteDecimalField:
    return _bounded(
        label,
        high=MAX_ARO,
        places=3,
        too_high=f"A rate of occurrence is at most {MAX_ARO} a year (daily).",
        negative="A rate of occurrence cannot be negative.",
        required=required,
        step="0.001",
    )


def minutes_field(label: str) -> FiniteDecimalField:
    return _bounded(
        label,
        high=MAX_MINUTES_PER_WEEK,
        places=1,
        too_high=f"A week has {MAX_MINUTES_PER_WEEK:,} minutes.",
        negative="Minutes cannot be negative.",
        step="0.5",
    )


def users_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_USERS,
        error_messages={
            "min_value": "The number of users cannot be negative.",
            "max_value": f"A line counts at most {MAX_USERS:,} users.",
            "invalid": "Enter a whole number.",
        },
        widget=forms.NumberInput(attrs={"min": "0", "max": str(MAX_USERS)}),
    )


def horizon_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Horizon (years)",
        min_value=1,
        max_value=10,
        initial=3,
        error_messages={
            "min_value": HORIZON,
            "max_value": HORIZON,
            "invalid": "Enter a whole number of years.",
        },
        help_text="Years over which costs and benefits are counted, 1 to 10.",
        widget=forms.NumberInput(attrs={"min": "1", "max": "10"}),
    )


def discount_field() -> FiniteDecimalField:
    return FiniteDecimalField(
        label="Discount rate (% a year)",
        initial=Decimal("8.00"),
        help_text="What money costs the organisation a year; finance knows the figure.",
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        error_messages={
            "min_value": "The discount rate cannot be negative.",
            # Django %-formats this message with the limit: a bare % would be a 500.
            "max_value": "The discount rate is at most 100 %% a year.",
            "invalid": NOT_A_NUMBER,
        },
        widget=forms.NumberInput(attrs={"min": "0", "max": "100", "step": "0.01"}),
    )


def plain_helper(layout: Layout | None = None) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout is not None:
        helper.layout = layout
    return helper
