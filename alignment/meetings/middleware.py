"""Show times in the user's own time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from alignment.meetings.models.profiles import SESSION_TIMEZONE_KEY, available_timezones


class UserTimezoneMiddleware:
    """Activate the zone from the user's profile for the whole request.

    The zone is read from the session (put there at login and by the profile page), not
    from the database: no query is added to any page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = None
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            name = request.session.get(SESSION_TIMEZONE_KEY)
        if name and name in available_timezones():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
