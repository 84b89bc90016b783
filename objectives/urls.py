from __future__ import annotations

from django.urls import path

from objectives import views

app_name = "objectives"

urlpatterns = [
    path("objectives/", views.objective_list, name="objective-list"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective-detail"),
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/new/", views.initiative_create, name="initiative-create"),
    path("initiatives/<int:initiative_id>/", views.initiative_detail, name="initiative-detail"),
    path("initiatives/<int:initiative_id>/edit/", views.initiative_edit, name="initiative-edit"),
]
