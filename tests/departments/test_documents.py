"""Process documents: the head uploads, readers download, the security team reviews."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.db.models.sql.compiler import SQLInsertCompiler
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse

from departments import documents, uploads
from departments.models import ProcessDocument
from tests import factories
from tests.conftest import HTMX
from tests.departments.files import DOCX_BYTES, MARKDOWN_BYTES, PDF_BYTES, XLSX_BYTES

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media_root: Any) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def upload_url(department: Any) -> str:
    return reverse("departments:document-upload", args=[department.slug])


def review_url(document: Any) -> str:
    return reverse("departments:document-review", args=[document.pk])


def download_url(document: Any) -> str:
    return reverse("departments:document-download", args=[document.pk])


# --- upload -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("Change procedure.pdf", PDF_BYTES, "application/pdf"),
        ("runbook.docx", DOCX_BYTES, documents.DOCX.content_type),
        ("capacity.xlsx", XLSX_BYTES, documents.XLSX.content_type),
        ("notes.md", MARKDOWN_BYTES, "text/markdown; charset=utf-8"),
    ],
)
def test_head_uploads_a_document_stored_under_a_generated_name(
    client: Any,
    head_a: Any,
    dept_a: Any,
    media_root: Any,
    name: str,
    data: bytes,
    content_type: str,
) -> None:
    client.force_login(head_a)
    # The browser's claimed type is ignored: the content decides.
    response = client.post(upload_url(dept_a), {"title": "", "file": upload(name, data, "x/y")})

    assert response.status_code == 302
    assert response["Location"] == f"{dept_a.get_absolute_url()}#documents"
    document = ProcessDocument.objects.get()
    assert document.department == dept_a and document.uploaded_by == head_a
    assert document.original_name == name
    assert document.title == Path(name).stem
    assert document.content_type == content_type
    assert document.size == len(data)
    assert document.file.name.startswith(f"documents/{dept_a.pk}/")
    assert Path(name).stem not in document.file.name  # the user's name never hits the disk
    (path,) = stored_files(media_root)
    assert path.read_bytes() == data


def test_htmx_upload_answers_the_documents_section_with_the_new_row(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    client.force_login(head_a)
    response = client.post(
        upload_url(dept_a), {"title": "Runbook", "file": upload("r.pdf", PDF_BYTES)}, **HTMX
    )
    document = ProcessDocument.objects.get()
    text = response.text
    assert response.status_code == 200
    assert text.lstrip().startswith('<section class="mb-4" id="documents"')
    assert f'id="document-row-{document.pk}"' in text and "Document “Runbook” uploaded." in text
    assert "<html" not in text


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("fake.pdf", b"I am only text\n", "its content is a plain-text file"),
        ("runbook.docx", PDF_BYTES, "its content is a PDF file"),
        ("macro.exe", PDF_BYTES, "Only PDF"),
        ("empty.txt", b"", "The submitted file is empty."),
        ("binary.txt", b"\x00\x01\x02", "is not a plain-text file"),
    ],
)
def test_bad_file_gets_a_form_error_and_nothing_is_stored(
    client: Any,
    head_a: Any,
    dept_a: Any,
    media_root: Any,
    name: str,
    data: bytes,
    error: str,
) -> None:
    client.force_login(head_a)
    for extra in ({}, HTMX):
        response = client.post(upload_url(dept_a), {"file": upload(name, data)}, **extra)
        assert response.status_code == 422  # an invalid form, in place
        assert error in response.text
        assert "is-invalid" in response.text
    assert not ProcessDocument.objects.exists()
    assert stored_files(media_root) == []


def test_too_big_a_file_is_refused_and_nothing_is_stored(
    client: Any, head_a: Any, dept_a: Any, media_root: Any
) -> None:
    data = PDF_BYTES + b"0" * documents.MAX_DOCUMENT_BYTES
    client.force_login(head_a)
    response = client.post(upload_url(dept_a), {"file": upload("huge.pdf", data)})
    assert response.status_code == 422  # an invalid form, in place
    assert "The file is larger than 10 MB." in response.text
    assert not ProcessDocument.objects.exists()
    assert stored_files(media_root) == []


def test_upload_without_a_file_says_so(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    response = client.post(upload_url(dept_a), {"title": "Nothing"})
    assert response.status_code == 422  # an invalid form, in place
    assert "This field is required." in response.text
    assert not ProcessDocument.objects.exists()


def test_htmx_bad_upload_re_renders_the_section_with_the_error(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    client.force_login(head_a)
    response = client.post(upload_url(dept_a), {"file": upload("fake.pdf", b"text")}, **HTMX)
    assert response.text.lstrip().startswith('<section class="mb-4" id="documents"')
    assert "its content is a plain-text file" in response.text


def test_upload_page_works_without_javascript(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    response = client.get(upload_url(dept_a))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and "<html" in response.text


def test_head_of_sales_cannot_upload_to_infrastructure(
    client: Any, head_b: Any, dept_a: Any, dept_b: Any, media_root: Any
) -> None:
    client.force_login(head_b)
    response = client.post(upload_url(dept_a), {"file": upload("a.pdf", PDF_BYTES)})
    assert response.status_code == 404
    assert not ProcessDocument.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("role", ["ciso", "executive"])
def test_only_the_head_uploads(
    client: Any, role: str, request: pytest.FixtureRequest, dept_a: Any, media_root: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(upload_url(dept_a), {"file": upload("a.pdf", PDF_BYTES)})
    assert response.status_code == 403
    assert not ProcessDocument.objects.exists()
    assert stored_files(media_root) == []


def test_upload_refuses_other_methods(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    assert client.put(upload_url(dept_a)).status_code == 405


def test_a_failed_insert_leaves_no_file_behind(
    client: Any, head_a: Any, dept_a: Any, media_root: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = SQLInsertCompiler.execute_sql

    def insert_fails(self: SQLInsertCompiler, *args: Any, **kwargs: Any) -> Any:
        if self.query.model is not ProcessDocument:
            return original(self, *args, **kwargs)
        self.as_sql()  # prepares the values, which writes the file, as a real insert does
        raise DatabaseError("database went away")

    monkeypatch.setattr(SQLInsertCompiler, "execute_sql", insert_fails)
    client.raise_request_exception = True
    client.force_login(head_a)
    with pytest.raises(DatabaseError):
        client.post(upload_url(dept_a), {"file": upload("a.pdf", PDF_BYTES)})
    assert stored_files(media_root) == []


# --- download ---------------------------------------------------------------------------


@pytest.fixture
def document(dept_a: Any, head_a: Any) -> Any:
    return factories.DocumentFactory(
        department=dept_a,
        uploaded_by=head_a,
        title="Change procedure",
        original_name="Change procedure.md",
        content_type="text/markdown; charset=utf-8",
    )


@pytest.mark.parametrize("role", ["head_a", "ciso", "executive"])
def test_readers_download_the_document_as_an_attachment(
    client: Any, role: str, request: pytest.FixtureRequest, document: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Change procedure.md"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"# Procedure\n\nStep one.\n"


def test_a_key_leader_downloads_their_departments_document(
    client: Any, outsider: Any, document: Any, dept_a: Any
) -> None:
    dept_a.key_leaders.add(outsider)
    client.force_login(outsider)
    assert client.get(download_url(document)).status_code == 200


@pytest.mark.parametrize("role", ["head_b", "outsider"])
def test_others_cannot_download_the_document(
    client: Any, role: str, request: pytest.FixtureRequest, document: Any, dept_b: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(download_url(document)).status_code == 404


def test_a_document_whose_file_is_gone_is_a_404(client: Any, head_a: Any, document: Any) -> None:
    document.file.storage.delete(document.file.name)
    client.force_login(head_a)
    assert client.get(download_url(document)).status_code == 404


def test_download_refuses_post(client: Any, head_a: Any, document: Any) -> None:
    client.force_login(head_a)
    assert client.post(download_url(document)).status_code == 405


def test_department_page_lists_documents_with_their_review(
    client: Any, head_a: Any, ciso: Any, document: Any, dept_a: Any
) -> None:
    document.mark_reviewed(by=ciso, note="Add the rollback step.")
    factories.DocumentFactory(department=dept_a, title="Unreviewed one")
    client.force_login(head_a)
    text = client.get(dept_a.get_absolute_url()).text
    assert download_url(document) in text
    assert ">Reviewed</span>" in text and "Add the rollback step." in text
    assert ">Not reviewed yet</span>" in text
    assert review_url(document) not in text  # heads do not review


# --- review -----------------------------------------------------------------------------


def test_ciso_marks_a_document_reviewed_in_place(client: Any, ciso: Any, document: Any) -> None:
    client.force_login(ciso)
    page = client.get(document.department.get_absolute_url()).text
    assert f'hx-post="{review_url(document)}"' in page

    response = client.post(review_url(document), {"review_note": "Looks right."}, **HTMX)

    text = response.text
    assert response.status_code == 200
    assert text.lstrip().startswith(f'<tr id="document-row-{document.pk}"')
    assert ">Reviewed</span>" in text and "Looks right." in text
    document.refresh_from_db()
    assert document.reviewed_by == ciso and document.reviewed_at is not None
    assert document.review_note == "Looks right."


def test_ciso_review_without_htmx_redirects_to_the_department(
    client: Any, ciso: Any, document: Any
) -> None:
    client.force_login(ciso)
    response = client.post(review_url(document), {"review_note": "Fine."})
    assert response.status_code == 302
    assert response["Location"] == (
        f"{document.department.get_absolute_url()}#document-row-{document.pk}"
    )
    document.refresh_from_db()
    assert document.is_reviewed


def test_review_page_works_without_javascript(client: Any, ciso: Any, document: Any) -> None:
    client.force_login(ciso)
    response = client.get(review_url(document))
    assert response.status_code == 200
    assert "<html" in response.text and "Review note" in response.text


def test_too_long_a_review_note_is_refused_in_place(client: Any, ciso: Any, document: Any) -> None:
    client.force_login(ciso)
    response = client.post(review_url(document), {"review_note": "x" * 2001}, **HTMX)
    assert response.status_code == 422  # an invalid form, in place
    assert "at most 2000 characters" in response.text
    assert '<details class="review-inline" open>' in response.text
    document.refresh_from_db()
    assert not document.is_reviewed


@pytest.mark.parametrize(("role", "status"), [("executive", 403), ("head_a", 403)])
def test_only_the_security_team_reviews(
    client: Any, role: str, status: int, request: pytest.FixtureRequest, document: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    for extra in ({}, HTMX):
        response = client.post(review_url(document), {"review_note": "mine"}, **extra)
        assert response.status_code == status
    document.refresh_from_db()
    assert not document.is_reviewed


def test_a_head_of_another_department_does_not_even_see_the_document(
    client: Any, head_b: Any, dept_b: Any, document: Any
) -> None:
    client.force_login(head_b)
    assert client.post(review_url(document), {"review_note": "x"}).status_code == 404


def test_review_refuses_other_methods(client: Any, ciso: Any, document: Any) -> None:
    client.force_login(ciso)
    assert client.put(review_url(document)).status_code == 405
    assert client.delete(review_url(document)).status_code == 405


def test_an_oversized_upload_is_not_read_past_the_limit(
    head_a: Any, dept_a: Any, media_root: Any
) -> None:
    """The handler stops the upload at the limit: the rest of a 12 MB body stays unread."""
    read = 0

    class CountingStream(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            nonlocal read
            chunk = super().read(size)
            read += len(chunk)
            return chunk

    body = encode_multipart(
        "BoUnDaRy", {"title": "Huge", "file": upload("huge.pdf", PDF_BYTES + b"0" * (12 << 20))}
    )
    client = Client()
    client.force_login(head_a)
    request = client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=upload_url(dept_a),
        CONTENT_TYPE="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": CountingStream(body)},
    )
    assert request.status_code == 422
    assert uploads.TOO_LARGE in request.text
    assert read < uploads.MAX_UPLOAD_BYTES
    assert not ProcessDocument.objects.exists()
    assert stored_files(media_root) == []
