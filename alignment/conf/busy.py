"""A busy database: a short retry, then a clear 503 with a retry hint, never a 500.

SQLite waits up to its lock timeout (SQLITE_BUSY_TIMEOUT, 5 s) for another writer, then
fails with "database is locked"; PostgreSQL may abort a transaction that lost a race
(serialization failure, deadlock, lock not available). Neither is the user's mistake.

The request is run again, after a short pause, when that is safe: nothing it wrote was
committed before the failure (writes inside the transaction that failed were rolled back
with it), and it has not already taken RETRY_WITHIN_SECONDS. Still busy, it answers 503:
the page says nothing was saved and asks them to try again in a moment, with a
Retry-After header for scripts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import loader

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
ATTEMPTS = 3
PAUSES = (0.05, 0.25)  # before the second and the third attempt
RETRY_WITHIN_SECONDS = 6.0
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
BUSY_SQLSTATES = {"40001", "40P01", "55P03"}
WRITES = ("INSERT", "UPDATE", "DELETE")

# Replaced by tests that count the pauses instead of waiting them.
sleep = time.sleep


def is_busy(error: BaseException) -> bool:
    if not isinstance(error, OperationalError):
        return False
    if "database is locked" in str(error) or "database table is locked" in str(error):
        return True
    return getattr(error.__cause__, "sqlstate", None) in BUSY_SQLSTATES


class CommittedWrites:
    """Whether a write of this request has been committed (execute wrapper).

    A write outside a transaction commits at once; one inside counts when its
    transaction commits (an on-commit callback, dropped if it rolls back)."""

    def __init__(self) -> None:
        self.committed = False

    def mark(self) -> None:
        self.committed = True

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        result = execute(sql, *args)
        if sql.lstrip()[:6].upper() in WRITES:
            if not connection.in_atomic_block:
                self.committed = True
            elif not any(entry[1] == self.mark for entry in connection.run_on_commit):
                transaction.on_commit(self.mark)  # once per transaction
        return result


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            writes = CommittedWrites()
            with connection.execute_wrapper(writes):
                response = self.get_response(request)
            busy = getattr(request, "database_busy", False)
            retry = (
                busy
                and attempt < ATTEMPTS
                and not writes.committed
                and time.monotonic() - started < RETRY_WITHIN_SECONDS
            )
            if not retry:
                return response
            log.info("database busy on %s %s: attempt %d", request.method, request.path, attempt)
            request.database_busy = False  # type: ignore[attr-defined]
            sleep(PAUSES[attempt - 1])
        return response  # pragma: no cover (the loop always returns)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exception)
        request.database_busy = True  # type: ignore[attr-defined]
        # Rendered without the request, like the 500 page: nothing may hit the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
