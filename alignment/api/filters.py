"""The query parameters each list takes, checked like a form: a bad value is a 400 with
the parameter's error, never an empty page that hides the typo."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from alignment.meetings.models import MeetingKind, OccurrenceStatus
from alignment.models import Agreement, Relation
from business_cases.models import CaseStatus
from departments.models import GoalCategory, GoalStatus
from objectives.models import Cadence, InitiativeStatus, ObjectiveStatus, Pillar

# Ids beyond this are no row's: refused as a 400 instead of overflowing the database.
MAX_ID = 2**63 - 1


def an_id(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=help_text
    )


def a_choice(choices: Any, help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, help_text=help_text)


def a_department() -> serializers.SlugField:
    return serializers.SlugField(required=False, max_length=120, help_text="A department's slug.")


class GoalFilter(serializers.Serializer[Any]):
    department = a_department()
    status = a_choice(GoalStatus.choices, "The goal's status.")
    category = a_choice(GoalCategory.choices, "The goal's category.")


class ObjectiveFilter(serializers.Serializer[Any]):
    status = a_choice(ObjectiveStatus.choices, "The objective's status.")
    pillar = a_choice(Pillar.choices, "The objective's pillar.")


class MeasureFilter(serializers.Serializer[Any]):
    objective = an_id("The objective's id.")
    cadence = a_choice(Cadence.choices, "How often it is measured.")


class InitiativeFilter(serializers.Serializer[Any]):
    objective = an_id("The objective's id.")
    status = a_choice(InitiativeStatus.choices, "The initiative's status.")


class LinkFilter(serializers.Serializer[Any]):
    department = a_department()
    initiative = an_id("The initiative's id.")
    relation = a_choice(Relation.choices, "supports, neutral or conflicts.")


class AssessmentFilter(serializers.Serializer[Any]):
    department = a_department()
    initiative = an_id("The initiative's id.")
    head_agreement = a_choice(Agreement.choices, "The head's answer.")


class SeriesFilter(serializers.Serializer[Any]):
    department = a_department()
    kind = a_choice(MeetingKind.choices, "The kind of meeting.")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class OccurrenceFilter(serializers.Serializer[Any]):
    series = an_id("The series' id.")
    status = a_choice(OccurrenceStatus.choices, "Scheduled or cancelled.")
    start_after = serializers.DateTimeField(required=False, help_text="Starts at or after.")
    start_before = serializers.DateTimeField(required=False, help_text="Starts before.")


class ActionItemFilter(serializers.Serializer[Any]):
    done = serializers.BooleanField(required=False, allow_null=True, default=None)
    mine = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only those I own."
    )


class CaseFilter(serializers.Serializer[Any]):
    initiative = an_id("The initiative's id.")
    status = a_choice(CaseStatus.choices, "The case's status.")


def cleaned(filter_class: type[serializers.Serializer[Any]], params: Any) -> dict[str, Any]:
    """The list's parameters, checked (400 with the parameter's error); unset ones left out."""
    form = filter_class(data=params)
    form.is_valid(raise_exception=True)
    return {key: value for key, value in form.validated_data.items() if value is not None}


class CheckInFilter(serializers.Serializer[Any]):
    goal = an_id("The goal's id.")
    department = a_department()


class SampleFilter(serializers.Serializer[Any]):
    measure = an_id("The measure's id.")
