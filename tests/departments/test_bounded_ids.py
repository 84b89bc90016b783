"""A tampered id beyond any database integer is a form error in every multi-select, not a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model

from alignment.meetings.forms import PeopleChoiceField
from business_cases.forms.case import GoalChoiceField as CaseGoalsField
from departments.forms import BoundedModelMultipleChoiceField
from departments.models import Goal
from objectives.forms import GoalChoiceField as ObjectiveGoalsField
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field_class", [ObjectiveGoalsField, CaseGoalsField])
def test_every_goal_multi_select_refuses_an_id_beyond_64_bits(field_class: Any) -> None:
    goal = factories.GoalFactory()
    field = field_class(queryset=Goal.objects.all())
    assert issubclass(field_class, BoundedModelMultipleChoiceField)
    with pytest.raises(forms.ValidationError) as refused:
        field.clean([str(goal.pk), str(2**63)])
    assert "not one of the available choices" in str(refused.value)
    assert list(field.clean([str(goal.pk)])) == [goal]


def test_the_people_multi_select_refuses_an_id_beyond_64_bits(ciso: Any) -> None:
    field = PeopleChoiceField(queryset=get_user_model().objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([str(-(2**70))])
    assert list(field.clean([str(ciso.pk)])) == [ciso]
