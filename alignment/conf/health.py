"""Liveness of the parts the app cannot work without: the database and the broker."""

from __future__ import annotations

import logging

from django.db import connection

from alignment.conf.celery import app

log = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.exception("healthz: database did not answer")
        return False


def broker_ok(timeout: int = 2) -> bool:
    # `timeout` in ensure_connection only bounds the connect; a broker that accepts the
    # connection but never answers would hold the probe (and a web worker) forever, so
    # the socket reads are bounded too. Transports without these options ignore them.
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
            # The filesystem transport "connects" without touching the disk; opening a
            # channel makes it check its folders.
            conn.default_channel  # noqa: B018
        return True
    except Exception:
        log.warning("healthz: broker did not answer", exc_info=True)
        return False
