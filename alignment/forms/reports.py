"""The posture report's words (a narrative per section, sections switched off) and where
a board pack was presented."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from alignment.meetings.models import Occurrence
from alignment.models import PostureReport
from departments.versioning import VersionedModelForm

NARRATIVE_LIMIT = 4000


class ReportForm(VersionedModelForm[PostureReport]):
    """One narrative and one "include" box per section of the report."""

    class Meta:
        model = PostureReport
        fields: list[str] = []

    def __init__(self, *args: Any, sections: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        narratives = self.instance.narratives or {}
        hidden = set(self.instance.hidden_sections or [])
        for key, title in sections:
            self.fields[f"show_{key}"] = forms.BooleanField(
                label=f"Include “{title}”", required=False, initial=key not in hidden
            )
            self.fields[f"narrative_{key}"] = forms.CharField(
                label=f"{title}: what the board should take from it",
                required=False,
                max_length=NARRATIVE_LIMIT,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=narratives.get(key, ""),
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save the report's words"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        keys = [key for key, _ in self.sections]
        if not any(cleaned.get(f"show_{key}") for key in keys):
            raise forms.ValidationError("Keep at least one section in the report.")
        self.instance.narratives = {
            key: cleaned.get(f"narrative_{key}", "").strip()
            for key in keys
            if cleaned.get(f"narrative_{key}", "").strip()
        }
        self.instance.hidden_sections = [key for key in keys if not cleaned.get(f"show_{key}")]
        return cleaned


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Occurrence) -> str:
        return f"{obj.series.title}, {timezone.localtime(obj.start):%d %b %Y %H:%M}"


class PresentForm(forms.Form):
    """The senior-leadership meeting where the pack was discussed."""

    meeting = MeetingChoiceField(
        queryset=Occurrence.objects.none(),
        label="Senior-leadership meeting",
        error_messages={"invalid_choice": "Choose one of the senior-leadership meetings listed."},
    )

    def __init__(self, *args: Any, meetings: list[Occurrence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, MeetingChoiceField)
        field.queryset = (
            Occurrence.objects.filter(pk__in=[m.pk for m in meetings])
            .select_related("series")
            .order_by("-start")
        )
