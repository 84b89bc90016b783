"""The business case forms: the case (case.py), its line tables (lines.py), the decision.

Forms validate and convert; they never compute a figure. The live preview and the save
both turn the bound forms into (unsaved) lines and hand them to `case_inputs()`.
"""

from __future__ import annotations

from business_cases.forms.budget import EnvelopeForm, NewCaseForm, SpendForm
from business_cases.forms.case import CaseCreateForm, CaseForm
from business_cases.forms.decision import CaseDecisionForm
from business_cases.forms.lines import formsets_for

__all__ = [
    "CaseCreateForm",
    "CaseDecisionForm",
    "CaseForm",
    "EnvelopeForm",
    "NewCaseForm",
    "SpendForm",
    "formsets_for",
]
