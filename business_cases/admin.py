from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CaseDecision,
    CostLine,
    LoadedRate,
    RiskScenario,
    UserImpactLine,
)


@admin.register(LoadedRate)
class LoadedRateAdmin(SimpleHistoryAdmin):
    """The loaded hourly rate per department: people-time in business cases is priced here."""

    list_display = ["__str__", "department", "hourly_rate", "updated_at"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]


class CostLineInline(admin.TabularInline):
    model = CostLine
    extra = 0
    fields = ["description", "category", "recurrence", "amount", "source_department"]
    readonly_fields = ["source_department"]


class ScenarioInline(admin.TabularInline):
    model = RiskScenario
    extra = 0


class BenefitInline(admin.TabularInline):
    model = BenefitLine
    extra = 0


class UserImpactInline(admin.TabularInline):
    model = UserImpactLine
    extra = 0


class DecisionInline(admin.TabularInline):
    model = CaseDecision
    extra = 0
    can_delete = False
    readonly_fields = ("revision", "outcome", "comment", "decided_by", "decided_at")
    fields = readonly_fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        # Decisions are made by executives in the app, where they are snapshotted.
        return False


@admin.register(BusinessCase)
class BusinessCaseAdmin(SimpleHistoryAdmin):
    list_display = ["title", "initiative", "status", "revision", "author", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary", "initiative__title"]
    list_select_related = ["initiative", "author"]
    autocomplete_fields = ["initiative", "business_goals"]
    readonly_fields = ["revision", "version", "submitted_at", "created_at", "updated_at"]
    inlines = [CostLineInline, ScenarioInline, BenefitInline, UserImpactInline, DecisionInline]
