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
    acknowledged = forms.BooleanField(
        label="I have read the warnings about the business side and decide with them in view.",
        required=False,
    )

    def __init__(self, *args: Any, warnings: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings = warnings or []
        if not self.warnings:
            del self.fields["acknowledged"]
        self.helper = plain_helper()

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError("A decision needs a comment.")
        return comment

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        approving = data.get("outcome") == Outcome.APPROVED
        if approving and self.warnings and not data.get("acknowledged"):
            self.add_error(
                "acknowledged", "Acknowledge the warnings about the business side to approve."
            )
        return data
