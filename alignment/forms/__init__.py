"""Forms of the alignment domain: links between initiatives and goals, impact assessments."""

from __future__ import annotations

from alignment.forms.accounts import PasswordResetForm
from alignment.forms.assessments import AssessmentAnswerForm, AssessmentForm, FrictionBudgetForm
from alignment.forms.links import NO_LINK, LinkForm, MatrixFilterForm, QuickLinkForm
from alignment.forms.reviews import ReviewActionForm, ReviewItemForm, ReviewScheduleForm

__all__ = [
    "NO_LINK",
    "AssessmentAnswerForm",
    "AssessmentForm",
    "FrictionBudgetForm",
    "LinkForm",
    "MatrixFilterForm",
    "PasswordResetForm",
    "QuickLinkForm",
    "ReviewActionForm",
    "ReviewItemForm",
    "ReviewScheduleForm",
]
