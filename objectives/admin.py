from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import Initiative, SecurityObjective


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
    inlines = [InitiativeInline]


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "objective", "status", "owner", "start_date", "end_date", "budget"]
    list_filter = ["status", "objective"]
    search_fields = ["title", "description", "objective__title"]
    list_select_related = ["objective", "owner"]
    date_hierarchy = "start_date"
