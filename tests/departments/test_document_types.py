"""A process document's type is read from its content; the name must agree with it."""

from __future__ import annotations

import io

import pytest

from departments import documents
from departments.documents import DocumentRejected, check_document
from tests.departments.files import (
    DOCX_BYTES,
    MARKDOWN_BYTES,
    PDF_BYTES,
    TEXT_BYTES,
    XLSX_BYTES,
    zip_bytes,
)


def check(name: str, data: bytes, size: int | None = None) -> documents.DocumentKind:
    return check_document(io.BytesIO(data), name, len(data) if size is None else size)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("procedure.pdf", PDF_BYTES, documents.PDF),
        ("Procedure.PDF", PDF_BYTES, documents.PDF),
        ("runbook.docx", DOCX_BYTES, documents.DOCX),
        ("budget.xlsx", XLSX_BYTES, documents.XLSX),
        ("notes.md", MARKDOWN_BYTES, documents.MARKDOWN),
        ("notes.markdown", MARKDOWN_BYTES, documents.MARKDOWN),
        ("notes.txt", TEXT_BYTES, documents.TEXT),
    ],
)
def test_it_accepts_each_supported_type(name: str, data: bytes, kind: object) -> None:
    assert check(name, data) == kind


def test_it_leaves_the_file_at_its_start_for_storage() -> None:
    file = io.BytesIO(DOCX_BYTES)
    check_document(file, "runbook.docx", len(DOCX_BYTES))
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.pdf", b"just some text pretending\n", "its content is a plain-text file"),
        ("report.pdf", DOCX_BYTES, "its content is a Word document"),
        ("runbook.docx", XLSX_BYTES, "its content is an Excel workbook"),
        ("notes.txt", PDF_BYTES, "its content is a PDF file"),
        ("notes.md", b"nul\x00byte", "is not a Markdown file"),
        ("notes.txt", "caf\xe9".encode("latin-1"), "is not a plain-text file"),
        ("any.docx", zip_bytes("word/document.xml"), "is not a Word document"),
        ("any.xlsx", zip_bytes("[Content_Types].xml", "other.xml"), "is not an Excel workbook"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "is not a Word document"),
        ("tool.exe", PDF_BYTES, "Only PDF"),
        ("no-extension", TEXT_BYTES, "Only PDF"),
        ("page.html", b"<script>alert(1)</script>", "Only PDF"),
    ],
)
def test_it_refuses_content_that_does_not_match(name: str, data: bytes, message: str) -> None:
    with pytest.raises(DocumentRejected, match=message):
        check(name, data)


def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(DocumentRejected, match="empty"):
        check("notes.txt", b"")


def test_it_refuses_a_file_over_ten_megabytes_without_reading_it() -> None:
    class Unreadable(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise AssertionError("a file over the limit must not be read")

    with pytest.raises(DocumentRejected, match="larger than 10 MB"):
        check_document(Unreadable(), "big.pdf", documents.MAX_DOCUMENT_BYTES + 1)


def test_a_file_of_exactly_ten_megabytes_is_fine() -> None:
    data = PDF_BYTES + b"0" * (documents.MAX_DOCUMENT_BYTES - len(PDF_BYTES))
    assert check("big.pdf", data) == documents.PDF
