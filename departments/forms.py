from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from django import forms

from departments import documents, people
from departments.models import CheckIn, Direction, Goal, GoalStatus, ProcessDocument
from departments.onboarding import files as onboarding_files
from departments.versioning import VersionedModelForm

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import QuerySet
    from django.http import QueryDict

# The largest id any of our databases can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multi-select of rows that refuses ids no database integer can hold.

    Django checks the chosen ids with one `pk__in` query, which a tampered id beyond 64
    bits turns into a 500 (SQLite: OverflowError; PostgreSQL: out of range). Such an id
    names no row: it gets the field's own "not one of the available choices" error.
    """

    def clean(self, value: Any) -> Any:
        for chosen in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(chosen))
            except ValueError:
                continue  # not a number: Django's own check says so
            if abs(number) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": chosen},
                )
        return super().clean(value)


class GoalChoiceField(BoundedModelMultipleChoiceField):
    """Several department goals, each named with its department: "Sales: Triple revenue"."""

    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.department.name}: {obj.title}"


class PersonChoiceField(forms.ModelChoiceField):
    """A dropdown of people by full name (username for an account without a name):
    several people share a first name, and nobody recognises a colleague's username."""

    def label_from_instance(self, obj: User) -> str:
        return people.full_name(obj)


# Browsers' date inputs speak ISO 8601 whatever the locale; en-GB's first input format
# (dd/mm/yyyy) would leave an edited goal's due date blank.
ISO_DATE = "%Y-%m-%d"


class GoalForm(VersionedModelForm[Goal]):
    class Meta:
        model = Goal
        fields = [
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
            "owner",
            "status",
        ]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"owner": PersonChoiceField}

    def __init__(
        self, *args: Any, owner_choices: QuerySet[User] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if owner_choices is not None:
            cast("forms.ModelChoiceField[User]", self.fields["owner"]).queryset = owner_choices
        direction = cast("forms.TypedChoiceField", self.fields["direction"])
        direction.required = False
        direction.choices = [("", "Read it from the baseline and the target"), *Direction.choices]
        if self.instance.pk is None:
            self.initial["direction"] = ""  # not the model default: read it, unless chosen

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        baseline, target = data.get("baseline"), data.get("target")
        if not data.get("direction") and baseline is not None and target is not None:
            data["direction"] = Direction.LOWER if target < baseline else Direction.HIGHER
        # The department is not a field of the form, so Django's own check of the
        # uniqueness constraint skips it; the database still refuses a race.
        data = self.cleaned_data
        title, department = data.get("title"), self.instance.department_id
        if title and department and data.get("status") != GoalStatus.DONE:
            existing = Goal.objects.active_named(department, title, other_than=self.instance.pk)
            if existing is not None:
                self.add_error("title", duplicate_goal_message(existing))
        return data


# GoalForm's check that an active goal is not logged twice, with a pointer to the first.
def duplicate_goal_message(existing: Goal) -> str:
    return (
        f"{existing.department.name} already has an active goal “{existing.title}” "
        f"({existing.get_absolute_url()}): update that one, or mark it done first."
    )


class CheckInForm(forms.ModelForm):
    """A dated value with a confidence; the date defaults to today (the model's default)."""

    class Meta:
        model = CheckIn
        fields = ["date", "value", "confidence", "comment"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
            "confidence": forms.Select(
                choices=[(n, f"{n} of 5") for n in range(1, 6)],
            ),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("confidence", 3)  # the middle, not the bleakest, by default


def inline_checkin_form(goal: Goal, data: QueryDict | None = None) -> CheckInForm:
    """The check-in form of one goal's row: ids unique per goal, names as the plain form's,
    so the same endpoint serves the goal page's form and every row's."""
    form = CheckInForm(data, auto_id=f"id_checkin_{goal.pk}_%s")
    form.fields["comment"].widget.attrs["rows"] = 1
    return form


class DocumentForm(forms.ModelForm):
    """An upload, checked by content (departments/documents.py); the view stores it."""

    class Meta:
        model = ProcessDocument
        fields = ["title", "file"]
        widgets = {
            "file": forms.ClearableFileInput(
                attrs={"accept": ",".join(documents.ACCEPTED_EXTENSIONS)}
            ),
        }
        help_texts = {
            "file": f"{documents.ACCEPTED_LABEL}; at most {documents.MAX_DOCUMENT_LABEL}.",
            "title": "Leave empty to use the file's name.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.kind: documents.DocumentKind | None = None

    def clean_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return upload
        try:
            self.kind = documents.check_document(upload, upload.name, upload.size)
        except documents.DocumentRejected as rejected:
            raise forms.ValidationError(str(rejected), code="rejected") from rejected
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("file")
        if upload is not None and self.kind is not None:
            name = PurePath(upload.name).name[:255]
            self.instance.original_name = name
            self.instance.content_type = self.kind.content_type
            self.instance.size = upload.size
            if not cleaned.get("title"):
                cleaned["title"] = PurePath(name).stem[:200] or name
        return cleaned


class DocumentReviewForm(forms.Form):
    review_note = forms.CharField(
        label="Review note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you checked, or what should change.",
    )


class OnboardingForm(forms.Form):
    """A spreadsheet of departments or goals; checked as a whole here (size, format,
    columns, rows), row by row in the preview (departments/onboarding/)."""

    kind = forms.ChoiceField(
        label="The file holds",
        choices=[(layout.kind, layout.label) for layout in onboarding_files.LAYOUTS.values()],
        widget=forms.RadioSelect,
        initial=onboarding_files.DEPARTMENTS.kind,
    )
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            f"CSV (UTF-8) or Excel (.xlsx), at most {onboarding_files.MAX_LABEL} and "
            f"{onboarding_files.MAX_ROWS:,} rows; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = b""

    @property
    def layout(self) -> onboarding_files.Layout:
        return onboarding_files.LAYOUTS[self.cleaned_data["kind"]]

    @property
    def extension(self) -> str:
        return onboarding_files.extension_of(self.cleaned_data["file"].name)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload, kind = cleaned.get("file"), cleaned.get("kind")
        if upload is None or kind is None:
            return cleaned
        if upload.size > onboarding_files.MAX_BYTES:
            message = f"The file is larger than {onboarding_files.MAX_LABEL}: split it."
            self.add_error("file", message)
            return cleaned
        content = upload.read(onboarding_files.MAX_BYTES + 1)
        try:
            onboarding_files.read(content, upload.name or "", onboarding_files.LAYOUTS[kind])
        except onboarding_files.FileRefused as refused:
            self.add_error("file", str(refused))
            return cleaned
        self.content = content
        return cleaned
