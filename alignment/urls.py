from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment.views import core

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("departments.urls")),
    path("", include("objectives.urls")),
    path("", include("alignment.app_urls")),
    path("", include("business_cases.urls")),
]

handler403 = "alignment.views.core.permission_denied"
handler404 = "alignment.views.core.page_not_found"
handler500 = "alignment.views.core.server_error"
