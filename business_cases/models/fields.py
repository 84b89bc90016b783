"""Field helpers shared by the business case models: money is Decimal and never negative."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

ZERO = Decimal(0)
NON_NEGATIVE = [MinValueValidator(ZERO)]


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
