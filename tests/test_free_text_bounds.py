"""Every free-text field a form takes has a maximum length (a few pages): a megabyte
pasted into a description would otherwise be carried by every page that shows it."""

from __future__ import annotations

import pytest
from django import forms

from alignment.forms.assessments import AssessmentAnswerForm, AssessmentForm
from alignment.forms.links import LinkForm
from alignment.forms.reviews import ReviewItemForm
from alignment.meetings.meeting_forms import DecisionForm, MinutesForm
from departments.forms import CheckInForm, DocumentReviewForm, GoalForm
from departments.models import TEXT_MAX_LENGTH
from objectives.forms import InitiativeForm, ObjectiveForm, SampleForm

FIELDS: list[tuple[type[forms.BaseForm], str]] = [
    (GoalForm, "description"),
    (CheckInForm, "comment"),
    (DocumentReviewForm, "review_note"),
    (ObjectiveForm, "description"),
    (ObjectiveForm, "business_value"),
    (InitiativeForm, "description"),
    (SampleForm, "comment"),
    (DecisionForm, "text"),
    (AssessmentForm, "processes_touched"),
    (AssessmentForm, "mitigation_plan"),
    (AssessmentForm, "support_offered"),
    (AssessmentAnswerForm, "head_comment"),
    (LinkForm, "mitigation"),
    (ReviewItemForm, "note"),
    (MinutesForm, "minutes"),
]


@pytest.mark.parametrize(("form_class", "name"), FIELDS)
def test_free_text_stops_at_its_maximum(form_class: type[forms.BaseForm], name: str) -> None:
    field = form_class.base_fields[name]
    assert isinstance(field, forms.CharField)
    limit = field.max_length
    assert limit is not None and limit <= 10 * TEXT_MAX_LENGTH
    with pytest.raises(forms.ValidationError, match=f"at most {limit} characters"):
        field.clean("x" * (limit + 1))
    assert field.clean("x" * limit) == "x" * limit
