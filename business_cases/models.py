"""Business cases for security investment (see the business-cases issue)."""

from __future__ import annotations
