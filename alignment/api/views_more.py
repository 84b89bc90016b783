"""Check-ins and samples as lists; meetings (series and occurrences), action items and
business cases with their figures."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from alignment.api import filters, serializers
from alignment.api.base import VisibleViewSet, user_of
from alignment.meetings.models import (
    ActionItem,
    MeetingSeries,
    Occurrence,
    get_action_item_for,
    get_occurrence_for,
    get_series_for,
)
from business_cases.models import BusinessCase, get_case_for
from departments.models import CheckIn, Goal
from objectives.models import Measure, Sample


@extend_schema(tags=["goals"])
@extend_schema_view(list=extend_schema(parameters=[filters.CheckInFilter]))
class CheckInViewSet(VisibleViewSet[CheckIn]):
    """Check-ins of the goals the reader may see (the goals' own rule), newest first."""

    model = CheckIn
    serializer_class = serializers.CheckInSerializer
    filter_class = filters.CheckInFilter
    lookup_url_kwarg = "checkin_id"

    def visible(self) -> QuerySet[CheckIn]:
        goals = Goal.objects.visible_to(self.request.user).values("pk")
        return (
            CheckIn.objects.filter(goal__in=goals)
            .select_related("author")
            .order_by("-date", "-created_at")
        )

    def narrow(self, queryset: QuerySet[CheckIn], params: dict[str, Any]) -> QuerySet[CheckIn]:
        if "goal" in params:
            queryset = queryset.filter(goal_id=params["goal"])
        if "department" in params:
            queryset = queryset.filter(goal__department__slug=params["department"])
        return queryset

    def fetch(self, key: Any) -> CheckIn:
        return get_object_or_404(self.visible(), pk=key)


@extend_schema(tags=["measures"])
@extend_schema_view(list=extend_schema(parameters=[filters.SampleFilter]))
class SampleViewSet(VisibleViewSet[Sample]):
    """Samples of the measures the reader may see, newest first."""

    model = Sample
    serializer_class = serializers.SampleSerializer
    filter_class = filters.SampleFilter
    lookup_url_kwarg = "sample_id"

    def visible(self) -> QuerySet[Sample]:
        measures = Measure.objects.visible_to(self.request.user).values("pk")
        return (
            Sample.objects.filter(measure__in=measures)
            .select_related("author")
            .order_by("-date", "-created_at")
        )

    def narrow(self, queryset: QuerySet[Sample], params: dict[str, Any]) -> QuerySet[Sample]:
        if "measure" in params:
            queryset = queryset.filter(measure_id=params["measure"])
        return queryset

    def fetch(self, key: Any) -> Sample:
        return get_object_or_404(self.visible(), pk=key)


@extend_schema(tags=["meetings"])
@extend_schema_view(list=extend_schema(parameters=[filters.SeriesFilter]))
class SeriesViewSet(VisibleViewSet[MeetingSeries]):
    """Meeting series the reader organises or attends; all of them for the security team
    and executives."""

    model = MeetingSeries
    serializer_class = serializers.SeriesSerializer
    filter_class = filters.SeriesFilter
    lookup_url_kwarg = "series_id"

    def visible(self) -> QuerySet[MeetingSeries]:
        series = MeetingSeries.objects.visible_to(self.request.user)  # type: ignore[arg-type]
        return series.select_related("organiser", "leader", "department")

    def narrow(
        self, queryset: QuerySet[MeetingSeries], params: dict[str, Any]
    ) -> QuerySet[MeetingSeries]:
        if "department" in params:
            queryset = queryset.filter(department__slug=params["department"])
        return queryset.filter(**{k: params[k] for k in ("kind", "active") if k in params})

    def fetch(self, key: Any) -> MeetingSeries:
        return get_series_for(self.request.user, key)  # type: ignore[arg-type]


@extend_schema(tags=["meetings"])
@extend_schema_view(list=extend_schema(parameters=[filters.OccurrenceFilter]))
class OccurrenceViewSet(VisibleViewSet[Occurrence]):
    """Meetings (occurrences of a series), by start time."""

    model = Occurrence
    serializer_class = serializers.OccurrenceSerializer
    filter_class = filters.OccurrenceFilter
    lookup_url_kwarg = "occurrence_id"

    def visible(self) -> QuerySet[Occurrence]:
        return Occurrence.objects.visible_to(self.request.user)  # type: ignore[arg-type]

    def narrow(
        self, queryset: QuerySet[Occurrence], params: dict[str, Any]
    ) -> QuerySet[Occurrence]:
        if "series" in params:
            queryset = queryset.filter(series_id=params["series"])
        if "start_after" in params:
            queryset = queryset.filter(start__gte=params["start_after"])
        if "start_before" in params:
            queryset = queryset.filter(start__lt=params["start_before"])
        return queryset.filter(**{k: params[k] for k in ("status",) if k in params})

    def fetch(self, key: Any) -> Occurrence:
        return get_occurrence_for(self.request.user, key)  # type: ignore[arg-type]


@extend_schema(tags=["meetings"])
@extend_schema_view(list=extend_schema(parameters=[filters.ActionItemFilter]))
class ActionItemViewSet(mixins.UpdateModelMixin, VisibleViewSet[ActionItem]):
    """Action items from meetings and programme reviews. PATCH `{"done": true}` ticks one
    (its owner, the meeting's people or the security team; a read-write token)."""

    model = ActionItem
    serializer_class = serializers.ActionItemSerializer
    filter_class = filters.ActionItemFilter
    lookup_url_kwarg = "item_id"
    http_method_names = ["get", "patch", "head", "options"]

    def visible(self) -> QuerySet[ActionItem]:
        items = ActionItem.objects.visible_to(self.request.user)  # type: ignore[arg-type]
        return items.select_related("owner")

    def narrow(
        self, queryset: QuerySet[ActionItem], params: dict[str, Any]
    ) -> QuerySet[ActionItem]:
        if params.get("mine") is True:
            queryset = queryset.filter(owner=user_of(self.request))
        elif params.get("mine") is False:
            queryset = queryset.exclude(owner=user_of(self.request))
        return queryset.filter(**{k: params[k] for k in ("done",) if k in params})

    def fetch(self, key: Any) -> ActionItem:
        if self.request.method == "PATCH":
            return get_action_item_for(self.request.user, key)  # type: ignore[arg-type]
        return get_object_or_404(self.visible(), pk=key)

    def perform_update(self, serializer: BaseSerializer[ActionItem]) -> None:
        """As ticking the box on the meeting page: `set_done`, then the three fields."""
        item = serializer.instance
        assert item is not None
        if "done" not in serializer.validated_data:  # PATCH {}: nothing said, nothing done
            raise ValidationError({"done": ["This field is required."]})
        done = serializer.validated_data["done"]
        if done != item.done:
            item.set_done(done)
            item.save(update_fields=["done", "done_at", "updated_at"])


@extend_schema(tags=["business cases"])
@extend_schema_view(list=extend_schema(parameters=[filters.CaseFilter]))
class BusinessCaseViewSet(VisibleViewSet[BusinessCase]):
    """Business cases with their figures (security team and executives; heads see none)."""

    model = BusinessCase
    serializer_class = serializers.BusinessCaseSerializer
    filter_class = filters.CaseFilter
    lookup_url_kwarg = "case_id"

    def visible(self) -> QuerySet[BusinessCase]:
        return BusinessCase.objects.visible_to(self.request.user).with_lines()

    def narrow(
        self, queryset: QuerySet[BusinessCase], params: dict[str, Any]
    ) -> QuerySet[BusinessCase]:
        if "initiative" in params:
            queryset = queryset.filter(initiative_id=params["initiative"])
        return queryset.filter(**{k: params[k] for k in ("status",) if k in params})

    def fetch(self, key: Any) -> BusinessCase:
        get_case_for(self.request.user, key)  # the rule: 404 for whoever may not see it
        return self.visible().get(pk=key)  # the same case, with the lines its figures read


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request: Request) -> Response:
    """No such endpoint: a 404 in DRF's error body, as every other API error."""
    raise NotFound()
