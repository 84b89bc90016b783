"""A tampered id beyond any database integer is a form error in every multi-select, not a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model

from alignment.meetings.forms import PeopleChoiceField
from business_cases.forms.case import CaseForm
from departments.forms import BoundedModelMultipleChoiceField, GoalChoiceField
from departments.models import Goal
from objectives.forms import MeasureForm, ObjectiveForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("form_class", "name"),
    [(ObjectiveForm, "business_goals"), (MeasureForm, "goals"), (CaseForm, "business_goals")],
)
def test_every_goal_multi_select_refuses_an_id_beyond_64_bits(form_class: Any, name: str) -> None:
    goal = factories.GoalFactory()
    assert isinstance(form_class.base_fields[name], GoalChoiceField)
    assert issubclass(GoalChoiceField, BoundedModelMultipleChoiceField)
    field = GoalChoiceField(queryset=Goal.objects.all())
    with pytest.raises(forms.ValidationError) as refused:
        field.clean([str(goal.pk), str(2**63)])
    assert "not one of the available choices" in str(refused.value)
    assert list(field.clean([str(goal.pk)])) == [goal]


def test_the_people_multi_select_refuses_an_id_beyond_64_bits(ciso: Any) -> None:
    field = PeopleChoiceField(queryset=get_user_model().objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([str(-(2**70))])
    assert list(field.clean([str(ciso.pk)])) == [ciso]
