"""The security budget: an executive's envelope for a year, the security team's spend."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Column, Layout, Row
from django import forms

from business_cases.forms.fields import plain_helper
from business_cases.models import BudgetEnvelope, BusinessCase, Spend
from departments.versioning import VersionedModelForm
from objectives.models import Initiative


class EnvelopeForm(VersionedModelForm[BudgetEnvelope]):
    class Meta:
        model = BudgetEnvelope
        fields = ["one_off", "running"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper(Layout(Row(Column("one_off"), Column("running")), "version"))


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.objective.title})"


def initiative_field(**kwargs: Any) -> InitiativeChoiceField:
    """Every initiative, labelled with its objective."""
    return InitiativeChoiceField(
        queryset=Initiative.objects.select_related("objective").only(
            "pk", "title", "objective__title", "objective__position", "position"
        ),
        **kwargs,
    )


class SpendForm(forms.ModelForm):
    initiative = initiative_field(label="Initiative")

    class Meta:
        model = Spend
        fields = ["initiative", "kind", "amount", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper(
            Layout("initiative", Row(Column("kind"), Column("amount")), "description")
        )


class NewCaseForm(forms.ModelForm):
    """A case started from the portfolio: the initiative is chosen here."""

    initiative = initiative_field(label="For the initiative")

    class Meta:
        model = BusinessCase
        fields = ["initiative", "title", "summary", "horizon_years", "discount_rate"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Left empty, the case takes the initiative's title."
        self.helper = plain_helper(
            Layout(
                "initiative",
                "title",
                "summary",
                Row(Column("horizon_years"), Column("discount_rate")),
            )
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title") and data.get("initiative") is not None:
            data["title"] = data["initiative"].title
            self.instance.title = data["title"]
        return data
