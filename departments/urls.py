from __future__ import annotations

from django.urls import path

from departments import onboarding_views, views

app_name = "departments"

urlpatterns = [
    path("my-department/", views.my_department, name="my-department"),
    path("departments/", views.department_list, name="department-list"),
    path("departments/<slug:slug>/", views.department_detail, name="department-detail"),
    path("departments/<slug:slug>/goals/new/", views.goal_create, name="goal-create"),
    path(
        "departments/<slug:slug>/documents/new/",
        views.document_upload,
        name="document-upload",
    ),
    path("onboarding/", onboarding_views.onboarding_upload, name="onboarding"),
    path(
        "onboarding/templates/<slug:kind>.<slug:file_format>",
        onboarding_views.onboarding_template,
        name="onboarding-template",
    ),
    path(
        "onboarding/<slug:token>/",
        onboarding_views.onboarding_preview,
        name="onboarding-preview",
    ),
    path("goals/", views.goal_list, name="goal-list"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal-detail"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal-edit"),
    path("goals/<int:goal_id>/checkins/new/", views.checkin_create, name="checkin-create"),
    path(
        "documents/<int:document_id>/download/",
        views.document_download,
        name="document-download",
    ),
    path("documents/<int:document_id>/review/", views.document_review, name="document-review"),
]
