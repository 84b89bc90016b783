from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from departments import people
from departments.forms import GoalChoiceField, PersonChoiceField
from departments.models import Goal
from departments.roles import SECURITY_GROUP
from departments.versioning import VersionedModelForm
from objectives.models import Initiative, Measure, Sample, SecurityObjective

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def security_team() -> QuerySet[User]:
    return people.by_name(get_user_model().objects.filter(groups__name=SECURITY_GROUP))


def active_goals_field(label: str, help_text: str) -> GoalChoiceField:
    """Several of the active department goals, listed by department."""
    return GoalChoiceField(
        queryset=Goal.objects.active()
        .select_related("department")
        .order_by("department__name", "title"),
        required=False,
        label=label,
        help_text=help_text + " Hold Ctrl (⌘ on a Mac) to choose several.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class ObjectiveForm(VersionedModelForm[SecurityObjective]):
    business_goals = active_goals_field(
        "Business goals it protects or enables", "Heads read this objective beside them."
    )

    class Meta:
        model = SecurityObjective
        fields = [
            "title",
            "description",
            "business_value",
            "business_goals",
            "pillar",
            "protects_confidentiality",
            "protects_integrity",
            "protects_availability",
            "owner",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "business_value": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"owner": PersonChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["owner"]).queryset = security_team()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            "description",
            "business_value",
            "business_goals",
            Row(Column("pillar"), Column("owner"), Column("status")),
            HTML('<p class="form-label mb-1">What it protects</p>'),
            Row(
                Column("protects_confidentiality"),
                Column("protects_integrity"),
                Column("protects_availability"),
            ),
            "version",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not any(
            data.get(f"protects_{aspect}")
            for aspect in ("confidentiality", "integrity", "availability")
        ):
            self.add_error(
                None, "Tick what it protects: confidentiality, integrity or availability."
            )
        return data


class InitiativeForm(VersionedModelForm[Initiative]):
    class Meta:
        model = Initiative
        fields = [
            "objective",
            "title",
            "description",
            "owner",
            "status",
            "start_date",
            "end_date",
            "budget",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"owner": PersonChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["owner"]).queryset = security_team()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "objective",
            "title",
            "description",
            Row(Column("owner"), Column("status")),
            Row(Column("start_date"), Column("end_date"), Column("budget")),
            "version",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        return data


class RetireForm(forms.Form):
    """The version the retire button was shown with: a retire based on an older one is
    refused, as every other save."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class MeasureForm(VersionedModelForm[Measure]):
    goals = active_goals_field(
        "Department goals it serves", "Their heads see this measure beside their goal."
    )

    class Meta:
        model = Measure
        fields = [
            "title",
            "unit",
            "direction",
            "baseline",
            "target",
            "stretch",
            "amber",
            "red",
            "cadence",
            "computation",
            "owner",
            "goals",
        ]
        field_classes = {"owner": PersonChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["owner"]).queryset = security_team()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("title", css_class="col-md-8"), Column("unit")),
            Row(Column("direction"), Column("cadence"), Column("owner")),
            Row(Column("baseline"), Column("target"), Column("stretch")),
            Row(Column("amber"), Column("red")),
            "computation",
            "goals",
            "version",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        title, objective = data.get("title"), self.instance.objective_id
        if title and objective:
            same = Measure.objects.filter(objective_id=objective, title__iexact=title)
            if self.instance.pk is not None:
                same = same.exclude(pk=self.instance.pk)
            existing = same.first()
            if existing is not None:
                self.add_error(
                    "title",
                    f"This objective already has the measure “{existing.title}” "
                    f"({existing.get_absolute_url()}): update that one.",
                )
        return data


class SampleForm(forms.ModelForm):
    """A typed-in value, dated today or earlier (the model's validator)."""

    class Meta:
        model = Sample
        fields = ["date", "value", "comment"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }
