"""The one helper module for answering requests, shared by every app's views.

- `HtmxHttpRequest`: the request type of logged-in views (django-htmx's details, and the
  project's user);
- `is_fragment(request)`: answer with a fragment (a named partial) or the whole page — an
  htmx history restore gets the whole page;
- `form_status(form)`: 422 for an invalid form, the status the htmx config swaps in place,
  on pages and fragments alike;
- `require_security_team(user)`: 403 for anyone outside the security team;
- `page_of(request, rows)`: the page of a list that `?page=` asks for, `PAGE_SIZE` rows
  (templates/_list_pager.html links the pages, keeping the list's filters and sort).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from departments import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.paginator import _SupportsPagination

INVALID_FORM_STATUS = 422

_Row = TypeVar("_Row")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User  # login is required everywhere except the few views that say otherwise


def is_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx request for part of the page (not a history restore, which needs it all)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def template_for(request: HtmxHttpRequest, template: str, partial: str) -> str:
    """`template#partial` for a fragment request, else the whole `template`."""
    return f"{template}#{partial}" if is_fragment(request) else template


def form_status(*forms_: forms.BaseForm | forms.BaseFormSet | None) -> int:
    """422 when any of the forms given has errors, else 200."""
    invalid = any(f is not None and f.is_bound and not f.is_valid() for f in forms_)
    return INVALID_FORM_STATUS if invalid else 200


def require_security_team(user: User, why: str = "Only the security team does this.") -> None:
    if not roles.is_ciso(user):
        raise PermissionDenied(why)


def page_of(request: HttpRequest, rows: _SupportsPagination[_Row]) -> Page[_Row]:
    """The page `?page=` asks for, of `settings.PAGE_SIZE` rows; a missing, malformed or
    out-of-range number gives the first or the last page, never an error.

    `rows` must be in a fixed order (a tie-breaker last), or a row could show on two
    pages or none.
    """
    return Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
