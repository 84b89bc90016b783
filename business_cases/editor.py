"""The case editor as one object: the case form and its four formsets, bound together.

The live preview and the save share it: `preview()` turns whatever is valid so far into
unsaved lines and runs the same `case_inputs()` and finance formulas as a saved case;
`save()` writes it all in one transaction, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.db import models, transaction
from django.forms import BaseInlineFormSet

from business_cases import finance, services
from business_cases.forms import CaseForm, formsets_for
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CostLine,
    RiskScenario,
    UserImpactLine,
    case_inputs,
)

if TYPE_CHECKING:
    from django.http import QueryDict

_Line = TypeVar("_Line", bound=models.Model)


@dataclass
class Preview:
    figures: finance.CaseFigures
    sensitivity: dict[finance.Estimate, finance.CaseFigures]
    left_out: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Editor:
    case: BusinessCase
    form: CaseForm
    formsets: dict[str, BaseInlineFormSet]

    @classmethod
    def bind(cls, case: BusinessCase, data: QueryDict | None = None) -> Editor:
        return cls(case, CaseForm(data, instance=case), formsets_for(case, data))

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        return all([formset.is_valid() for formset in self.formsets.values()]) and valid

    @property
    def warnings(self) -> list[str]:
        """Allowed but flagged: one line per scenario whose ARO gets worse."""
        found = []
        for form in self.formsets["scenarios"].forms:
            for warning in getattr(form, "warnings", []):
                name = form.cleaned_data.get("name") or "A scenario"
                found.append(f"{name}: {warning}")
        return found

    def _lines(self, prefix: str, model: type[_Line]) -> tuple[list[_Line], int]:
        """The formset's lines as they would be saved, and how many are left out for errors.

        `model`, the formset's model, tells the type checker what the lines are.
        """
        lines: list[_Line] = []
        left_out = 0
        formset = self.formsets[prefix]
        for form in formset.forms:
            if form.instance.pk is None and not form.has_changed():
                continue  # an untouched blank row
            if form.is_valid():
                if not form.cleaned_data.get("DELETE"):
                    lines.append(form.instance)  # filled in by validation, not saved
            else:
                left_out += 1
        return lines, left_out

    def preview(self) -> Preview:
        """The figures for the forms as they stand, unsaved, and what was left out."""
        if not self.form.is_bound:  # the page as loaded: the saved case
            return Preview(figures=self.case.figures, sensitivity=self.case.sensitivity)
        self.form.is_valid()  # fills the case's fields that are valid; the rest stay
        costs, bad_costs = self._lines("costs", CostLine)
        assessed = [line for line in self.case.cost_lines.all() if line.is_from_assessment]
        scenarios, bad_scenarios = self._lines("scenarios", RiskScenario)
        benefits, bad_benefits = self._lines("benefits", BenefitLine)
        impacts, bad_impacts = self._lines("impacts", UserImpactLine)
        inputs = case_inputs(
            cost_lines=[*assessed, *costs],
            scenarios=scenarios,
            benefit_lines=benefits,
            user_impacts=impacts,
            horizon_years=self.case.horizon_years,
            discount_rate=self.case.discount_rate,
        )
        return Preview(
            figures=finance.case_figures(inputs),
            sensitivity=finance.sensitivity(inputs),
            left_out=bad_costs + bad_scenarios + bad_benefits + bad_impacts,
            warnings=self.warnings,
        )

    def save(self) -> BusinessCase | None:
        """Save the case and its lines; None (and nothing saved) if the case went stale.

        A decided case (rejected, sent back) that is edited becomes the draft of its next
        revision. People-time lines are brought in step with the assessments.
        """
        with transaction.atomic():
            services.case_reopen(self.case)
            case = self.form.save()
            if case is not None:
                for formset in self.formsets.values():
                    formset.instance = case
                    formset.save()
                services.refresh_people_time(case)
            else:  # someone saved in between: the form now says who and when
                transaction.set_rollback(True)
        if case is None:
            self.case.refresh_from_db(fields=["status", "revision", "submitted_at"])
        return case
