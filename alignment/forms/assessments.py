"""Forms for impact assessments, the head's answer and a department's friction budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from alignment.models import Agreement, ImpactAssessment
from departments.models import BUDGET_MAX_HOURS, TEXT_MAX_LENGTH, Department
from departments.versioning import MISSING_VERSION, VersionedModelForm


class AssessmentForm(VersionedModelForm[ImpactAssessment]):
    """The CISO's assessment of one initiative on one department.

    A new assessment chooses its department; an existing one keeps it. Changing the hours
    of an answered assessment sends it back to the head (ImpactAssessment.reopen_if_hours_changed).
    """

    class Meta:
        model = ImpactAssessment
        fields = [
            "department",
            "hours_per_week",
            "people_affected",
            "processes_touched",
            "mitigation_plan",
            "support_offered",
        ]
        widgets = {
            "hours_per_week": forms.NumberInput(attrs={"min": "0", "step": "0.5"}),
            "people_affected": forms.NumberInput(attrs={"min": "0"}),
            "processes_touched": forms.Textarea(attrs={"rows": 2}),
            "mitigation_plan": forms.Textarea(attrs={"rows": 3}),
            "support_offered": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "processes_touched": "Which of the department's processes change, e.g. deploys, "
            "customer calls.",
            "mitigation_plan": "What softens the impact.",
            "support_offered": "What the security team does to help.",
        }

    instance: ImpactAssessment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hours_before: Decimal | None = self.instance.hours_per_week
        if self.instance.pk is not None:
            del self.fields["department"]
        else:
            department = cast("forms.ModelChoiceField[Department]", self.fields["department"])
            department.queryset = Department.objects.order_by("name")
            department.empty_label = "Choose a department"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        department = cleaned.get("department")
        if department is not None and self.instance.pk is None:
            taken = ImpactAssessment.objects.filter(
                initiative_id=self.instance.initiative_id, department=department
            )
            if taken.exists():
                self.add_error(
                    "department",
                    f"{department.name} already has an impact assessment for this "
                    "initiative: edit that one instead.",
                )
        return cleaned

    def save(self, commit: bool = True) -> ImpactAssessment | None:
        """The saved assessment, or None when refused as stale (VersionedModelForm)."""
        # Only an existing assessment (pk set) can have been answered. The pk test comes
        # second because django-stubs types `pk` as int, never None.
        if self.hours_before is not None and self.instance.pk is not None:
            self.instance.reopen_if_hours_changed(self.hours_before)
        return super().save(commit)


class AssessmentAnswerForm(VersionedModelForm[ImpactAssessment]):
    """The head's agreement or disagreement, with a comment (required to disagree)."""

    head_agreement = forms.ChoiceField(
        label="Your answer",
        choices=[(Agreement.AGREED, "I agree"), (Agreement.DISAGREED, "I disagree")],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ImpactAssessment
        fields = ["head_agreement", "head_comment"]
        labels = {"head_comment": "Comment"}
        widgets = {"head_comment": forms.Textarea(attrs={"rows": 2})}

    instance: ImpactAssessment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("head_agreement") == Agreement.PENDING:
            self.initial["head_agreement"] = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        agreement = cleaned.get("head_agreement")
        if agreement:
            try:
                self.instance.record_answer(
                    agreement, cleaned.get("head_comment", ""), at=timezone.now()
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class FrictionBudgetForm(forms.Form):
    """A friction budget proposed by the security team or the head (departments/budgets.py),
    based on the department's version (a hidden field, required)."""

    friction_budget_hours = forms.DecimalField(
        label="Friction budget (hours/week)",
        min_value=0,
        max_value=BUDGET_MAX_HOURS,
        max_digits=8,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.5"}),
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why this budget: what the other side should know.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("version") is None:
            raise forms.ValidationError(MISSING_VERSION, code="missing_version")
        return cleaned
