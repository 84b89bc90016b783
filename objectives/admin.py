from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import Initiative, Measure, Sample, SecurityObjective


class InitiativeInline(admin.TabularInline):
    model = Initiative
    fields = ["title", "status", "owner", "start_date", "end_date", "budget"]
    extra = 0
    show_change_link = True


@admin.register(SecurityObjective)
class SecurityObjectiveAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "pillar",
        "protects_confidentiality",
        "protects_integrity",
        "protects_availability",
        "status",
        "owner",
    ]
    list_filter = [
        "pillar",
        "status",
        "protects_confidentiality",
        "protects_integrity",
        "protects_availability",
    ]
    search_fields = ["title", "description"]
    list_select_related = ["owner"]
    readonly_fields = ["version"]
    filter_horizontal = ["business_goals"]
    inlines = [InitiativeInline]


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "objective", "status", "owner", "start_date", "end_date", "budget"]
    list_filter = ["status", "objective"]
    search_fields = ["title", "description", "objective__title"]
    list_select_related = ["objective", "owner"]
    date_hierarchy = "start_date"


class SampleInline(admin.TabularInline):
    model = Sample
    fields = ["date", "value", "source", "comment", "author"]
    readonly_fields = ["date", "value", "source", "comment", "author"]
    extra = 0
    # Samples are recorded in the app, which files them in their cadence period.

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["title", "objective", "direction", "target", "cadence", "computation"]
    list_filter = ["cadence", "direction", "computation", "objective"]
    search_fields = ["title", "objective__title"]
    list_select_related = ["objective"]
    readonly_fields = ["version"]
    filter_horizontal = ["goals"]
    inlines = [SampleInline]


@admin.register(Sample)
class SampleAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "date", "value", "source"]
    list_filter = ["source"]
    list_select_related = ["measure"]
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
