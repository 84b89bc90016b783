"""Spreadsheet onboarding: departments (with their head and key leaders) and goals,
brought in from the CSV or XLSX file a company keeps today.

- `files`: reading an upload into rows (size, row and format limits, clear refusals),
  keeping it server-side between the preview and the confirmation, the templates;
- `people`: people named by email, matched case-insensitively, created when missing;
- `resources`: django-import-export resources, one per kind of file, whose rows obey
  the same rules as the pages (a goal goes through `GoalForm`);
- `run`: a dry run for the preview, the real import in one transaction, and what the
  preview shows (created / updated / unchanged, errors by row and column).

Only the security team and administrators onboard (`may_onboard`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from departments import roles

if TYPE_CHECKING:
    from departments.roles import AnyUser


def may_onboard(user: AnyUser) -> bool:
    """The security team and administrators bring departments and goals in."""
    return roles.is_ciso(user) or roles.is_admin(user)
