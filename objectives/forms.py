from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model

from departments.roles import SECURITY_GROUP
from objectives.models import Initiative

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class InitiativeForm(forms.ModelForm):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast("forms.ModelChoiceField[User]", self.fields["owner"])
        owner.queryset = (
            get_user_model().objects.filter(groups__name=SECURITY_GROUP).order_by("first_name")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "objective",
            "title",
            "description",
            Row(Column("owner"), Column("status")),
            Row(Column("start_date"), Column("end_date"), Column("budget")),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        return data
