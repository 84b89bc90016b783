"""Form fields shared by the business case forms, and the crispy helper they all use.

Amounts are Decimal and never negative, like their model fields (models/fields.py).
"""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

NEGATIVE = "Amounts cannot be negative."
HORIZON = "The horizon is 1 to 10 years."


def money(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        error_messages={"min_value": NEGATIVE},
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
    )


def rate(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=3,
        error_messages={"min_value": "A rate of occurrence cannot be negative."},
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.001", "inputmode": "decimal"}),
    )


def horizon_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Horizon (years)",
        min_value=1,
        max_value=10,
        initial=3,
        error_messages={"min_value": HORIZON, "max_value": HORIZON},
        help_text="Years over which costs and benefits are counted, 1 to 10.",
        widget=forms.NumberInput(attrs={"min": "1", "max": "10"}),
    )


def discount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label="Discount rate (% a year)",
        initial=Decimal("8.00"),
        help_text="What money costs the organisation a year; finance knows the figure.",
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "min_value": "The discount rate cannot be negative.",
            "max_value": "The discount rate is at most 100 %.",
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
