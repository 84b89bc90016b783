"""URLs of the alignment app (namespace `alignment:`), the meetings' included; the project's
root URLconf is alignment/conf/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from alignment.meetings import urls as meeting_urls
from alignment.views import activity as activity_views
from alignment.views import assessments as assessment_views
from alignment.views import commitments as commitment_views
from alignment.views import dashboard as dashboard_views
from alignment.views import engagement as engagement_views
from alignment.views import matrix as matrix_views
from alignment.views import outbox as outbox_views
from alignment.views import reports as report_views
from alignment.views import reviews as review_views
from alignment.views import transfer as transfer_views

app_name = "alignment"

urlpatterns: list[URLPattern | URLResolver] = [
    # --- the whole programme out and in (alignment/views/transfer.py) ---
    path("programme/transfer/", transfer_views.transfer, name="transfer"),
    path("programme/transfer/export/", transfer_views.transfer_export, name="transfer-export"),
    path(
        "programme/transfer/<slug:token>/",
        transfer_views.transfer_preview,
        name="transfer-preview",
    ),
    # --- end transfer ---
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
        "alignment/heatmap/departments/<slug:slug>/",
        matrix_views.heatmap_department,
        name="heatmap-department",
    ),
    path(
        "alignment/heatmap/objectives/<int:objective_id>/",
        matrix_views.heatmap_objective,
        name="heatmap-objective",
    ),
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
    path(
        "alignment/departments/<slug:slug>/friction-budget/accept/",
        assessment_views.friction_budget_accept,
        name="friction-budget-accept",
    ),
    # --- end assessments ---
    # --- dashboard (alignment/views/dashboard.py) ---
    path("alignment/conflicts/", dashboard_views.conflict_list, name="conflict-list"),
    path("alignment/coverage/", dashboard_views.coverage, name="coverage"),
    # --- end dashboard ---
    # --- programme reviews (alignment/views/reviews.py) ---
    path("reviews/", review_views.review_list, name="review-list"),
    path("reviews/open/", review_views.review_open, name="review-open"),
    path("reviews/schedule/", review_views.review_schedule, name="review-schedule"),
    path("reviews/<int:review_id>/", review_views.review_detail, name="review-detail"),
    path(
        "reviews/<int:review_id>/items/<int:review_item_id>/",
        review_views.review_item,
        name="review-item",
    ),
    path(
        "reviews/<int:review_id>/items/<int:review_item_id>/actions/",
        review_views.review_action_add,
        name="review-action-add",
    ),
    path("reviews/<int:review_id>/finish/", review_views.review_finish, name="review-finish"),
    # --- the posture report and board packs (alignment/views/reports.py) ---
    path("report/", report_views.report, name="report"),
    path("report/edit/", report_views.report_edit, name="report-edit"),
    path("report/print/", report_views.report_print, name="report-print"),
    re_path(
        r"^report/posture-report\.(?P<extension>pdf|xlsx)$",
        report_views.report_file,
        name="report-file",
    ),
    path("report/freeze/", report_views.report_freeze, name="report-freeze"),
    path("packs/", report_views.pack_list, name="pack-list"),
    path("packs/<int:pack_id>/", report_views.pack_detail, name="pack-detail"),
    path("packs/<int:pack_id>/print/", report_views.pack_print, name="pack-print"),
    re_path(
        r"^packs/(?P<pack_id>[0-9]+)/board-pack\.(?P<extension>pdf|xlsx|json)$",
        report_views.pack_file,
        name="pack-file",
    ),
    path("packs/<int:pack_id>/approve/", report_views.pack_approve, name="pack-approve"),
    path("packs/<int:pack_id>/present/", report_views.pack_present, name="pack-present"),
    # --- stakeholder engagement (alignment/views/engagement.py) ---
    path("engagement/", engagement_views.engagement_matrix, name="engagement-matrix"),
    path("engagement/grid/", engagement_views.engagement_grid, name="engagement-grid"),
    path("engagement/movement/", engagement_views.engagement_movement, name="engagement-movement"),
    path(
        "engagement/leaders/<int:leader_id>/",
        engagement_views.engagement_leader,
        name="engagement-leader",
    ),
    path(
        "engagement/meetings/<int:occurrence_id>/",
        engagement_views.engagement_meeting,
        name="engagement-meeting",
    ),
    # --- end engagement ---
    # --- support commitments and requests (alignment/views/commitments.py) ---
    path("commitments/", commitment_views.commitment_list, name="commitment-list"),
    path("commitments/new/", commitment_views.commitment_create, name="commitment-create"),
    path(
        "commitments/<int:commitment_id>/",
        commitment_views.commitment_detail,
        name="commitment-detail",
    ),
    path(
        "commitments/<int:commitment_id>/edit/",
        commitment_views.commitment_edit,
        name="commitment-edit",
    ),
    path(
        "commitments/<int:commitment_id>/status/",
        commitment_views.commitment_move,
        name="commitment-move",
    ),
    path(
        "commitments/<int:commitment_id>/confirm/",
        commitment_views.commitment_confirm,
        name="commitment-confirm",
    ),
    path("requests/", commitment_views.request_list, name="request-list"),
    path("requests/ask/<slug:slug>/", commitment_views.request_create, name="request-create"),
    path("requests/<int:request_id>/", commitment_views.request_detail, name="request-detail"),
    path(
        "requests/<int:request_id>/accept/",
        commitment_views.request_accept,
        name="request-accept",
    ),
    path(
        "requests/<int:request_id>/decline/",
        commitment_views.request_decline,
        name="request-decline",
    ),
    # --- end commitments ---
    # --- the activity feed (alignment/views/activity.py) ---
    path("activity/", activity_views.activity_feed, name="activity"),
    # --- the outbox (alignment/views/outbox.py) ---
    path("outbox/", outbox_views.outbox, name="outbox"),
    # --- meetings (alignment/meetings/urls.py), in this namespace ---
    *meeting_urls.urlpatterns,
]
