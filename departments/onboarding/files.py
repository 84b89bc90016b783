"""Spreadsheet files for onboarding: what each kind holds, reading an upload into rows of
text, keeping it server-side until the user confirms, and the downloadable templates.

Reading refuses, with a message fit for the uploader (`FileRefused`), anything that is
not a CSV or XLSX of the expected columns: a file over `MAX_BYTES`, more than `MAX_ROWS`
rows, another format whatever its name, a ZIP that is no workbook or that would unpack
past `MAX_UNPACKED_BYTES` (read from the archive's directory, before anything is
unpacked), a CSV that is not UTF-8 text, a missing, unknown or repeated column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import tablib
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from import_export.formats.base_formats import CSV, XLSX

MAX_BYTES = 2 * 1024 * 1024
MAX_LABEL = "2 MB"
MAX_ROWS = 5_000
MAX_COLUMNS = 50
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
EXTENSIONS = ("csv", "xlsx")
# An upload waits this long for its confirmation; older ones are swept at the next upload.
KEPT_FOR = dt.timedelta(days=1)
FOLDER = "onboarding"


class FileRefused(ValueError):
    """The file cannot be imported at all; the message says why, for the uploader."""


@dataclass(frozen=True)
class Layout:
    """One kind of file: its columns (those in `required` must be in the header) and the
    example row of its template."""

    kind: str
    label: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    example: tuple[str, ...]
    label_column: str


DEPARTMENTS = Layout(
    kind="departments",
    label="Departments",
    columns=(
        "name",
        "slug",
        "charter",
        "head_email",
        "head_first_name",
        "head_last_name",
        "key_leaders",
    ),
    required=("name",),
    example=(
        "Infrastructure",
        "infrastructure",
        "Keeps the platform available, reliable and fast.",
        "ada.lovelace@example.com",
        "Ada",
        "Lovelace",
        "Grace Hopper <grace.hopper@example.com>; linus@example.com",
    ),
    label_column="name",
)
GOALS = Layout(
    kind="goals",
    label="Goals",
    columns=(
        "department",
        "title",
        "description",
        "category",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "current",
        "due_date",
        "status",
    ),
    required=("department", "title", "category", "metric", "baseline", "target", "due_date"),
    example=(
        "Infrastructure",
        "99.95 % monthly uptime",
        "Customers feel every minute of downtime.",
        "availability",
        "monthly uptime",
        "%",
        "higher",
        "99.5",
        "99.95",
        "99.7",
        f"{timezone.localdate().year + 1}-12-31",
        "on_track",
    ),
    label_column="title",
)
LAYOUTS = {layout.kind: layout for layout in (DEPARTMENTS, GOALS)}


@dataclass
class Sheet:
    """The rows of a file as text, under the header's column names, with the line each
    row had in the spreadsheet (blank rows are dropped, their lines still counted)."""

    dataset: tablib.Dataset
    lines: list[int]


# --- Reading ---------------------------------------------------------------------------


def column_key(cell: object) -> str:
    """'Head email', 'head-email' and 'HEAD_EMAIL' all name the column head_email."""
    return re.sub(r"[\s\-]+", "_", str(cell or "").strip().lower())


def cell_text(value: Any) -> str:
    """A cell as the text a person would type: dates in ISO 8601, numbers without a
    float's noise, nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value).strip()


