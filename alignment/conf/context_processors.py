from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from departments import roles

if TYPE_CHECKING:
    from departments.roles import AnyUser


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """Expose the request's CSP nonce as `csp_nonce` for `{% htmx_script %}`.

    The nonce is lazy in django-csp: it reaches the header only if a template uses it.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", None)}


def role_flags(request: HttpRequest) -> dict[str, object]:
    """Role flags for the navigation bar; they hide buttons, never data."""
    user: AnyUser | None = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "role": {
            "security": roles.is_ciso(user),
            "executive": roles.is_executive(user),
            "head": bool(roles.headed_department_ids(user)),
            "admin": user.is_staff,
        }
    }
