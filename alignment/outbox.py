"""Sending what the outbox holds, exactly once: claim, send, mark — and retry on SMTP errors.

Every email the product sends is a row of a model built on `OutboxItem` (invites,
reminders and digests in alignment/meetings/models/outbox.py, business-case emails in
alignment/models/case_emails.py) before it is an email. alignment/notifications.py sweeps
them all with `deliver`; the broker only says "sweep now" (`sweep_soon`), it is never the
only record of work to do.

The steps for one row:

1. Claim: a single conditional UPDATE moves it from PENDING (or SENDING with a lease that
   ran out) to SENDING with a fresh lease and a random claim token. Only the worker whose
   UPDATE changed the row goes on; on PostgreSQL the candidates are first read with
   SELECT … FOR UPDATE SKIP LOCKED, so concurrent sweeps split the work instead of
   queueing behind each other's locks. SQLite serialises the writers itself.
2. Send over SMTP.
3. Mark it SENT — only if the row still carries this worker's claim token, so a worker
   that was presumed dead (its lease ran out and another took over) cannot overwrite
   the newer state.

A worker killed between 1 and 3 leaves the row SENDING; once the lease runs out, the next
sweep claims it again. Killed between the SMTP server's acceptance and step 3, the message
goes out twice; its Message-ID is deterministic, so mail clients drop the copy. That is
the one accepted duplicate; every other path sends each row exactly once.

An SMTP error puts the row back to PENDING with `next_attempt_at` pushed back
exponentially (retry_delay), up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

# The one sweep task (alignment/tasks.py), asked for by name: the task module imports
# this one, so importing it back would be a cycle.
SWEEP_TASK = "alignment.tasks.sweep_outbox"

MAX_ATTEMPTS = 12
MAX_RETRY_DELAY = dt.timedelta(hours=1)
BATCH_SIZE = 10
MAX_BATCHES = 50

# A row of one outbox model (an invite, a reminder, a case email…), and an email of any kind.
Row = TypeVar("Row", bound="OutboxItem")
Message = TypeVar("Message", bound=EmailMessage)

# A builder turns a claimed row into the email to send, or into the status the row should
# take instead (the meeting was cancelled meanwhile, a nearer reminder is due…).
Builder = Callable[[Row, dt.datetime], "EmailMessage | str"]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired (meeting had started)"
    SKIPPED = "skipped", "Skipped"


class OutboxItem(models.Model):
    status = models.CharField(
        max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def outbox_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name=f"{prefix}_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENDING) | Q(lease_until__isnull=False),
                name=f"{prefix}_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False),
                name=f"{prefix}_sent_has_time",
            ),
        ]


def mail_domain() -> str:
    """The host of SITE_URL: the right-hand side of our UIDs and Message-IDs."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "localhost"


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """base × 2^(attempts − 1), at most an hour: 1, 2, 4, 8… minutes with the default base."""
    base = dt.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def claimable(now: dt.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def claim(model: type[OutboxItem], pk: int, now: dt.datetime) -> str | None:
    """The conditional UPDATE: a claim token if this call took the row, else None."""
    token = uuid.uuid4().hex
    changed = (
        model._default_manager.filter(pk=pk)
        .filter(claimable(now))
        .update(
            status=OutboxStatus.SENDING,
            lease_until=now + lease(),
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    )
    return token if changed == 1 else None


def claim_batch(
    queryset: models.QuerySet[OutboxItem], now: dt.datetime, size: int = BATCH_SIZE
) -> list[tuple[int, str]]:
    """Claim up to `size` due rows of `queryset`: [(pk, claim token)]."""
    model = queryset.model
    with transaction.atomic():
        candidates = queryset.filter(claimable(now)).order_by("next_attempt_at", "pk")
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        pks = list(candidates.values_list("pk", flat=True)[:size])
        claimed = [(pk, token) for pk in pks if (token := claim(model, pk, now))]
    return claimed


def _finish(model: type[OutboxItem], pk: int, token: str, **fields: object) -> bool:
    changed = model._default_manager.filter(
        pk=pk, claim_token=token, status=OutboxStatus.SENDING
    ).update(lease_until=None, claim_token="", **fields)
    if changed != 1:
        log.warning("outbox: %s %s was taken over before it was marked", model.__name__, pk)
    return changed == 1


def mark_sent(model: type[OutboxItem], pk: int, token: str, now: dt.datetime) -> bool:
    return _finish(model, pk, token, status=OutboxStatus.SENT, sent_at=now, last_error="")


def mark_failed(model: type[OutboxItem], pk: int, token: str, error: str, now: dt.datetime) -> None:
    attempts = model._default_manager.filter(pk=pk).values_list("attempts", flat=True).first() or 0
    if attempts >= MAX_ATTEMPTS:
        _finish(model, pk, token, status=OutboxStatus.FAILED, last_error=error[:2000])
        return
    _finish(
        model,
        pk,
        token,
        status=OutboxStatus.PENDING,
        next_attempt_at=now + retry_delay(attempts),
        last_error=error[:2000],
    )


def deliver(
    queryset: models.QuerySet[Row],
    build: Builder[Row],
    *,
    now: dt.datetime | None = None,
    select_related: tuple[str, ...] = (),
) -> int:
    """Claim and send due rows of `queryset` batch by batch; return how many were sent.

    Each batch is claimed just before it is sent, so a lease only has to outlast one
    batch, however long the whole sweep takes. `now` fixes the clock (tests); by default
    every batch reads the time afresh.
    """
    model = queryset.model
    sent = 0
    mailer: BaseEmailBackend | None = None
    for _ in range(MAX_BATCHES):
        moment = now or timezone.now()
        claimed = claim_batch(queryset, moment)
        if not claimed:
            break
        rows = model._default_manager.select_related(*select_related).in_bulk(
            [pk for pk, _ in claimed]
        )
        for pk, token in claimed:
            row = rows.get(pk)
            if row is None:  # deleted since (its occurrence went away)
                continue
            outcome = build(row, moment)
            if isinstance(outcome, str):
                _finish(model, pk, token, status=outcome)
                continue
            mailer = mailer or get_connection()
            try:
                mailer.send_messages([outcome])
            except Exception as error:  # SMTP and socket errors alike: retry later
                log.warning("outbox: sending %s %s failed: %s", model.__name__, pk, error)
                mark_failed(model, pk, token, f"{type(error).__name__}: {error}", moment)
                _close_quietly(mailer)
                mailer = None
                continue
            if mark_sent(model, pk, token, now or timezone.now()):
                sent += 1
    if mailer is not None:
        _close_quietly(mailer)
    return sent


def _close_quietly(mailer: BaseEmailBackend) -> None:
    try:
        mailer.close()
    except Exception:  # a broken connection may fail to close; it is dropped either way
        log.debug("outbox: closing the mail connection failed", exc_info=True)


def with_message_id(message: Message, message_id: str) -> Message:
    message.extra_headers["Message-ID"] = message_id
    return message


def request_sweep() -> None:
    """Ask a worker to sweep the outbox now. A broker that is down must not fail the
    request that committed the rows: beat sweeps within a minute anyway."""
    try:
        current_app.send_task(SWEEP_TASK)
    except Exception:
        log.warning("could not enqueue %s; beat's sweep will catch up", SWEEP_TASK, exc_info=True)


def _sweep_after_commit() -> None:
    request_sweep()


def sweep_soon() -> None:
    """After the current transaction commits, ask for a sweep — once per transaction,
    however often it is asked (seed_demo creates 18 series in one).

    A callback registered in a savepoint that later rolls back is dropped with it, and so
    is the request it stood for: beat's next sweep covers that rare case.
    """
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _sweep_after_commit for entry in pending):
        return
    transaction.on_commit(_sweep_after_commit)
