"""Sending what the outbox holds, exactly once: claim, send, mark — batch by batch, and
retry on SMTP errors.

Every email the product sends is a row of a model built on `OutboxItem` (invites,
reminders and digests in alignment/meetings/models/outbox.py, business-case emails in
alignment/models/case_emails.py) before it is an email. alignment/notifications.py sweeps
them all with `deliver`; the broker only says "sweep now" (`sweep_soon`), it is never the
only record of work to do.

The steps for one batch (up to OUTBOX_BATCH_SIZE rows):

1. Claim: a single conditional UPDATE moves the due rows picked for the batch from
   PENDING (or SENDING with a lease that ran out) to SENDING with a fresh lease and one
   random claim token for the whole batch; the rows this worker sends are exactly those
   that carry its token afterwards. On PostgreSQL the UPDATE picks its rows itself with
   a subquery that locks them FOR UPDATE SKIP LOCKED, and returns their pks, so
   concurrent sweeps split the work instead of queueing behind each other's locks.
   SQLite serialises the writers itself: there the candidates are read first.
2. Load the claimed rows with what their builder reads (select_related, prefetch_related
   and the builder's own `prepare`), so a batch costs the same few queries however many
   rows it has; build every email of the batch, then send them all over one SMTP
   session (opened only once there is something to send, and kept busy sending).
3. Mark them: one UPDATE for the rows sent, one per other status a builder chose (the
   meeting was cancelled meanwhile…) — each only where the row still carries this
   worker's claim token, so a worker that was presumed dead (its lease ran out and
   another took over) cannot overwrite the newer state.

A worker killed between 1 and 3 leaves its rows SENDING; once the lease runs out, the next
sweep claims them again. Killed between the SMTP server's acceptance and step 3, the
messages of that one batch go out twice; their Message-IDs are deterministic, so mail
clients drop the copies. That is the one accepted duplicate window (one batch); every
other path sends each row exactly once.

An SMTP error puts its row (only that one) back to PENDING with `next_attempt_at` pushed
back exponentially (retry_delay), up to MAX_ATTEMPTS; the session is dropped and a new one
opened for the rest of the batch. A sweep goes on batch after batch while rows are due,
for at most OUTBOX_SWEEP_SECONDS: the next beat sweep takes over from there.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, models, transaction
from django.db.models import F, Prefetch, Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

log = logging.getLogger(__name__)

# The one sweep task (alignment/tasks.py), asked for by name: the task module imports
# this one, so importing it back would be a cycle.
SWEEP_TASK = "alignment.tasks.sweep_outbox"

MAX_ATTEMPTS = 12
MAX_RETRY_DELAY = dt.timedelta(hours=1)
# The order rows are claimed in unless a row model says otherwise (reminders: the
# nearest meeting first).
DUE_ORDER = ("next_attempt_at", "pk")

# A row of one outbox model (an invite, a reminder, a case email…), and an email of any kind.
Row = TypeVar("Row", bound="OutboxItem")
Message = TypeVar("Message", bound=EmailMessage)

# A builder turns a claimed row into the email to send, or into the status the row should
# take instead (the meeting was cancelled meanwhile, a nearer reminder is due…).
Builder = Callable[[Row, dt.datetime], "EmailMessage | str"]
# Run once per batch before its rows are built: loads, in a constant number of queries,
# what the builder would otherwise query row by row.
Prepare = Callable[[list[Row], dt.datetime], None]


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


def batch_size() -> int:
    return max(1, settings.OUTBOX_BATCH_SIZE)


class Claim(NamedTuple):
    token: str  # what the claimed rows carry now
    pks: list[int]  # the rows picked: those of them that carry `token` are this worker's


def claim_batch(
    queryset: models.QuerySet[Row],
    now: dt.datetime,
    *,
    size: int | None = None,
    order_by: Sequence[str] = DUE_ORDER,
) -> Claim | None:
    """Claim up to `size` due rows of `queryset` with one conditional UPDATE, or None
    when there was nothing to claim."""
    model = queryset.model
    token = uuid.uuid4().hex
    candidates = queryset.filter(claimable(now)).order_by(*order_by)[: size or batch_size()]
    claimed = {
        "status": OutboxStatus.SENDING,
        "lease_until": now + lease(),
        "claim_token": token,
        "attempts": F("attempts") + 1,
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":
            pks = _claim_skipping_locked(model, candidates, claimed)
        else:
            pks = list(candidates.values_list("pk", flat=True))
            if pks and not (
                model._default_manager.filter(pk__in=pks).filter(claimable(now)).update(**claimed)
            ):
                pks = []
    return Claim(token, pks) if pks else None


def _claim_skipping_locked(
    model: type[OutboxItem], candidates: models.QuerySet[Row], claimed: dict[str, object]
) -> list[int]:
    """PostgreSQL: `UPDATE … WHERE pk IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING pk`,
    one statement, so that concurrent sweeps split the due rows instead of queueing behind
    each other's locks; the pks it claimed. QuerySet.update() returns only a count, so the
    ORM writes the statement and RETURNING is added to it."""
    chosen = candidates.select_for_update(skip_locked=True, of=("self",)).values("pk")
    update = UpdateQuery(model)
    update.add_q(Q(pk__in=chosen))
    update.add_update_values(claimed)
    sql, params = update.get_compiler(connection=connection).as_sql()
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {pk}", params)
        return [row[0] for row in cursor.fetchall()]


def claim(model: type[OutboxItem], pk: int, now: dt.datetime) -> str | None:
    """Claim one row: its claim token if this call took it, else None."""
    claimed = claim_batch(model._default_manager.filter(pk=pk), now, size=1)
    return claimed.token if claimed else None


def mark(model: type[OutboxItem], pks: Sequence[int], token: str, **fields: object) -> int:
    """Finish claimed rows in one UPDATE, only where they still carry `token`: how many."""
    if not pks:
        return 0
    changed = model._default_manager.filter(
        pk__in=pks, claim_token=token, status=OutboxStatus.SENDING
    ).update(lease_until=None, claim_token="", **fields)
    if changed != len(pks):
        log.warning(
            "outbox: %d of %d %s rows were taken over before they were marked",
            len(pks) - changed,
            len(pks),
            model.__name__,
        )
    return changed


def mark_sent(model: type[OutboxItem], pk: int, token: str, now: dt.datetime) -> bool:
    return mark(model, [pk], token, status=OutboxStatus.SENT, sent_at=now, last_error="") == 1


def mark_failed(row: OutboxItem, token: str, error: str, now: dt.datetime) -> None:
    """Back to PENDING for a later retry, or FAILED after MAX_ATTEMPTS. `row.attempts`
    was read after the claim counted this attempt."""
    model, error = type(row), error[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        mark(model, [row.pk], token, status=OutboxStatus.FAILED, last_error=error)
        return
    retry_at = now + retry_delay(row.attempts)
    mark(model, [row.pk], token, status=OutboxStatus.PENDING, next_attempt_at=retry_at,
         last_error=error)  # fmt: skip


def sweep_deadline() -> float:
    """When a sweep stops claiming batches (time.monotonic())."""
    return time.monotonic() + settings.OUTBOX_SWEEP_SECONDS


def deliver(
    queryset: models.QuerySet[Row],
    build: Builder[Row],
    *,
    now: dt.datetime | None = None,
    select_related: Sequence[str] = (),
    prefetch_related: Sequence[str | Prefetch[str]] = (),
    order_by: Sequence[str] = DUE_ORDER,
    prepare: Prepare[Row] | None = None,
    deadline: float | None = None,
) -> int:
    """Claim and send due rows of `queryset` batch by batch while any are due, until
    `deadline` (time.monotonic(); OUTBOX_SWEEP_SECONDS from now by default); return how
    many were sent.

    Each batch is claimed just before it is sent, so a lease only has to outlast one
    batch, however long the whole sweep takes. `now` fixes the clock (tests); by default
    every batch reads the time afresh.
    """
    model = queryset.model
    deadline = sweep_deadline() if deadline is None else deadline
    sent = 0
    while time.monotonic() < deadline:
        moment = now or timezone.now()
        claimed = claim_batch(queryset, moment, order_by=order_by)
        if claimed is None:
            break
        token, pks = claimed
        mine = model._default_manager.filter(
            pk__in=pks, claim_token=token, status=OutboxStatus.SENDING
        )
        rows = list(
            mine.select_related(*select_related)
            .prefetch_related(*prefetch_related)
            .order_by(*order_by)
        )
        if prepare is not None and rows:
            prepare(rows, moment)
        sent += _send_batch(rows, token, build, moment, now)
    return sent


def _send_batch(
    rows: list[Row], token: str, build: Builder[Row], moment: dt.datetime, now: dt.datetime | None
) -> int:
    """Build and send the claimed `rows` over one SMTP session (a new one after an
    error), then mark them: one UPDATE per outcome."""
    if not rows:
        return 0
    model = type(rows[0])
    outcomes: dict[str, list[int]] = defaultdict(list)
    built: list[tuple[Row, EmailMessage]] = []
    for row in rows:
        try:
            outcome = build(row, moment)
        except Exception as error:  # one broken row must not hold up its batch
            log.exception("outbox: building %s %s failed", model.__name__, row.pk)
            mark_failed(row, token, f"{type(error).__name__}: {error}", moment)
            continue
        if isinstance(outcome, str):
            outcomes[outcome].append(row.pk)
        else:
            built.append((row, outcome))
    mailer: BaseEmailBackend | None = None
    try:
        for row, outcome in built:
            try:
                if mailer is None:
                    mailer = get_connection()
                    mailer.open()  # kept open: send_messages leaves an open session open
                mailer.send_messages([outcome])
            except Exception as error:  # SMTP and socket errors alike: retry later
                log.warning("outbox: sending %s %s failed: %s", model.__name__, row.pk, error)
                mark_failed(row, token, f"{type(error).__name__}: {error}", moment)
                if mailer is not None:
                    _close_quietly(mailer)
                mailer = None
                continue
            outcomes[OutboxStatus.SENT].append(row.pk)
    finally:
        if mailer is not None:
            _close_quietly(mailer)
    delivered = outcomes.pop(OutboxStatus.SENT, [])
    for status, pks in outcomes.items():
        mark(model, pks, token, status=status)
    when = now or timezone.now()
    return mark(model, delivered, token, status=OutboxStatus.SENT, sent_at=when, last_error="")


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
