"""Small real files of every type a process document may be, built in memory."""

from __future__ import annotations

import io
import zipfile

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MARKDOWN_BYTES = "# Change procedure\n\nStep one: ask Zoë.\n".encode()
TEXT_BYTES = b"Plain notes about the release process.\n"


def zip_bytes(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in members:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


DOCX_BYTES = zip_bytes("[Content_Types].xml", "word/document.xml", "_rels/.rels")
XLSX_BYTES = zip_bytes("[Content_Types].xml", "xl/workbook.xml", "_rels/.rels")
