from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from business_cases.models import (
    Allocation,
    BenefitLine,
    BudgetEnvelope,
    BusinessCase,
    CaseDecision,
    CostLine,
    LoadedRate,
    RiskScenario,
    Spend,
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


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(SimpleHistoryAdmin):
    """Each year's security budget (executives set it on the budget page)."""

    list_display = ["year", "one_off", "running", "set_by", "updated_at"]
    readonly_fields = ["set_by"]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    """What approved cases commit: written by the approval, read-only here."""

    list_display = ["case", "initiative", "first_year", "last_year", "one_off", "yearly"]
    list_select_related = ["case", "initiative"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Spend)
class SpendAdmin(SimpleHistoryAdmin):
    list_display = ["description", "initiative", "year", "kind", "amount", "entered_by"]
    list_filter = ["year", "kind"]
    list_select_related = ["initiative", "entered_by"]
    autocomplete_fields = ["initiative"]
    readonly_fields = ["entered_by"]
