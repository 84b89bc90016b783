"""An upload stops at the size limit, instead of being read whole and refused after.

`SizeLimitHandler` comes first in FILE_UPLOAD_HANDLERS: it counts the bytes of every
file in a request and, past MAX_UPLOAD_BYTES (the largest document plus room for the
multipart envelope), stops the upload without reading the rest of the body. The view's
form then finds no file, and `refusal(request)` says why.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from departments.documents import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_LABEL

MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES + 64 * 1024
TOO_LARGE = f"The file is larger than {MAX_DOCUMENT_LABEL}."
_REFUSED = "_mom_upload_refused"
_Form = TypeVar("_Form", bound=forms.BaseForm)


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.announced_too_large = False

    def handle_raw_input(
        self,
        input_data: object,
        META: dict[str, str],
        content_length: int,
        boundary: object,
        encoding: str | None = None,
    ) -> None:
        # A body announced larger than any upload we accept: its first file is not read
        # (StopUpload may only be raised once the parser handles files).
        self.announced_too_large = content_length > MAX_UPLOAD_BYTES

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)  # type: ignore[arg-type]
        if self.announced_too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file

    def _refuse(self) -> None:
        if self.request is not None:
            setattr(self.request, _REFUSED, TOO_LARGE)
        raise StopUpload(connection_reset=True)


def refusal(request: HttpRequest) -> str:
    """Why the upload of this request was stopped ("" if it was not)."""
    return str(getattr(request, _REFUSED, ""))


def upload_form(request: HttpRequest, form_class: type[_Form], **kwargs: Any) -> _Form:
    """The form of an upload page: empty on GET; on POST bound to the data and files,
    and, when the upload was stopped at the limit, saying so on its file field (not
    "this field is required")."""
    if request.method != "POST":
        return form_class(**kwargs)
    form = form_class(request.POST, request.FILES, **kwargs)
    reason = refusal(request)
    if reason:
        form.errors["file"] = form.error_class([reason])
    return form
