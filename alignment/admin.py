from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from alignment.meetings import admin as meeting_admin
from alignment.meetings.models import (
    ActionReminder,
    DigestMessage,
    InviteMessage,
    MinutesMessage,
    Reminder,
)
from alignment.models import (
    AlignmentLink,
    BoardPack,
    CaseEmail,
    ImpactAssessment,
    PasswordResetEmail,
    PostureReport,
    ProgrammeEmail,
    ProgrammeReview,
    ReviewItem,
    StakeholderReading,
)
from alignment.models.changes import Change
from alignment.models.commitments import Commitment, SupportRequest
from alignment.models.notices import Notice, NoticeEmail
from alignment.models.tokens import ApiToken

admin.site.site_header = "Meeting of the Minds — administration"
admin.site.site_title = "Meeting of the Minds"

# Registered by importing it: Django discovers only this module.
__all__ = ["meeting_admin"]


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


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    fields = ["objective", "initiative", "relevant", "effective", "verdict", "note"]
    readonly_fields = ["objective", "initiative"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # items are the programme as it stood when the review opened


@admin.register(ProgrammeReview)
class ProgrammeReviewAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "status", "opened_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["period", "opened_at", "finished_at", "finished_by"]
    inlines = [ReviewItemInline]


@admin.register(ReviewItem)
class ReviewItemAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "verdict", "relevant", "effective"]
    list_filter = ["verdict"]
    list_select_related = ["review", "objective", "initiative"]
    readonly_fields = ["review", "objective", "initiative"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- The outbox: every email the product sends --------------------------------------------


class OutboxAdmin(admin.ModelAdmin):
    """Outbox rows are read-only: the sweep owns their status."""

    list_filter = ["status"]
    readonly_fields = ["status", "attempts", "next_attempt_at", "lease_until", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
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


@admin.register(MinutesMessage)
class MinutesMessageAdmin(OutboxAdmin):
    list_display = ["occurrence", "recipient", "status", "attempts", "sent_at"]
    search_fields = ["recipient"]
    list_select_related = ["occurrence__series"]


@admin.register(ActionReminder)
class ActionReminderAdmin(OutboxAdmin):
    list_display = ["action_item", "kind", "due_date", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["action_item"]


@admin.register(CaseEmail)
class CaseEmailAdmin(OutboxAdmin):
    list_display = ["case", "kind", "revision", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "case__title"]
    list_select_related = ["case"]
    readonly_fields = [*OutboxAdmin.readonly_fields, "sent_at", "message_id"]
    raw_id_fields = ["case", "decision", "recipient_user"]


@admin.register(NoticeEmail)
class NoticeEmailAdmin(OutboxAdmin):
    list_display = ["recipient", "subject", "digest", "status", "attempts", "sent_at"]
    search_fields = ["recipient", "subject"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """What each person was to be told: written by the steps that tell them."""

    list_display = ["user", "kind", "text", "delivery", "created_at", "email"]
    list_filter = ["kind", "delivery"]
    list_select_related = ["user", "email"]
    readonly_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProgrammeEmail)
class ProgrammeEmailAdmin(OutboxAdmin):
    list_display = ["kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject"]
    readonly_fields = [*OutboxAdmin.readonly_fields, "sent_at", "message_id"]
    raw_id_fields = ["review", "pack", "recipient_user"]


@admin.register(PasswordResetEmail)
class PasswordResetEmailAdmin(OutboxAdmin):
    """Who asked and to which address: the link itself is never stored."""

    list_display = ["recipient", "user", "status", "attempts", "created_at", "sent_at"]
    search_fields = ["recipient", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [*OutboxAdmin.readonly_fields, "user", "recipient", "sent_at"]


@admin.register(PostureReport)
class PostureReportAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "updated_at"]
    readonly_fields = ["version", "updated_at"]


@admin.register(BoardPack)
class BoardPackAdmin(SimpleHistoryAdmin):
    """Read-only: a frozen pack is what the board saw; nobody edits it, not even here."""

    list_display = ["__str__", "status", "frozen_at", "approved_at", "presented_at"]
    list_filter = ["status"]
    exclude = ["pdf", "xlsx"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StakeholderReading)
class StakeholderReadingAdmin(admin.ModelAdmin):
    """Read-only: readings are never edited (alignment/models/engagement.py); the security
    team records them on the engagement pages. An administrator may still delete one."""

    list_display = ["leader", "recorded_at", "current_engagement", "desired_engagement", "source"]
    list_filter = ["current_engagement", "influence", "source"]
    search_fields = ["leader__username", "leader__last_name", "note"]
    list_select_related = ["leader"]
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "department", "owner", "due_date", "status", "verdict"]
    list_filter = ["status", "verdict", "department"]
    search_fields = ["title", "detail", "department__name"]
    list_select_related = ["department", "owner"]
    raw_id_fields = [
        "owner",
        "confirmed_by",
        "created_by",
        "assessment",
        "link",
        "occurrence",
        "request",
    ]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(SupportRequest)
class SupportRequestAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "department", "due_date", "status", "requested_by"]
    list_filter = ["status", "department"]
    search_fields = ["need", "department__name"]
    list_select_related = ["department", "requested_by"]
    raw_id_fields = ["requested_by", "answered_by"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal access tokens, for inspection: a token is made by its owner in the app
    (its secret is shown once there) and revoked there; the admin only lists them."""

    list_display = ["prefix", "name", "user", "scope", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The programme's change log (alignment/changes.py), written by triggers: to read."""

    list_display = ["id", "token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
