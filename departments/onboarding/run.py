"""Running an onboarding file: a dry run for the preview, then the import itself.

Both read the stored upload again from its bytes (nothing of the preview is trusted) and
run the same resource; the import runs in one transaction and keeps nothing unless every
row is valid. `Outcome` is what the preview and the confirmation show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from import_export.results import Result, RowResult

from departments.onboarding import files
from departments.onboarding.resources import RESOURCES, Change, OnboardingResource

logger = logging.getLogger(__name__)

ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "create",
    RowResult.IMPORT_TYPE_UPDATE: "update",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
}


@dataclass(frozen=True)
class RowOutcome:
    line: int
    action: str  # create, update, unchanged or error
    label: str
    changes: list[Change]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # "" for the row as a whole
    message: str


@dataclass
class Outcome:
    layout: files.Layout
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated)


def preview(stored: files.Stored) -> Outcome:
    """What importing the file would do; nothing is kept. FileRefused for a bad file."""
    sheet = files.read(stored.data, stored.name, stored.layout)
    resource = RESOURCES[stored.layout.kind](sheet.lines)
    result = resource.import_data(sheet.dataset, dry_run=True, use_transactions=True)
    return _outcome(stored.layout, result, resource, sheet)


def apply(stored: files.Stored) -> Outcome:
    """Import the file in one transaction: every row, or nothing when any row fails."""
    sheet = files.read(stored.data, stored.name, stored.layout)
    resource = RESOURCES[stored.layout.kind](sheet.lines)
    with transaction.atomic():
        result = resource.import_data(
            sheet.dataset,
            dry_run=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
        outcome = _outcome(stored.layout, result, resource, sheet)
        if not outcome.ok:
            transaction.set_rollback(True)
    return outcome


def _outcome(
    layout: files.Layout, result: Result, resource: OnboardingResource, sheet: files.Sheet
) -> Outcome:
    outcome = Outcome(layout=layout, people_created=list(resource.directory.created))
    lines = resource.lines
    # A row is named by its first column that names things: a department's name, a
    # goal's title (an invalid row has no object to name it).
    headers = sheet.dataset.headers or []
    # Every row is reported (`report_skipped`), in the order of the file.
    for index, row in enumerate(result.rows, start=1):
        action = ACTIONS.get(row.import_type, "error")
        cells = dict(zip(headers, sheet.dataset[index - 1], strict=False))
        label = str(cells.get(layout.label_column, ""))
        changes = resource.changes.get(index, []) if action == "update" else []
        outcome.rows.append(RowOutcome(lines[index - 1], action, label, changes))
    order = {column: n for n, column in enumerate(layout.columns)}
    for invalid in result.invalid_rows:
        line = lines[invalid.number - 1]
        found = [
            RowError(line, "" if column == NON_FIELD_ERRORS else column, message)
            for column, messages in invalid.error_dict.items()
            for message in messages
        ]
        outcome.errors += sorted(found, key=lambda e: order.get(e.column, len(order)))
    for error_row in result.error_rows:
        for error in error_row.errors:
            logger.warning("Onboarding row failed: %r", error.error)
            message = "This row could not be saved; nothing was kept. Check it and retry."
            outcome.errors.append(RowError(lines[error_row.number - 1], "", message))
    for error in result.base_errors:
        logger.warning("Onboarding failed: %r", error.error)
        outcome.errors.append(RowError(0, "", "The file could not be imported; nothing was kept."))
    outcome.errors.sort(key=lambda e: e.line)
    return outcome
