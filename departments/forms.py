from __future__ import annotations

from typing import Any

from django import forms

from departments.models import CheckIn, Goal
from departments.versioning import VersionedModelForm


class GoalForm(VersionedModelForm):
    class Meta:
        model = Goal
        fields = [
            "title",
            "description",
            "category",
            "metric",
            "unit",
            "baseline",
            "target",
            "current",
            "due_date",
            "owner",
            "status",
        ]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, owner_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owner_choices is not None:
            self.fields["owner"].queryset = owner_choices


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["date", "value", "confidence", "comment"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "confidence": forms.Select(
                choices=[(n, f"{n} of 5") for n in range(1, 6)],
            ),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }
