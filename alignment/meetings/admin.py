"""The meetings in the admin (imported by alignment/admin.py); their outbox rows are there."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from alignment.meetings.models import (
    ActionItem,
    Attendance,
    BusyCalendar,
    Decision,
    JointShare,
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


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ["attendee", "present", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_at"]
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
    readonly_fields = [
        "original_start",
        "agenda_built_at",
        "minutes_final_at",
        "minutes_final_by",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [DecisionInline, ActionItemInline, AnswerInline, AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["occurrence", "attendee", "present", "recorded_by", "recorded_at"]
    list_filter = ["present"]
    list_select_related = ["occurrence__series", "attendee__user", "recorded_by"]


@admin.register(JointShare)
class JointShareAdmin(admin.ModelAdmin):
    """Agenda items the security team shares in full with a joint meeting's heads."""

    list_display = ["series", "item", "shared_by", "shared_at"]
    list_select_related = ["series", "shared_by"]


@admin.register(BusyCalendar)
class BusyCalendarAdmin(admin.ModelAdmin):
    """What each published calendar said when last fetched (read-only: the worker owns it)."""

    list_display = ["user", "url", "fetched_at", "error"]
    search_fields = ["user__username", "url"]
    readonly_fields = ["user", "url", "busy", "fetched_at", "error", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


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
