"""The meetings in the admin (imported by alignment/admin.py); their outbox rows are there."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alignment.meetings.models import (
    ActionItem,
    Decision,
    MeetingAnswer,
    MeetingSeries,
    Occurrence,
    SeriesAttendee,
    UserProfile,
)


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


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone", "use_series_leads", "updated_at"]
    search_fields = ["user__username", "user__email"]
    exclude = ["feed_token"]
