"""Two workers claiming at once on PostgreSQL: a claim passes over the due rows another
worker's transaction holds locked, at once, instead of queueing behind it, and takes
them once they are free again (alignment/outbox.py, `claim_batch`).

The other worker is a second connection of our own (psycopg), holding its lock in an
open transaction. Skipped unless DATABASE_URL points at PostgreSQL; under
REQUIRE_SERVICES=1 it fails instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from alignment import outbox
from alignment.bench.outbox_rate import due_reminders
from alignment.meetings.models import Reminder
from alignment.outbox import OutboxStatus
from tests.conftest import database_url, require_services, skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_worker() -> Iterator[psycopg.Connection[tuple[int]]]:
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())
    with psycopg.connect(database_url()) as other:
        yield other


def test_a_claim_passes_over_rows_another_worker_holds_and_takes_them_once_free(
    other_worker: psycopg.Connection[tuple[int]],
) -> None:
    now = timezone.now()
    due_reminders(6, now)
    pks = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    held = pks[:2]
    table, pk = Reminder._meta.db_table, Reminder._meta.pk.column
    with other_worker.cursor() as cursor:  # the other worker's transaction stays open
        cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s) FOR UPDATE", [held])

    with transaction.atomic():
        with connection.cursor() as cursor:  # waiting for the lock would fail, not hang
            cursor.execute("SET LOCAL statement_timeout = '5s'")
        first = outbox.claim_batch(Reminder.objects.all(), now, size=10, order_by=("pk",))

    assert first is not None
    assert sorted(first.pks) == pks[2:]
    claimed = Reminder.objects.filter(pk__in=first.pks)
    assert set(claimed.values_list("status", "claim_token", "attempts")) == {
        (OutboxStatus.SENDING, first.token, 1)
    }
    assert not claimed.filter(lease_until__lte=now).exists()
    assert set(Reminder.objects.filter(pk__in=held).values_list("status", flat=True)) == {
        OutboxStatus.PENDING
    }

    other_worker.commit()  # the other worker lets go without claiming them
    second = outbox.claim_batch(Reminder.objects.all(), now, size=10, order_by=("pk",))

    assert second is not None and sorted(second.pks) == held
    assert outbox.claim_batch(Reminder.objects.all(), now + dt.timedelta(seconds=1)) is None