def read(data: bytes, name: str, layout: Layout) -> Sheet:
    """The rows of an upload of `layout`'s kind, or FileRefused saying what is wrong."""
    if not data:
        raise FileRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The file is larger than {MAX_LABEL}: split it into several files.")
    extension = extension_of(name)
    if extension == "xlsx":
        rows = _xlsx_rows(data)
    elif extension == "csv":
        rows = _csv_rows(data)
    else:
        raise FileRefused("Upload a CSV (.csv) or Excel (.xlsx) file.")
    return _sheet(rows, layout)


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused("This is not an Excel workbook (.xlsx): it cannot be opened.") from error
    names = {member.filename for member in members}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise FileRefused("This ZIP archive is not an Excel workbook (.xlsx).")
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise FileRefused("This workbook unpacks to more than 50 MB: it is not a plain table.")
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # Read inside the try: a broken sheet fails while its rows are read.
        rows = [
            [cell_text(value) for value in row]
            for row in _bounded(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
        ]
    except FileRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused("This Excel workbook cannot be read: save it again and retry.") from error
    return iter(rows)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    if data.startswith(b"PK"):
        raise FileRefused("This is an archive (an Excel workbook?), not a CSV: name it .xlsx.")
    if b"\x00" in data:
        raise FileRefused("This is not a text file: a CSV holds no NUL bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused("Save the CSV as UTF-8 (“CSV UTF-8” in Excel) and retry.") from error
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales separates with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[cell.strip() for cell in row[:MAX_COLUMNS]] for row in _bounded(reader)]
    except csv.Error as error:
        raise FileRefused(f"The CSV cannot be read: {error}.") from error
    return iter(rows)


def _bounded(rows: Iterable[Any]) -> Iterator[Any]:
    """At most a header and MAX_ROWS rows that are not blank, or FileRefused."""
    filled = 0
    for row in rows:
        if any(cell not in (None, "") for cell in row):
            filled += 1
            if filled > MAX_ROWS + 1:
                raise FileRefused(f"At most {MAX_ROWS:,} rows at a time: split the file.")
        yield row


def _sheet(rows: Iterator[list[str]], layout: Layout) -> Sheet:
    line = 0
    header: list[str] = []
    for cells in rows:
        line += 1
        if any(cells):
            header = [column_key(cell) for cell in cells]
            break
    while header and not header[-1]:
        header.pop()
    if not header:
        raise FileRefused("The file is empty: the first row names the columns.")
    _check_header(header, layout)
    dataset = tablib.Dataset(headers=header)
    lines = []
    for cells in rows:
        line += 1
        if not any(cells):
            continue
        if any(cells[len(header) :]):
            raise FileRefused(f"Row {line} has more cells than the first row has columns.")
        dataset.append((cells + [""] * len(header))[: len(header)])
        lines.append(line)
    if not lines:
        raise FileRefused("The file has a header but no rows.")
    return Sheet(dataset=dataset, lines=lines)


def _check_header(header: list[str], layout: Layout) -> None:
    if "" in header:
        raise FileRefused("Every column needs a name in the first row.")
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise FileRefused(f"These columns appear twice: {', '.join(repeated)}.")
    unknown = [column for column in header if column not in layout.columns]
    if unknown:
        other = next((o for o in LAYOUTS.values() if set(header) <= set(o.columns)), None)
        hint = f" This looks like a {other.label.lower()} file." if other else ""
        raise FileRefused(
            f"Unknown column(s): {', '.join(unknown)}.{hint} "
            f"A {layout.label.lower()} file has: {', '.join(layout.columns)}."
        )
    missing = [column for column in layout.required if column not in header]
    if missing:
        raise FileRefused(f"Missing column(s): {', '.join(missing)}.")


# --- Keeping an upload until it is confirmed -------------------------------------------


@dataclass(frozen=True)
class Stored:
    token: str
    layout: Layout
    extension: str
    data: bytes

    @property
    def name(self) -> str:
        return f"{self.layout.kind}.{self.extension}"


TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _path(user_id: int, token: str, kind: str, extension: str) -> str:
    # Generated from the uploader's id, a random token and our own names: nothing the
    # browser sent reaches the file system.
    return f"{FOLDER}/{user_id}/{token}.{kind}.{extension}"


def store(user_id: int, layout: Layout, extension: str, data: bytes) -> str:
    """Keep an upload for its preview and confirmation; the token that names it."""
    sweep(user_id)
    token = secrets.token_hex(16)
    default_storage.save(_path(user_id, token, layout.kind, extension), ContentFile(data))
    return token


def load(user_id: int, token: str) -> Stored | None:
    """The upload this user stored under `token`, or None (someone else's, expired,
    already imported, or no such token)."""
    if not TOKEN.match(token):
        return None
    for layout in LAYOUTS.values():
        for extension in EXTENSIONS:
            path = _path(user_id, token, layout.kind, extension)
            if default_storage.exists(path):
                with default_storage.open(path, "rb") as handle:
                    return Stored(token, layout, extension, handle.read(MAX_BYTES + 1))
    return None


def discard(user_id: int, stored: Stored) -> None:
    default_storage.delete(_path(user_id, stored.token, stored.layout.kind, stored.extension))


def sweep(user_id: int, under: str = FOLDER) -> None:
    """Forget this user's uploads (kept in `under`) that waited longer than KEPT_FOR."""
    folder = f"{under}/{user_id}"
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEPT_FOR
    for name in names:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except FileNotFoundError:
            continue  # swept by a request of theirs running at the same time


# --- Templates -------------------------------------------------------------------------


def template(layout: Layout, extension: str) -> tuple[bytes, str]:
    """The header row and one example row, as a file of `extension`; its content type."""
    dataset = tablib.Dataset(layout.example, headers=list(layout.columns))
    file_format = XLSX() if extension == "xlsx" else CSV()
    exported = file_format.export_data(dataset)
    content = exported.encode("utf-8") if isinstance(exported, str) else exported
    return content, file_format.get_content_type()
