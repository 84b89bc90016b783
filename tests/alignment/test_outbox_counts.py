"""The outbox page's counts: every status of every kind of row, and the rows in trouble
(given up, or waiting for a retry after an error), in one query per kind of row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment import notifications
from alignment.meetings.models import DigestMessage
from alignment.outbox import OutboxStatus
from tests import factories

pytestmark = pytest.mark.django_db


def digest(owner: Any, weeks: int, status: str, error: str = "") -> DigestMessage:
    return DigestMessage.objects.create(
        owner=owner,
        week=dt.date(2026, 1, 5) + dt.timedelta(weeks=weeks),
        status=status,
        last_error=error,
        next_attempt_at=timezone.now(),
        sent_at=timezone.now() if status == OutboxStatus.SENT else None,
    )


def test_counts_and_problems() -> None:
    owner = factories.UserFactory()
    digest(owner, 0, OutboxStatus.SENT)
    digest(owner, 1, OutboxStatus.PENDING)
    digest(owner, 2, OutboxStatus.PENDING, "421 try again later")
    digest(owner, 3, OutboxStatus.FAILED, "550 no such user")
    with CaptureQueriesContext(connection) as queries:
        counts = notifications.outbox_counts()
    assert len(queries) == len(notifications.ROW_MODELS)
    by_status = {c.value: c.count for c in counts.statuses}
    assert by_status[OutboxStatus.PENDING] == 2
    assert by_status[OutboxStatus.SENT] == 1
    assert by_status[OutboxStatus.FAILED] == 1
    assert counts.problems == 2
