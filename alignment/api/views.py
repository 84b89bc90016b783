"""Departments, goals and check-ins; objectives, measures and samples; initiatives, links
and impact assessments. Meetings and business cases are in alignment/api/views_more.py."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alignment.api import filters, serializers
from alignment.api.base import VisibleViewSet, user_of, write
from alignment.models import AlignmentLink, ImpactAssessment, get_assessment_for, get_link_for
from departments.models import (
    CheckIn,
    Department,
    Goal,
    get_department_for,
    get_goal_for,
    record_checkin,
)
from objectives.computations import record_sample
from objectives.models import (
    Initiative,
    Measure,
    Sample,
    SecurityObjective,
    get_initiative_for,
    get_measure_for,
    get_objective_for,
)


@extend_schema(tags=["departments"])
class DepartmentViewSet(VisibleViewSet[Department]):
    """Departments the reader heads or leads; every department for the security team and
    executives."""

    model = Department
    serializer_class = serializers.DepartmentSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,120}"

    def visible(self) -> QuerySet[Department]:
        return (
            Department.objects.visible_to(self.request.user)
            .select_related("head")
            .prefetch_related("key_leaders")
        )

    def fetch(self, key: Any) -> Department:
        return get_department_for(self.request.user, key)


def _department(queryset: QuerySet[Any], path: str, params: dict[str, Any]) -> QuerySet[Any]:
    if "department" in params:
        queryset = queryset.filter(**{f"{path}slug": params["department"]})
    return queryset


@extend_schema(tags=["goals"])
@extend_schema_view(list=extend_schema(parameters=[filters.GoalFilter]))
class GoalViewSet(VisibleViewSet[Goal]):
    """Department goals; a goal's detail carries its check-ins. Its department's head
    logs a check-in with POST …/check-ins/ (a read-write token)."""

    model = Goal
    filter_class = filters.GoalFilter
    lookup_url_kwarg = "goal_id"

    def get_serializer_class(self) -> type[serializers.GoalSerializer]:
        if self.action == "retrieve":
            return serializers.GoalDetailSerializer
        if self.action == "check_ins":
            return serializers.CheckInSerializer  # type: ignore[return-value]
        return serializers.GoalSerializer

    def visible(self) -> QuerySet[Goal]:
        return Goal.objects.visible_to(self.request.user).select_related("department", "owner")

    def narrow(self, queryset: QuerySet[Goal], params: dict[str, Any]) -> QuerySet[Goal]:
        queryset = _department(queryset, "department__", params)
        return queryset.filter(**{k: params[k] for k in ("status", "category") if k in params})

    def fetch(self, key: Any) -> Goal:
        return get_goal_for(self.request.user, key)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        checkins = CheckIn.objects.select_related("author")
        prefetch_related_objects([goal], Prefetch("checkins", queryset=checkins))
        return Response(serializers.GoalDetailSerializer(goal).data)

    @extend_schema(
        request=serializers.CheckInSerializer,
        responses={201: serializers.CheckInSerializer},
    )
    @action(detail=True, methods=["post"], url_path="check-ins", url_name="check-ins")
    def check_ins(self, request: Request, goal_id: str) -> Response:
        """Log a check-in, as the goal page does: the goal's current value follows the
        latest check-in. Only the head of the goal's department."""
        goal = get_goal_for(request.user, int(goal_id), write=True)
        form = serializers.CheckInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        checkin = CheckIn(**form.validated_data)
        write(lambda: record_checkin(checkin, goal=goal, author=user_of(request)))
        return Response(serializers.CheckInSerializer(checkin).data, status.HTTP_201_CREATED)


@extend_schema(tags=["objectives"])
@extend_schema_view(list=extend_schema(parameters=[filters.ObjectiveFilter]))
class ObjectiveViewSet(VisibleViewSet[SecurityObjective]):
    model = SecurityObjective
    serializer_class = serializers.ObjectiveSerializer
    filter_class = filters.ObjectiveFilter
    lookup_url_kwarg = "objective_id"

    def visible(self) -> QuerySet[SecurityObjective]:
        return SecurityObjective.objects.visible_to(self.request.user).select_related("owner")

    def narrow(
        self, queryset: QuerySet[SecurityObjective], params: dict[str, Any]
    ) -> QuerySet[SecurityObjective]:
        return queryset.filter(**params)

    def fetch(self, key: Any) -> SecurityObjective:
        return get_objective_for(self.request.user, key)


