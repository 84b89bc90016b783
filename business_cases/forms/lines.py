"""The editor's line tables: a form per row (costs, risk scenarios, benefits, end users)
and the formsets that hold them, which `formsets_for()` builds for a case.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from crispy_forms.layout import Column, Div, Field, Layout, Row
from django import forms
from django.db import models
from django.forms import BaseInlineFormSet, inlineformset_factory

from business_cases.forms.fields import (
    hourly_rate_field,
    minutes_field,
    money,
    plain_helper,
    rate,
    users_field,
)
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CostLine,
    LoadedRate,
    RiskScenario,
    UserImpactLine,
)
from business_cases.models.fields import MAX_LINES

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import QueryDict


class LineForm(forms.ModelForm):
    """A row of a line table: every input carries its label for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-label", str(field.label or name))
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class CostLineForm(LineForm):
    amount = money("Amount")

    class Meta:
        model = CostLine
        fields = ["description", "category", "recurrence", "amount"]


class BenefitLineForm(LineForm):
    yearly_amount = money("Yearly amount")

    class Meta:
        model = BenefitLine
        fields = ["description", "yearly_amount"]


class UserImpactForm(LineForm):
    users = users_field("Users affected")
    minutes_per_week = minutes_field("Minutes a week, each")
    hourly_rate = hourly_rate_field("Loaded hourly rate")

    class Meta:
        model = UserImpactLine
        fields = ["description", "users", "minutes_per_week", "effect", "hourly_rate"]

    def __init__(self, *args: Any, default_rate: Decimal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if default_rate is not None:
            self.fields["hourly_rate"].initial = default_rate


class ScenarioForm(forms.ModelForm):
    sle = money("SLE, likely", help_text="What one occurrence costs.")
    sle_low = money("SLE, low", required=False)
    sle_high = money("SLE, high", required=False)
    sle_after = money("SLE after", required=False, help_text="Only if one occurrence gets cheaper.")
    aro_before = rate("ARO before, likely")
    aro_before_low = rate("ARO before, low", required=False)
    aro_before_high = rate("ARO before, high", required=False)
    aro_after = rate("ARO after, likely")
    aro_after_low = rate("ARO after, low", required=False)
    aro_after_high = rate("ARO after, high", required=False)

    class Meta:
        model = RiskScenario
        fields = [
            "name",
            "affects_confidentiality",
            "affects_integrity",
            "affects_availability",
            "sle_low",
            "sle",
            "sle_high",
            "sle_after",
            "aro_before_low",
            "aro_before",
            "aro_before_high",
            "aro_after_low",
            "aro_after",
            "aro_after_high",
        ]
        labels = {
            "affects_confidentiality": "Confidentiality",
            "affects_integrity": "Integrity",
            "affects_availability": "Availability",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper(
            Layout(
                Row(
                    Column("name", css_class="col-md-6"),
                    Column(
                        Div(
                            Field("affects_confidentiality", wrapper_class="form-check-inline"),
                            Field("affects_integrity", wrapper_class="form-check-inline"),
                            Field("affects_availability", wrapper_class="form-check-inline"),
                        ),
                        css_class="col-md-6 pt-md-4",
                    ),
                ),
                Row(
                    *[
                        Column(n, css_class="col-6 col-md-3")
                        for n in ("sle_low", "sle", "sle_high", "sle_after")
                    ]
                ),
                Row(
                    *[
                        Column(n, css_class="col-4")
                        for n in ("aro_before_low", "aro_before", "aro_before_high")
                    ]
                ),
                Row(
                    *[
                        Column(n, css_class="col-4")
                        for n in ("aro_after_low", "aro_after", "aro_after_high")
                    ]
                ),
            )
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name, label in (
            ("sle", "SLE"),
            ("aro_before", "ARO before"),
            ("aro_after", "ARO after"),
        ):
            likely, low, high = data.get(name), data.get(f"{name}_low"), data.get(f"{name}_high")
            if likely is None:
                continue
            if low is not None and low > likely:
                self.add_error(f"{name}_low", f"The low {label} cannot exceed the likely one.")
            if high is not None and high < likely:
                self.add_error(f"{name}_high", f"The high {label} cannot be below the likely one.")
        sle, sle_after = data.get("sle"), data.get("sle_after")
        if sle is not None and sle_after is not None and sle_after > sle:
            self.add_error(
                "sle_after",
                "SLE after is what one occurrence costs with the measure: at most the likely SLE.",
            )
        return data

    @property
    def warnings(self) -> list[str]:
        """Allowed, but worth a second look: the measure makes this scenario more likely."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        before, after = self.cleaned_data.get("aro_before"), self.cleaned_data.get("aro_after")
        if before is not None and after is not None and after > before:
            return [
                "ARO after is above ARO before: the measure makes this scenario more likely. "
                "That is allowed (a trade-off), but say why in the summary."
            ]
        return []


class ExistingLineField(forms.ModelChoiceField):
    """A row's hidden id, looked up among the formset's own lines instead of one query per row.

    Only lines of this case are there, so an id from another case is an invalid choice.
    """

    def __init__(self, *args: Any, formset: LineFormSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formset = formset

    def to_python(self, value: object) -> models.Model | None:
        if value in self.empty_values:
            return None
        try:
            key = self.formset._pk_field.to_python(value)
        except forms.ValidationError:
            key = None
        found = self.formset._existing_object(key) if key is not None else None
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return found


class LineFormSet(BaseInlineFormSet):
    """Inline formset whose queries do not grow with its rows (see ExistingLineField).

    At most MAX_LINES rows: `formsets_for` sets `max_num` and `absolute_max` to it, so a
    forged TOTAL_FORMS builds no more forms than that and is answered with this message.
    """

    # Django %-formats it with the limit as `num`.
    default_error_messages = {
        "too_many_forms": "A case holds at most %(num)d lines of each kind: remove some first.",
    }

    # Django's own, which django-stubs does not declare: the model's primary key (set by
    # add_fields), and a line looked up among the formset's lines (one query for all).
    _pk_field: models.Field
    _existing_object: Callable[[object], models.Model | None]

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        name = self._pk_field.name
        field = cast(forms.ModelChoiceField, form.fields[name])
        form.fields[name] = ExistingLineField(
            field.queryset,
            formset=self,
            initial=field.initial,
            required=False,
            widget=field.widget,
        )
        if isinstance(form, LineForm) and "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "Remove this line"


class CostLineFormSet(LineFormSet):
    """The lines the user keeps; people-time from impact assessments is kept by the app."""

    def get_queryset(self) -> QuerySet[CostLine]:
        # Cached like the parent's: the formset asks for it once per form.
        if not hasattr(self, "_manual_lines"):
            self._manual_lines = super().get_queryset().filter(source_department__isnull=True)
        return self._manual_lines


def _line_formset(
    model: type[models.Model],
    form: type[forms.ModelForm],
    formset: type[BaseInlineFormSet] = LineFormSet,
) -> type[BaseInlineFormSet]:
    """One blank row to fill in; at most MAX_LINES rows, however many the POST claims."""
    return inlineformset_factory(
        BusinessCase,
        model,
        form=form,
        formset=formset,
        extra=1,
        max_num=MAX_LINES,
        absolute_max=MAX_LINES,
        validate_max=True,
    )


def formsets_for(case: BusinessCase, data: QueryDict | None = None) -> dict[str, BaseInlineFormSet]:
    """The editor's four formsets, bound to `data` when given, keyed by their prefix."""
    default_rate = LoadedRate.default_rate()  # pre-filled in new end-user lines
    classes = {
        "costs": _line_formset(CostLine, CostLineForm, CostLineFormSet),
        "scenarios": _line_formset(RiskScenario, ScenarioForm),
        "benefits": _line_formset(BenefitLine, BenefitLineForm),
        "impacts": _line_formset(UserImpactLine, UserImpactForm),
    }
    kwargs = {"impacts": {"default_rate": default_rate}}
    return {
        prefix: formset_class(
            data, instance=case, prefix=prefix, form_kwargs=kwargs.get(prefix, {})
        )
        for prefix, formset_class in classes.items()
    }
