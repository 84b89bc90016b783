from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alignment.models import AlignmentLink, ImpactAssessment

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
