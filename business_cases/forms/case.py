"""The case itself: the first step that creates it, and the form of the editor's top half."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.layout import Column, Layout, Row
from django import forms

from business_cases import sources
from business_cases.forms.fields import discount_field, horizon_field, plain_helper
from business_cases.models import BusinessCase
from departments.forms import GoalChoiceField
from departments.models import Goal
from departments.versioning import VersionedModelForm


class CaseCreateForm(forms.ModelForm):
    """The first step: what the case is about; lines come in the editor."""

    horizon_years = horizon_field()
    discount_rate = discount_field()

    class Meta:
        model = BusinessCase
        fields = ["title", "summary", "horizon_years", "discount_rate"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper(
            Layout("title", "summary", Row(Column("horizon_years"), Column("discount_rate")))
        )


class CaseForm(VersionedModelForm[BusinessCase]):
    horizon_years = horizon_field()
    discount_rate = discount_field()
    business_goals = GoalChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Business goals it helps",
        help_text="The goals the initiative supports in the alignment matrix.",
    )

    class Meta:
        model = BusinessCase
        fields = [
            "title",
            "summary",
            "horizon_years",
            "discount_rate",
            "business_goals",
            "serves_confidentiality",
            "confidentiality_how",
            "serves_integrity",
            "integrity_how",
            "serves_availability",
            "availability_how",
            "user_benefits",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "user_benefits": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case: BusinessCase = self.instance
        offered = set(sources.supporting_goal_ids(case.initiative))
        offered |= {goal.pk for goal in case.business_goals.all()} if case.pk else set()
        goals = cast(GoalChoiceField, self.fields["business_goals"])
        goals.queryset = (
            Goal.objects.filter(pk__in=offered)
            .select_related("department")
            .order_by("department__name", "title")
        )
        self.helper = plain_helper(
            Layout(
                "title",
                "summary",
                Row(Column("horizon_years"), Column("discount_rate")),
                "business_goals",
                *[
                    Row(
                        Column(f"serves_{cia}", css_class="col-sm-3 pt-sm-4"),
                        Column(f"{cia}_how", css_class="col-sm-9"),
                    )
                    for cia in ("confidentiality", "integrity", "availability")
                ],
                "user_benefits",
                "version",
            )
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for cia in ("confidentiality", "integrity", "availability"):
            if data.get(f"serves_{cia}") and not (data.get(f"{cia}_how") or "").strip():
                self.add_error(f"{cia}_how", f"Say in a sentence how the case serves {cia}.")
        return data
