"""Onboarding files that are hostile or broken: a clear refusal or a clear row error,
never a 500, and nothing saved."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from departments.models import Goal
from departments.onboarding import files
from tests.departments.onboarding_helpers import (
    GOAL_HEADER,
    csv_bytes,
    preview_url,
    row_counts,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

ROW = [
    "Infrastructure",
    "Uptime",
    "availability",
    "uptime",
    "%",
    "",
    "99",
    "99.9",
    "2030-12-31",
    "",
]


@pytest.fixture
def client(ciso: Any, dept_a: Any) -> Client:
    client = Client()
    client.force_login(ciso)
    return client


def refusal(response: Any) -> str:
    assert response.status_code == 422, response.status_code
    return " ".join(response.context["form"].errors["file"])


def goal_errors(client: Client, rows: list[list[Any]], name: str = "g.csv") -> list[tuple]:
    build = xlsx_bytes if name.endswith(".xlsx") else csv_bytes
    url = preview_url(upload(client, "goals", name, build(rows)))
    return [(e.line, e.column, e.message) for e in client.get(url).context["outcome"].errors]


@pytest.mark.parametrize("name", ["g.csv", "g.xlsx"])
def test_a_formula_is_stored_as_text_and_breaks_nothing(client: Client, name: str) -> None:
    row = list(ROW)
    row[1] = '=cmd|" /C calc"!A0'
    build = xlsx_bytes if name.endswith(".xlsx") else csv_bytes
    url = preview_url(upload(client, "goals", name, build([GOAL_HEADER, row])))
    page = client.get(url)
    assert "=cmd|&quot; /C calc&quot;!A0" in page.content.decode()
    assert client.post(url).status_code == 302
    assert Goal.objects.get().title == '=cmd|" /C calc"!A0'


def test_huge_and_non_finite_numbers_are_row_errors(client: Client) -> None:
    rows = [GOAL_HEADER]
    for n, value in enumerate(["1e400", "NaN", "Infinity", "9" * 40]):
        row = list(ROW)
        row[1], row[7] = f"Goal {n}", value
        rows.append(row)
    errors = goal_errors(client, rows)
    assert [(line, column) for line, column, _ in errors] == [
        (2, "target"),
        (3, "target"),
        (4, "target"),
        (5, "target"),
    ]
    assert Goal.objects.count() == 0


def test_control_characters_in_a_one_line_cell_are_refused(client: Client) -> None:
    row = list(ROW)
    row[1] = "Uptime\x0bBcc: x@example.com"
    row2 = list(ROW)
    row2[1], row2[3] = "Latency", "p95\nlatency"
    errors = goal_errors(client, [GOAL_HEADER, row, row2])
    message = "Write this on one line, without line breaks, tabs or other control characters."
    assert errors == [(2, "title", message), (3, "metric", message)]


def test_a_nul_byte_makes_a_csv_refused(client: Client) -> None:
    content = csv_bytes([GOAL_HEADER, ROW]).replace(b"Uptime", b"Up\x00time")
    response = upload(client, "goals", "g.csv", content)
    assert refusal(response) == "This is not a text file: a CSV holds no NUL bytes."


def test_a_3_mb_file_is_refused(client: Client) -> None:
    content = csv_bytes([GOAL_HEADER]) + b"x" * (3 * 1024 * 1024)
    response = upload(client, "goals", "g.csv", content)
    assert refusal(response) == "The file is larger than 2 MB: split it."


def test_a_zip_that_is_not_a_workbook_is_refused(client: Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = upload(client, "goals", "g.xlsx", buffer.getvalue())
    assert refusal(response) == "This ZIP archive is not an Excel workbook (.xlsx)."


def test_a_zip_bomb_is_refused_from_its_directory(client: Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    response = upload(client, "goals", "g.xlsx", buffer.getvalue())
    assert "unpacks to more than 50 MB" in refusal(response)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("g.xlsx", b"name,title\n", "This is not an Excel workbook (.xlsx): it cannot be opened."),
        ("g.pdf", b"%PDF-1.4", "Upload a CSV (.csv) or Excel (.xlsx) file."),
        ("g.csv", b"\xff\xfeg\x00", "This is not a text file: a CSV holds no NUL bytes."),
        ("g.csv", "départment".encode("latin-1"), "Save the CSV as UTF-8"),
        ("g.csv", b"PK\x03\x04rest", "This is an archive (an Excel workbook?), not a CSV"),
        ("g.csv", b"", "The submitted file is empty."),
        ("g.csv", b"\n\n", "The file is empty: the first row names the columns."),
        ("g.csv", csv_bytes([GOAL_HEADER]), "The file has a header but no rows."),
        ("g.csv", csv_bytes([["title", "metric"], ["a", "b"]]), "Missing column(s): department"),
        ("g.csv", csv_bytes([["name", "head_email"], ["a", "b"]]), "like a departments file"),
        ("g.csv", csv_bytes([[*GOAL_HEADER, "title"], ROW]), "columns appear twice: title"),
        (
            "g.csv",
            ",".join(GOAL_HEADER).encode() + b'\n"' + b"x" * 200_000 + b'"\n',
            "The CSV cannot be read: field larger than field limit",
        ),
    ],
)
def test_broken_files_get_a_clear_message(
    client: Client, name: str, content: bytes, message: str
) -> None:
    assert message in refusal(upload(client, "goals", name, content))


def test_a_broken_workbook_is_refused(client: Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml at all <<<")
        archive.writestr("xl/workbook.xml", "<broken")
    response = upload(client, "goals", "g.xlsx", buffer.getvalue())
    assert refusal(response) == "This Excel workbook cannot be read: save it again and retry."


def test_too_many_rows_are_refused(client: Client, settings: Any) -> None:
    rows = [GOAL_HEADER] + [[*ROW[:1], f"Goal {n}", *ROW[2:]] for n in range(files.MAX_ROWS + 1)]
    response = upload(client, "goals", "g.csv", csv_bytes(rows))
    assert refusal(response) == "At most 5,000 rows at a time: split the file."


def test_a_semicolon_separated_csv_and_excel_headers_are_read(client: Client) -> None:
    header = ["Department", "Title", "Category", "Metric", "Unit", "Baseline", "Target", "Due date"]
    row = ["Infrastructure", "Uptime", "Availability", "uptime", "%", "99", "99.9", "31/12/2030"]
    content = ";".join(header).encode() + b"\r\n" + ";".join(row).encode() + b"\r\n"
    url = preview_url(upload(client, "goals", "g.csv", content))
    assert client.get(url).context["outcome"].errors == []
    client.post(url)
    assert Goal.objects.get().due_date.isoformat() == "2030-12-31"


def test_the_confirmation_trusts_only_the_stored_file(client: Client) -> None:
    """Whatever the browser posts besides the token is ignored; another user's token and a
    malformed one find nothing; an imported file cannot be confirmed twice."""
    url = preview_url(upload(client, "goals", "g.csv", csv_bytes([GOAL_HEADER, ROW])))
    response = client.post(url, {"title": "Injected", "kind": "departments", "rows": "[]"})
    assert response.status_code == 302
    assert list(Goal.objects.values_list("title", flat=True)) == ["Uptime"]
    before = row_counts()
    again = client.post(url)
    assert again.status_code == 302 and again["Location"] == reverse("departments:onboarding")
    assert row_counts() == before
    bad = reverse("departments:onboarding-preview", kwargs={"token": "not-a-hex-token"})
    assert client.get(bad).status_code == 302


def test_another_users_upload_is_not_theirs_to_confirm(client: Client, admin_user: Any) -> None:
    url = preview_url(upload(client, "goals", "g.csv", csv_bytes([GOAL_HEADER, ROW])))
    other = Client()
    other.force_login(admin_user)
    response = other.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("departments:onboarding")
    assert Goal.objects.count() == 0
