from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from alignment.conf import oidc
from alignment.conf import views as project_views
from alignment.conf.views import when_reset_enabled
from alignment.forms import PasswordResetForm
from alignment.views import dashboard as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", project_views.healthz, name="healthz"),
    path("accounts/login/", project_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", project_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (OIDC_ISSUER): off to the provider, and back (alignment/conf/oidc.py).
    path(
        "oidc/authenticate/",
        login_not_required(oidc.LoginStart.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        login_not_required(oidc.LoginCallback.as_view()),
        name="oidc_authentication_callback",
    ),
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
    # Reset by email (alignment/account_emails.py): the same answer for any address, the
    # email queued in the outbox, the link valid for PASSWORD_RESET_TIMEOUT and once.
    path(
        "accounts/password/reset/",
        when_reset_enabled(auth_views.PasswordResetView.as_view(form_class=PasswordResetForm)),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        when_reset_enabled(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/complete/",
        when_reset_enabled(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        when_reset_enabled(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("admin/", admin.site.urls),
    path("", include("departments.urls")),
    path("", include("objectives.urls")),
    path("", include("alignment.urls")),
    path("", include("business_cases.urls")),
    path("", include("alignment.api.urls")),
]

handler403 = "alignment.conf.views.permission_denied"
handler404 = "alignment.conf.views.page_not_found"
handler500 = "alignment.conf.views.server_error"
