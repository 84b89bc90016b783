from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment.conf import views as project_views
from alignment.views import dashboard as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", project_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Each user changes their own password (the old one first); the session stays valid.
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("", include("departments.urls")),
    path("", include("objectives.urls")),
    path("", include("alignment.urls")),
    path("", include("business_cases.urls")),
]

handler403 = "alignment.conf.views.permission_denied"
handler404 = "alignment.conf.views.page_not_found"
handler500 = "alignment.conf.views.server_error"
