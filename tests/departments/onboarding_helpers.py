"""Spreadsheets for the onboarding tests, built in memory, and the rows they can touch."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from departments.models import Department, Goal

Rows = list[list[Any]]

DEPARTMENT_HEADER = [
    "name",
    "slug",
    "charter",
    "head_email",
    "head_first_name",
    "head_last_name",
    "key_leaders",
]
GOAL_HEADER = [
    "department",
    "title",
    "category",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "due_date",
    "status",
]


def csv_bytes(rows: Rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: Rows) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    # A text starting with "=" is text, not a formula, as a person typing it in a cell
    # formatted as text would have it.
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def named(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def upload(client: Client, kind: str, name: str, content: bytes) -> Any:
    return client.post(
        reverse("departments:onboarding"), {"kind": kind, "file": named(name, content)}
    )


def preview_url(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def row_counts() -> dict[str, int]:
    """Every table an onboarding can write, history and the key leaders' table included."""
    through = Department.key_leaders.through
    models = [
        Department,
        Department.history.model,
        Goal,
        Goal.history.model,
        get_user_model(),
        through,
    ]
    counts = {model._meta.db_table: model._default_manager.count() for model in models}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(version) FROM {Goal._meta.db_table}")
        counts["max goal version"] = cursor.fetchone()[0] or 0
    return counts
