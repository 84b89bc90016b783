from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alignment.models import (
    ActionItem,
    AlignmentLink,
    Decision,
    DigestMessage,
    ImpactAssessment,
    InviteMessage,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    Reminder,
    SeriesAttendee,
    UserProfile,
)

admin.site.site_header = "Meeting of the Minds — administration"
admin.site.site_title = "Meeting of the Minds"


@admin.register(AlignmentLink)
class AlignmentLinkAdmin(SimpleHistoryAdmin):
    list_display = ["initiative", "goal", "relation", "rationale", "unmitigated"]
    list_filter = ["relation", "goal__department", "initiative__objective"]
    search_fields = ["initiative__title", "goal__title", "rationale", "mitigation"]
    list_select_related = ["initiative", "goal"]
    autocomplete_fields = ["initiative", "goal"]
    readonly_fields = ["version", "created_at", "updated_at"]

    @admin.display(boolean=True, description="unmitigated conflict")
    def unmitigated(self, obj: AlignmentLink) -> bool:
        return obj.is_unmitigated_conflict


@admin.register(ImpactAssessment)
class ImpactAssessmentAdmin(SimpleHistoryAdmin):
    list_display = [
        "initiative",
        "department",
        "hours_per_week",
        "people_affected",
        "head_agreement",
    ]
    list_filter = ["head_agreement", "department", "initiative__objective"]
    search_fields = ["initiative__title", "department__name", "processes_touched"]
    list_select_related = ["initiative", "department"]
    autocomplete_fields = ["initiative", "department"]
    readonly_fields = ["version", "created_at", "updated_at"]


# --- Meetings --------------------------------------------------------------------------


class AttendeeInline(admin.TabularInline):
    model = SeriesAttendee
    fields = ["user", "email", "name"]
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "organiser", "department", "rule", "time_zone", "active"]
    list_filter = ["kind", "active", "department"]
    search_fields = ["title", "organiser__username", "leader__username", "uid"]
    list_select_related = ["organiser", "department"]
    readonly_fields = ["uid", "sequence", "version", "created_at", "updated_at"]
    inlines = [AttendeeInline]


class DecisionInline(admin.TabularInline):
    model = Decision
    fields = ["text", "recorded_by"]
    extra = 0


class AnswerInline(admin.TabularInline):
    model = MeetingAnswer
    fields = ["attendee", "response", "answered_at"]
    readonly_fields = ["answered_at"]
    extra = 0


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    fields = ["title", "owner", "due_date", "done"]
    extra = 0


@admin.register(Occurrence)
class OccurrenceAdmin(SimpleHistoryAdmin):
    list_display = ["series", "start", "end", "status", "overridden"]
    list_filter = ["status", "series__kind"]
    search_fields = ["series__title", "minutes"]
    list_select_related = ["series"]
    date_hierarchy = "start"
    readonly_fields = ["original_start", "agenda_built_at", "version", "created_at", "updated_at"]
    inlines = [DecisionInline, ActionItemInline, AnswerInline]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "due_date", "done", "occurrence"]
    list_filter = ["done"]
    search_fields = ["title", "owner__username"]
    list_select_related = ["owner", "occurrence__series"]
    date_hierarchy = "due_date"


class OutboxAdmin(admin.ModelAdmin):
    """Outbox rows are read-only: the sweep owns their status."""

    list_filter = ["status"]
    readonly_fields = ["status", "attempts", "next_attempt_at", "lease_until", "last_error"]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(OutboxAdmin):
    list_display = ["occurrence", "attendee", "lead_minutes", "due_at", "status", "attempts"]
    list_select_related = ["occurrence__series", "attendee"]
    date_hierarchy = "due_at"


@admin.register(InviteMessage)
class InviteMessageAdmin(OutboxAdmin):
    list_display = ["series", "recipient", "method", "sequence", "status", "attempts"]
    search_fields = ["recipient", "uid"]
    list_select_related = ["series"]


@admin.register(DigestMessage)
class DigestMessageAdmin(OutboxAdmin):
    list_display = ["owner", "week", "status", "attempts", "sent_at"]
    list_select_related = ["owner"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone", "use_series_leads", "updated_at"]
    search_fields = ["user__username", "user__email"]
    exclude = ["feed_token"]
