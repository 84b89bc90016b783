"""What the API shows of each model, and the few fields it accepts: thin on purpose.

Decimals are strings (COERCE_DECIMAL_TO_STRING), times ISO 8601 in UTC, people a small
object (id, username, name), related rows their id (a department its slug).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from alignment.meetings.models import ActionItem, MeetingSeries, Occurrence
from alignment.models import AlignmentLink, ImpactAssessment
from business_cases.finance import CaseFigures, NotMeaningful
from business_cases.models import BusinessCase
from departments.models import CheckIn, Department, Goal
from objectives.models import Initiative, Measure, Sample, SecurityObjective


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    head = PersonSerializer(read_only=True, allow_null=True)
    key_leaders = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["slug", "name", "charter", "friction_budget_hours", "head", "key_leaders"]


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    """A goal's check-in; POST takes date (today by default), value, confidence, comment."""

    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = CheckIn
        fields = ["id", "goal", "date", "value", "confidence", "comment", "author", "created_at"]
        read_only_fields = ["id", "goal", "author", "created_at"]
        extra_kwargs = {"date": {"required": False}}


class GoalSerializer(serializers.ModelSerializer[Goal]):
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    owner = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "department",
            "title",
            "description",
            "category",
            "metric",
            "unit",
            "direction",
            "baseline",
            "target",
            "current",
            "due_date",
            "owner",
            "status",
            "progress_percent",
            "updated_at",
        ]


class GoalDetailSerializer(GoalSerializer):
    """A goal with its check-ins, oldest first."""

    checkins = CheckInSerializer(many=True, read_only=True)

    class Meta(GoalSerializer.Meta):
        fields = [*GoalSerializer.Meta.fields, "checkins"]


class ObjectiveSerializer(serializers.ModelSerializer[SecurityObjective]):
    owner = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SecurityObjective
        fields = [
            "id",
            "title",
            "description",
            "pillar",
            "protects_confidentiality",
            "protects_integrity",
            "protects_availability",
            "owner",
            "status",
            "business_value",
            "position",
            "updated_at",
        ]


class InitiativeSerializer(serializers.ModelSerializer[Initiative]):
    owner = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "objective",
            "title",
            "description",
            "owner",
            "status",
            "start_date",
            "end_date",
            "budget",
            "position",
            "updated_at",
        ]


class SampleSerializer(serializers.ModelSerializer[Sample]):
    """A measure's sample; POST takes date (today by default), value and comment."""

    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Sample
        fields = [
            "id",
            "measure",
            "date",
            "period",
            "value",
            "comment",
            "source",
            "author",
            "created_at",
        ]
        read_only_fields = ["id", "measure", "period", "source", "author", "created_at"]
        extra_kwargs = {"date": {"required": False}}


class MeasureSerializer(serializers.ModelSerializer[Measure]):
    """A measure with its newest value (`with_latest`) and the status that value has; its
    goals are only those the reader may see (the view prefetches them so)."""

    owner = PersonSerializer(read_only=True, allow_null=True)
    latest_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    latest_date = serializers.DateField(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()
    goals: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Measure
        fields = [
            "id",
            "objective",
            "title",
            "unit",
            "direction",
            "baseline",
            "target",
            "stretch",
            "amber",
            "red",
            "cadence",
            "computation",
            "owner",
            "goals",
            "latest_value",
            "latest_date",
            "status",
        ]

    def get_status(self, measure: Measure) -> str:
        value: Decimal | None = getattr(measure, "latest_value", None)
        return measure.status_of(value)


class LinkSerializer(serializers.ModelSerializer[AlignmentLink]):
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="goal.department", slug_field="slug", read_only=True
    )

    class Meta:
        model = AlignmentLink
        fields = [
            "id",
            "initiative",
            "goal",
            "department",
            "relation",
            "rationale",
            "mitigation",
            "is_unmitigated_conflict",
            "updated_at",
        ]


