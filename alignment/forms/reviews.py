"""The CISO's findings on one item of a programme review."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from alignment.models import ReviewItem, Verdict

YES_NO = [("", "—"), ("true", "Yes"), ("false", "No")]


class ReviewItemForm(forms.ModelForm):
    relevant = forms.NullBooleanField(
        label="Still relevant?", required=False, widget=forms.Select(choices=YES_NO)
    )
    effective = forms.NullBooleanField(
        label="Effective?", required=False, widget=forms.Select(choices=YES_NO)
    )
    verdict = forms.ChoiceField(choices=[("", "—"), *Verdict.choices], required=True)

    class Meta:
        model = ReviewItem
        fields = ["relevant", "effective", "verdict", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("relevant"), Column("effective"), Column("verdict")), "note"
        )
