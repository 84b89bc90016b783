from __future__ import annotations

from django.urls import path

from objectives import measure_views, views

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
    path(
        "objectives/<int:objective_id>/measures/new/",
        measure_views.measure_create,
        name="measure-create",
    ),
    path("measures/<int:measure_id>/", measure_views.measure_detail, name="measure-detail"),
    path("measures/<int:measure_id>/edit/", measure_views.measure_edit, name="measure-edit"),
    path("measures/<int:measure_id>/samples/", measure_views.sample_create, name="sample-create"),
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
