"""An executive's decision on a submitted case."""

from __future__ import annotations

from typing import Any

from django import forms

from business_cases.forms.fields import plain_helper
from business_cases.models import Outcome
from business_cases.models.fields import MAX_TEXT


class CaseDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=Outcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Comment",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why: the security team reads it, and it stays with the decision.",
        error_messages={"required": "A decision needs a comment."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper()

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError("A decision needs a comment.")
        return comment
