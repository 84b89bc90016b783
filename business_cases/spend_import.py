"""Actual spend from a spreadsheet: the finance system's export, as CSV or XLSX.

Columns (a header row, in any order, case-insensitive): initiative, year, kind
(one-off / running), amount, description. Every row is checked first; one bad row saves
nothing and its error is named by row number. A row already recorded (same initiative,
year, kind, amount and description) is left alone, so importing the same file twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from business_cases.models import Spend, SpendKind
from business_cases.models.budget import FIRST_YEAR, LAST_YEAR
from business_cases.models.fields import MAX_MONEY, single_line
from departments.onboarding import files
from objectives.models import Initiative

COLUMNS = ("initiative", "year", "kind", "amount", "description")
LAYOUT = files.Layout(
    kind="spend",
    label="Spend",
    columns=COLUMNS,
    required=COLUMNS,
    example=("Roll out SSO + MFA", "2026", "one-off", "25000.00", "Integration services invoice"),
    label_column="description",
)
KINDS = {
    "one-off": SpendKind.ONE_OFF,
    "one off": SpendKind.ONE_OFF,
    "one_off": SpendKind.ONE_OFF,
    "running": SpendKind.RUNNING,
    "recurring": SpendKind.RUNNING,
}
TEMPLATE = (
    "initiative,year,kind,amount,description\r\n"
    "Roll out SSO + MFA,2026,one-off,25000.00,Integration services invoice\r\n"
)


@dataclass
class Result:
    rows: list[Spend] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0


def parse(upload: IO[bytes], name: str, *, user: object) -> Result:
    """Check every row; the Spend rows (unsaved) when all are good, else the errors. The
    file is read as onboarding reads its files (size, rows, format and ZIP checks)."""
    result = Result()
    data = upload.read(files.MAX_BYTES + 1)
    try:
        sheet = files.read(data, name, LAYOUT)
    except files.FileRefused as error:
        raise ValidationError(str(error)) from error
    rows = list(zip(sheet.lines, sheet.dataset.dict, strict=True))
    wanted = {row["initiative"].lower() for _, row in rows}
    by_title: dict[str, list[int]] = {}
    for pk, title in (
        Initiative.objects.annotate(key=Lower("title"))
        .filter(key__in=wanted)
        .values_list("pk", "key")
    ):
        by_title.setdefault(title, []).append(pk)
    for number, row in rows:
        problems, spend = _row(row, by_title)
        if problems:
            result.errors.append(f"Row {number}: {' '.join(problems)}")
        elif spend is not None:
            spend.entered_by = user  # type: ignore[assignment]
            result.rows.append(spend)
    return result


def _row(row: dict[str, str], by_title: dict[str, list[int]]) -> tuple[list[str], Spend | None]:
    problems = []
    title = row["initiative"]
    found = by_title.get(title.lower(), [])
    if not title:
        problems.append("the initiative is missing.")
    elif not found:
        problems.append(f"no initiative is called “{title}”.")
    elif len(found) > 1:
        problems.append(f"{len(found)} initiatives are called “{title}”: rename one first.")
    try:
        year = int(Decimal(row["year"]))
    except (InvalidOperation, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}.")
    kind = KINDS.get(row["kind"].lower())
    if kind is None:
        problems.append("the kind must be one-off or running.")
    try:
        amount = Decimal(row["amount"].replace(",", ""))
    except InvalidOperation:
        amount = Decimal(0)
    if not amount.is_finite() or not Decimal("0.01") <= amount <= MAX_MONEY:
        problems.append(f"the amount must be between 0.01 and {MAX_MONEY:,.0f}.")
    elif amount != amount.quantize(Decimal("0.01")):
        problems.append("the amount has more than two decimals.")
    description = row["description"]
    if not description:
        problems.append("the description is missing.")
    elif len(description) > 200:
        problems.append("the description is longer than 200 characters.")
    else:
        try:
            single_line(description)
        except ValidationError as error:
            problems.append(" ".join(error.messages))
    if problems or kind is None:
        return problems, None
    spend = Spend(
        initiative_id=found[0], year=year, kind=kind, amount=amount, description=description
    )
    return [], spend


@transaction.atomic
def save(result: Result) -> Result:
    """Save the rows not already recorded; all or nothing."""
    existing = set(
        Spend.objects.filter(initiative__in={s.initiative_id for s in result.rows}).values_list(
            "initiative_id", "year", "kind", "amount", "description"
        )
    )
    fresh = []
    for spend in result.rows:
        key = (spend.initiative_id, spend.year, spend.kind, spend.amount, spend.description)
        if key in existing:
            result.unchanged += 1
        else:
            existing.add(key)
            fresh.append(spend)
    for spend in fresh:
        spend.save()  # one by one: each gets its history row
    result.created = len(fresh)
    return result
