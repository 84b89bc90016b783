"""What a process document really is: its type read from its content, not from its name.

Pure functions over a binary file object (an upload, or an open file): nothing here
touches the database or the storage. `check_document` either returns the detected kind
or raises `DocumentRejected` with a message fit to show in a form:

- a PDF starts with ``%PDF-``;
- a DOCX or an XLSX is a ZIP archive holding ``[Content_Types].xml`` and
  ``word/document.xml`` (DOCX) or ``xl/workbook.xml`` (XLSX); only the archive's
  directory is read, never a member, so a ZIP bomb costs nothing;
- Markdown and plain text must decode as UTF-8 and contain no NUL byte;
- the extension must name the detected type (a text file called ``.pdf`` is refused);
- empty files and files over `MAX_DOCUMENT_BYTES` are refused before anything is read.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_DOCUMENT_LABEL = "10 MB"


@dataclass(frozen=True)
class DocumentKind:
    """A type of document we accept: its name for people (alone and in a sentence), its
    MIME type, its extensions."""

    label: str
    phrase: str
    content_type: str
    extensions: tuple[str, ...]


PDF = DocumentKind("PDF", "a PDF file", "application/pdf", (".pdf",))
DOCX = DocumentKind(
    "Word document",
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = DocumentKind(
    "Excel workbook",
    "an Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
MARKDOWN = DocumentKind(
    "Markdown", "a Markdown file", "text/markdown; charset=utf-8", (".md", ".markdown")
)
TEXT = DocumentKind("Plain text", "a plain-text file", "text/plain; charset=utf-8", (".txt",))
KINDS = (PDF, DOCX, XLSX, MARKDOWN, TEXT)
ACCEPTED_EXTENSIONS = tuple(ext for kind in KINDS for ext in kind.extensions)
ACCEPTED_LABEL = "PDF, Word (.docx), Excel (.xlsx), Markdown (.md) or plain text (.txt)"

ZIP_MARKERS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


class DocumentRejected(ValueError):
    """The file is not a document we accept; the message says why, for the uploader."""


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()


def kind_for_extension(name: str) -> DocumentKind | None:
    extension = extension_of(name)
    return next((kind for kind in KINDS if extension in kind.extensions), None)


def _read_all(file: IO[bytes]) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _zip_kind(file: IO[bytes]) -> DocumentKind | None:
    """DOCX or XLSX by the archive's directory; None for any other ZIP or a broken one."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, marker in ZIP_MARKERS.items() if marker in names), None)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_kind(file: IO[bytes], name: str) -> DocumentKind | None:
    """The kind the content proves, or None. Text is Markdown or plain text by its name,
    since nothing in the bytes tells the two apart."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK"):
        return _zip_kind(file)
    if not _is_text(_read_all(file)):
        return None
    return MARKDOWN if extension_of(name) in MARKDOWN.extensions else TEXT


def check_document(file: IO[bytes], name: str, size: int) -> DocumentKind:
    """The document's kind, or DocumentRejected saying what is wrong with it."""
    if size <= 0:
        raise DocumentRejected("The file is empty.")
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected(f"The file is larger than {MAX_DOCUMENT_LABEL}.")
    claimed = kind_for_extension(name)
    if claimed is None:
        raise DocumentRejected(f"Only {ACCEPTED_LABEL} files are accepted.")
    detected = detect_kind(file, name)
    if detected is None:
        raise DocumentRejected(
            f"The content of “{PurePath(name).name}” is not {claimed.phrase}, "
            f"nor any other type we accept ({ACCEPTED_LABEL})."
        )
    if detected != claimed:
        raise DocumentRejected(
            f"The file is called “{PurePath(name).name}” but its content is "
            f"{detected.phrase}: the extension must match the content."
        )
    return detected
