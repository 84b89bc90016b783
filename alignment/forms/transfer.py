"""Uploading a programme export (alignment/portability/)."""

from __future__ import annotations

from typing import Any

from django import forms

from alignment.portability import archive
from alignment.portability.kinds import Refused
from departments.uploads import MAX_UPLOAD_BYTES


class ProgrammeImportForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text=(
            f"A .zip written by “Download the programme” or `export_programme`, at most "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB here (larger ones: `import_programme`)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = b""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        content = upload.read()
        try:
            archive.read(content, max_bytes=MAX_UPLOAD_BYTES)  # damaged, changed, too new…
        except Refused as refused:
            raise forms.ValidationError(str(refused)) from refused
        self.content = content
        return upload


class MergeForm(forms.Form):
    """The confirmation of an import; into an instance that already holds a programme, it
    must say to merge."""

    merge = forms.BooleanField(
        required=False,
        label="Merge into the programme already here",
        help_text="Rows with the same key are updated, the others added; nothing is deleted.",
    )

    def __init__(self, *args: Any, required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merge"].required = required
        self.fields["merge"].error_messages["required"] = (
            "This instance already holds a programme: tick this box to merge the file into it."
        )
