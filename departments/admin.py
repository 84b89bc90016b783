from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import BudgetProposal, CheckIn, Department, Goal, ProcessDocument


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["title", "category", "status", "due_date", "owner"]
    extra = 0
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "head", "friction_budget_hours", "updated_at"]
    search_fields = ["name", "charter", "head__username", "head__last_name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["key_leaders"]
    list_select_related = ["head"]
    inlines = [GoalInline]


@admin.register(BudgetProposal)
class BudgetProposalAdmin(admin.ModelAdmin):
    """The negotiation's history: read here, made on the department page (never edited)."""

    list_display = ["department", "hours", "from_security_team", "proposed_by", "status"]
    list_filter = ["status", "from_security_team"]
    list_select_related = ["department", "proposed_by"]
    readonly_fields = ["answered_by", "answered_at"]
    raw_id_fields = ["proposed_by"]


class CheckInInline(admin.TabularInline):
    model = CheckIn
    fields = ["date", "value", "confidence", "comment", "author"]
    extra = 0


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["title", "department", "category", "status", "current", "target", "due_date"]
    list_filter = ["status", "category", "department"]
    search_fields = ["title", "metric", "description", "department__name"]
    list_select_related = ["department"]
    date_hierarchy = "due_date"
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [CheckInInline]


@admin.register(CheckIn)
class CheckInAdmin(SimpleHistoryAdmin):
    list_display = ["goal", "date", "value", "confidence", "author"]
    list_filter = ["confidence", "goal__department"]
    search_fields = ["goal__title", "comment"]
    list_select_related = ["goal", "author"]
    date_hierarchy = "date"


@admin.register(ProcessDocument)
class ProcessDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "department", "uploaded_by", "uploaded_at", "reviewed_at"]
    list_filter = ["department", ("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "original_name", "review_note"]
    list_select_related = ["department", "uploaded_by"]
