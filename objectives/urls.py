from __future__ import annotations

from django.urls import path

from objectives import views

app_name = "objectives"

urlpatterns = [
    path("objectives/", views.objective_list, name="objective-list"),
    path("objectives/new/", views.objective_create, name="objective-create"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective-detail"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective-edit"),
    path("objectives/<int:objective_id>/retire/", views.objective_retire, name="objective-retire"),
    path(
        "objectives/<int:objective_id>/move/<str:direction>/",
        views.objective_move,
        name="objective-move",
    ),
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/new/", views.initiative_create, name="initiative-create"),
    path("initiatives/<int:initiative_id>/", views.initiative_detail, name="initiative-detail"),
    path("initiatives/<int:initiative_id>/edit/", views.initiative_edit, name="initiative-edit"),
    path(
        "initiatives/<int:initiative_id>/move/<str:direction>/",
        views.initiative_move,
        name="initiative-move",
    ),
]
