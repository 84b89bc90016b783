"""/api/v1/ (namespace `api`: the REST API, its schema and docs) and the token pages
under /accounts/tokens/ (namespace `tokens`); included once by alignment/conf/urls.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from alignment.api import token_views, views, views_more

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("check-ins", views_more.CheckInViewSet, basename="checkin")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("samples", views_more.SampleViewSet, basename="sample")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("links", views.LinkViewSet, basename="link")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("meetings/series", views_more.SeriesViewSet, basename="series")
router.register("meetings/occurrences", views_more.OccurrenceViewSet, basename="occurrence")
router.register("action-items", views_more.ActionItemViewSet, basename="action-item")
router.register("business-cases", views_more.BusinessCaseViewSet, basename="business-case")

api_patterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from this URL too (?script): no inline
    # <script>, so the page works under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="alignment/tokens/api_docs.html"
        ),
        name="docs",
    ),
    # Anything else under /api/v1/: DRF's 404 body, not the HTML page (unnamed, so the
    # URL-discovering tests leave it to tests/api/).
    re_path(r"^.*$", views_more.not_found),
]
# The API answers for itself: 401 without credentials (a token is not a session, so the
# login redirect of LoginRequiredMiddleware would be wrong here).
for _pattern in api_patterns:
    assert isinstance(_pattern, URLPattern)
    login_not_required(_pattern.callback)

token_patterns: list[URLPattern | URLResolver] = [
    path("", token_views.token_list, name="token-list"),
    path("all/", token_views.token_all, name="token-all"),
    path("<int:token_id>/revoke/", token_views.token_revoke, name="token-revoke"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include((api_patterns, "api"))),
    path("accounts/tokens/", include((token_patterns, "tokens"))),
]