@extend_schema(tags=["measures"])
@extend_schema_view(list=extend_schema(parameters=[filters.MeasureFilter]))
class MeasureViewSet(VisibleViewSet[Measure]):
    """Measures of the security objectives, with their newest value. The security team
    types a sample in with POST …/samples/ (a read-write token)."""

    model = Measure
    filter_class = filters.MeasureFilter
    lookup_url_kwarg = "measure_id"

    def get_serializer_class(self) -> type[serializers.MeasureSerializer]:
        if self.action == "samples":
            return serializers.SampleSerializer  # type: ignore[return-value]
        return serializers.MeasureSerializer

    def visible(self) -> QuerySet[Measure]:
        # Only the goals the reader may see: a head never learns another department's ids.
        goals = Goal.objects.visible_to(self.request.user).only("pk")
        return (
            Measure.objects.visible_to(self.request.user)
            .with_latest()
            .select_related("owner")
            .prefetch_related(Prefetch("goals", queryset=goals))
        )

    def narrow(self, queryset: QuerySet[Measure], params: dict[str, Any]) -> QuerySet[Measure]:
        if "objective" in params:
            queryset = queryset.filter(objective_id=params["objective"])
        return queryset.filter(**{k: params[k] for k in ("cadence",) if k in params})

    def fetch(self, key: Any) -> Measure:
        get_measure_for(self.request.user, key)  # the rule: 404 when not visible
        return self.visible().get(pk=key)  # the same row, with its latest value and goals

    @extend_schema(
        request=serializers.SampleSerializer,
        responses={201: serializers.SampleSerializer},
    )
    @action(detail=True, methods=["post"], url_path="samples", url_name="samples")
    def samples(self, request: Request, measure_id: str) -> Response:
        """Type a sample in, as the measure page does (security team; a measure the app
        computes itself takes no typed-in samples: 400)."""
        measure = get_measure_for(request.user, int(measure_id), write=True)
        if measure.is_computed:
            message = "The app takes this measure's samples itself."
            raise ValidationError({"non_field_errors": [message]})
        form = serializers.SampleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sample = Sample(**form.validated_data)
        write(lambda: record_sample(sample, measure=measure, author=user_of(request)))
        return Response(serializers.SampleSerializer(sample).data, status.HTTP_201_CREATED)


@extend_schema(tags=["initiatives"])
@extend_schema_view(list=extend_schema(parameters=[filters.InitiativeFilter]))
class InitiativeViewSet(VisibleViewSet[Initiative]):
    model = Initiative
    serializer_class = serializers.InitiativeSerializer
    filter_class = filters.InitiativeFilter
    lookup_url_kwarg = "initiative_id"

    def visible(self) -> QuerySet[Initiative]:
        return Initiative.objects.visible_to(self.request.user).select_related("owner")

    def narrow(
        self, queryset: QuerySet[Initiative], params: dict[str, Any]
    ) -> QuerySet[Initiative]:
        if "objective" in params:
            queryset = queryset.filter(objective_id=params["objective"])
        return queryset.filter(**{k: params[k] for k in ("status",) if k in params})

    def fetch(self, key: Any) -> Initiative:
        return get_initiative_for(self.request.user, key)


@extend_schema(tags=["alignment"])
@extend_schema_view(list=extend_schema(parameters=[filters.LinkFilter]))
class LinkViewSet(VisibleViewSet[AlignmentLink]):
    """Alignment links: an initiative supports, is neutral to, or conflicts with a goal."""

    model = AlignmentLink
    serializer_class = serializers.LinkSerializer
    filter_class = filters.LinkFilter
    lookup_url_kwarg = "link_id"

    def visible(self) -> QuerySet[AlignmentLink]:
        links = AlignmentLink.objects.visible_to(self.request.user)  # type: ignore[arg-type]
        return links.select_related("goal__department")

    def narrow(
        self, queryset: QuerySet[AlignmentLink], params: dict[str, Any]
    ) -> QuerySet[AlignmentLink]:
        queryset = _department(queryset, "goal__department__", params)
        if "initiative" in params:
            queryset = queryset.filter(initiative_id=params["initiative"])
        return queryset.filter(**{k: params[k] for k in ("relation",) if k in params})

    def fetch(self, key: Any) -> AlignmentLink:
        return get_link_for(self.request.user, key)  # type: ignore[arg-type]


@extend_schema(tags=["alignment"])
@extend_schema_view(list=extend_schema(parameters=[filters.AssessmentFilter]))
class AssessmentViewSet(VisibleViewSet[ImpactAssessment]):
    """Impact assessments: the hours a security initiative adds to a department's week."""

    model = ImpactAssessment
    serializer_class = serializers.AssessmentSerializer
    filter_class = filters.AssessmentFilter
    lookup_url_kwarg = "assessment_id"

    def visible(self) -> QuerySet[ImpactAssessment]:
        rows = ImpactAssessment.objects.visible_to(self.request.user)  # type: ignore[arg-type]
        return rows.select_related("department")

    def narrow(
        self, queryset: QuerySet[ImpactAssessment], params: dict[str, Any]
    ) -> QuerySet[ImpactAssessment]:
        queryset = _department(queryset, "department__", params)
        if "initiative" in params:
            queryset = queryset.filter(initiative_id=params["initiative"])
        return queryset.filter(**{k: params[k] for k in ("head_agreement",) if k in params})

    def fetch(self, key: Any) -> ImpactAssessment:
        return get_assessment_for(self.request.user, key)  # type: ignore[arg-type]
