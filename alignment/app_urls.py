"""URLs of the alignment app (namespace `alignment:`); the project's root is alignment/urls.py."""

from __future__ import annotations

from django.urls import path

from alignment.views import assessments as assessment_views
from alignment.views import dashboard as dashboard_views
from alignment.views import matrix as matrix_views
from alignment.views import meeting_notes as note_views
from alignment.views import meetings as meeting_views

app_name = "alignment"

urlpatterns: list = [
    # --- matrix, heatmap and links (alignment/views/matrix.py) ---
    path("alignment/matrix/", matrix_views.matrix_index, name="matrix-index"),
    path("alignment/matrix/<slug:slug>/", matrix_views.matrix, name="matrix"),
    path(
        "alignment/matrix/<slug:slug>/cell/<int:initiative_id>/<int:goal_id>/",
        matrix_views.matrix_cell,
        name="matrix-cell",
    ),
    path("alignment/heatmap/", matrix_views.heatmap, name="heatmap"),
    path(
        "alignment/initiatives/<int:initiative_id>/goal-search/",
        matrix_views.goal_search,
        name="goal-search",
    ),
    path(
        "alignment/goals/<int:goal_id>/initiative-search/",
        matrix_views.initiative_search,
        name="initiative-search",
    ),
    path(
        "alignment/initiatives/<int:initiative_id>/links/<int:goal_id>/",
        matrix_views.link_create,
        name="link-create",
    ),
    # --- end matrix ---
    # --- impact assessments and friction budgets (alignment/views/assessments.py) ---
    path("alignment/assessments/", assessment_views.assessment_list, name="assessment-list"),
    path(
        "alignment/initiatives/<int:initiative_id>/assessments/new/",
        assessment_views.assessment_create,
        name="assessment-create",
    ),
    path(
        "alignment/assessments/<int:assessment_id>/edit/",
        assessment_views.assessment_edit,
        name="assessment-edit",
    ),
    path(
        "alignment/assessments/<int:assessment_id>/answer/",
        assessment_views.assessment_answer,
        name="assessment-answer",
    ),
    path(
        "alignment/departments/<slug:slug>/friction-budget/",
        assessment_views.friction_budget,
        name="friction-budget",
    ),
    # --- end assessments ---
    # --- dashboard (alignment/views/dashboard.py) ---
    path("alignment/conflicts/", dashboard_views.conflict_list, name="conflict-list"),
    path("alignment/coverage/", dashboard_views.coverage, name="coverage"),
    # --- end dashboard ---
    # --- meetings, reminders, profile, calendar feed (alignment/views/meetings.py) ---
    path("meetings/", meeting_views.meeting_list, name="meeting-list"),
    path("meetings/series/new/", meeting_views.series_create, name="series-create"),
    path(
        "meetings/series/one-on-ones/",
        meeting_views.schedule_one_on_ones,
        name="schedule-one-on-ones",
    ),
    path("meetings/series/joint/", meeting_views.schedule_joint_meeting, name="schedule-joint"),
    path("meetings/series/<int:series_id>/", meeting_views.series_detail, name="series-detail"),
    path("meetings/series/<int:series_id>/edit/", meeting_views.series_edit, name="series-edit"),
    path(
        "meetings/series/<int:series_id>/cancel/",
        meeting_views.series_cancel,
        name="series-cancel",
    ),
    path("meetings/<int:occurrence_id>/", note_views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:occurrence_id>/agenda/", note_views.meeting_agenda, name="meeting-agenda"),
    path(
        "meetings/<int:occurrence_id>/minutes/", note_views.meeting_minutes, name="meeting-minutes"
    ),
    path("meetings/<int:occurrence_id>/decisions/", note_views.decision_add, name="decision-add"),
    path("meetings/<int:occurrence_id>/actions/", note_views.action_add, name="action-add"),
    path("meetings/actions/<int:item_id>/done/", note_views.action_toggle, name="action-toggle"),
    path(
        "meetings/<int:occurrence_id>/answer/", note_views.meeting_respond, name="meeting-respond"
    ),
    path("meetings/<int:occurrence_id>/move/", note_views.meeting_move, name="meeting-move"),
    path("meetings/<int:occurrence_id>/cancel/", note_views.meeting_cancel, name="meeting-cancel"),
    path("meetings/answer/<str:token>/", meeting_views.meeting_answer, name="meeting-answer"),
    path("meetings/profile/", meeting_views.profile, name="meeting-profile"),
    path("meetings/profile/feed/revoke/", meeting_views.feed_revoke, name="feed-revoke"),
    path("meetings/outbox/", meeting_views.outbox, name="outbox"),
    path("calendar/<str:token>.ics", meeting_views.calendar_feed, name="calendar-feed"),
    # --- end meetings ---
]