class AssessmentSerializer(serializers.ModelSerializer[ImpactAssessment]):
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = ImpactAssessment
        fields = [
            "id",
            "initiative",
            "department",
            "hours_per_week",
            "people_affected",
            "processes_touched",
            "mitigation_plan",
            "support_offered",
            "head_agreement",
            "head_comment",
            "head_answered_at",
            "updated_at",
        ]


class SeriesSerializer(serializers.ModelSerializer[MeetingSeries]):
    organiser = PersonSerializer(read_only=True)
    leader = PersonSerializer(read_only=True, allow_null=True)
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    # A wall-clock time in `time_zone` (no offset: it is not an RFC 3339 time).
    start_time = serializers.CharField(read_only=True, help_text="HH:MM:SS in time_zone.")

    class Meta:
        model = MeetingSeries
        fields = [
            "id",
            "kind",
            "title",
            "organiser",
            "department",
            "leader",
            "rule",
            "start_date",
            "start_time",
            "time_zone",
            "duration_minutes",
            "location",
            "active",
        ]


class OccurrenceSerializer(serializers.ModelSerializer[Occurrence]):
    """A meeting; its minutes once final (drafts stay on the page of the people taking them)."""

    minutes = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = ["id", "series", "start", "end", "status", "minutes", "minutes_final_at"]

    def get_minutes(self, occurrence: Occurrence) -> str | None:
        return occurrence.minutes if occurrence.minutes_are_final else None


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    """An action item; PATCH changes `done` only (as ticking it on the meeting page)."""

    owner = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ActionItem
        fields = ["id", "title", "occurrence", "owner", "due_date", "done", "done_at"]
        read_only_fields = ["id", "title", "occurrence", "owner", "due_date", "done_at"]
        extra_kwargs = {"done": {"required": True}}


FIGURES = [
    "one_off_cost",
    "yearly_cost",
    "total_cost_of_ownership",
    "annual_cost",
    "yearly_risk_reduction",
    "yearly_benefit",
    "yearly_net",
    "rosi",
    "payback_months",
    "npv",
]


class FiguresSerializer(serializers.Serializer[CaseFigures]):
    """A case's figures (business_cases.finance) under the likely estimate: amounts as
    strings; a figure that would mislead is null, its reason in `not_meaningful`."""

    one_off_cost = serializers.CharField(allow_null=True)
    yearly_cost = serializers.CharField(allow_null=True)
    total_cost_of_ownership = serializers.CharField(allow_null=True)
    annual_cost = serializers.CharField(allow_null=True)
    yearly_risk_reduction = serializers.CharField(allow_null=True)
    yearly_benefit = serializers.CharField(allow_null=True)
    yearly_net = serializers.CharField(allow_null=True)
    rosi = serializers.CharField(allow_null=True)
    payback_months = serializers.CharField(allow_null=True)
    npv = serializers.CharField(allow_null=True)
    pays_back_within_horizon = serializers.BooleanField()
    not_meaningful = serializers.DictField(child=serializers.CharField())

    def to_representation(self, figures: CaseFigures) -> dict[str, Any]:
        shown: dict[str, Any] = {"pays_back_within_horizon": figures.pays_back_within_horizon}
        reasons: dict[str, str] = {}
        for name in FIGURES:
            value = getattr(figures, name)
            if isinstance(value, NotMeaningful):
                shown[name], reasons[name] = None, value.reason
            else:
                shown[name] = str(value)
        return shown | {"not_meaningful": reasons}


class BusinessCaseSerializer(serializers.ModelSerializer[BusinessCase]):
    author = PersonSerializer(read_only=True, allow_null=True)
    figures = FiguresSerializer(read_only=True)

    class Meta:
        model = BusinessCase
        fields = [
            "id",
            "initiative",
            "title",
            "summary",
            "status",
            "revision",
            "currency",
            "horizon_years",
            "discount_rate",
            "serves_confidentiality",
            "serves_integrity",
            "serves_availability",
            "author",
            "submitted_at",
            "figures",
            "updated_at",
        ]
