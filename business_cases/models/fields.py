"""Field helpers shared by the business case models: money is Decimal and never negative.

Every number a case is built from has a range that makes sense for a company (the
`MAX_*` bounds below). The forms say them in words, the model fields carry them as
validators (from which `out_of_range()` reads them) and each table repeats them as a
CheckConstraint. The bounds are chosen so that every figure the finance module derives
from in-range inputs, summed over the most lines a case may hold and its longest horizon,
stays far inside the 28 significant digits of Decimal's default context: about 10^21 at
most, shown to the cent, so no rounding of a figure can fail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from departments.text import CONTROL_CHARACTERS

ZERO = Decimal(0)

# One line's amount (a cost, a yearly benefit, an SLE): a trillion in the site currency.
MAX_MONEY = Decimal(10) ** 12
# A loaded hourly rate: a million an hour, generous in any currency.
MAX_HOURLY_RATE = Decimal(10) ** 6
# Occurrences a year: at most daily.
MAX_ARO = Decimal(365)
# End users affected by one line.
MAX_USERS = 10_000_000
# Minutes a week, each: there are 7 × 24 × 60 of them.
MAX_MINUTES_PER_WEEK = Decimal(10_080)
# Free text (a summary, a decision's comment): a few pages.
MAX_TEXT = 5_000
# Lines of each kind in one case (costs, scenarios, benefits, end-user lines).
MAX_LINES = 200

SINGLE_LINE = "Use one line of plain text: no line breaks, tabs or other control characters."


def default_currency() -> str:
    return settings.CURRENCY


def single_line(value: str) -> None:
    """A title or a label goes into email subjects, CSV cells and PDF headings: one line."""
    if CONTROL_CHARACTERS.search(value or ""):
        raise ValidationError(SINGLE_LINE, code="control_characters")


def between(low: Decimal | int, high: Decimal | int) -> list[Any]:
    return [MinValueValidator(low), MaxValueValidator(high)]


def money_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    """Up to MAX_MONEY (10^12.00: 15 digits) to the cent."""
    kwargs.setdefault("validators", between(ZERO, MAX_MONEY))
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=2, **kwargs)


def hourly_rate_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    return money_field(verbose_name, validators=between(ZERO, MAX_HOURLY_RATE), **kwargs)


def rate_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    """An annual rate of occurrence: 0.2 is once in five years, 12 is monthly."""
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=3,
        validators=between(ZERO, MAX_ARO),
        **kwargs,
    )


def at_most(name: str, high: Decimal | int) -> Q:
    """The upper bound of a field as a constraint's condition; an empty value passes."""
    return Q(**{f"{name}__lte": high}) | Q(**{f"{name}__isnull": True})


def out_of_range(row: models.Model) -> list[str]:
    """The verbose names of the row's fields whose stored value breaks a range validator.

    Only a row written around the forms (a raw update, a restore of an old backup) can
    have one: the page says which, instead of failing, so that the editor can repair it.
    """
    found = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if value is None:
            continue
        for validator in field.validators:
            if not isinstance(validator, MinValueValidator | MaxValueValidator):
                continue
            try:
                validator(value)
            except (ValidationError, TypeError, ArithmeticError):
                found.append(str(field.verbose_name))
                break
    return found
