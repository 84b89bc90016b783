"""A busy database answers 503 with a retry hint, never 500.

SQLite waits up to its 20 s lock timeout for another writer (a worker's long job), then
fails with "database is locked"; PostgreSQL may abort a transaction that lost a race
(serialization failure, deadlock, lock not available). Neither is the user's mistake,
and nothing was saved: the page says so and asks them to try again in a moment, with a
Retry-After header for scripts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
BUSY_SQLSTATES = {"40001", "40P01", "55P03"}


def is_busy(error: BaseException) -> bool:
    if not isinstance(error, OperationalError):
        return False
    if "database is locked" in str(error) or "database table is locked" in str(error):
        return True
    return getattr(error.__cause__, "sqlstate", None) in BUSY_SQLSTATES


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exception)
        # Rendered without the request, like the 500 page: nothing may hit the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
