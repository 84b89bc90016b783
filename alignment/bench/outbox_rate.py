"""The outbox's sending rate against raw smtplib's, to the same local SMTP server.

`count` reminders (guests of joint meetings that start in an hour) fall due in four
rounds, all of them written before the first; in each, the outbox sweeps them through
Django's SMTP backend to an aiosmtpd server on loopback, then raw `smtplib` sends the
very same messages (the bytes the server received) over one session to the same server,
three times. Rounds alternate the two, as
the page benchmark alternates each page with a static one, so that a machine busy for a
moment weighs on both; and as it takes the median request, the rates compared are the
median round's sweep and the median raw pass (one round is short, and a moment's noise
would otherwise count in full). A few reminders are swept first, off the clock, as a
running worker would have (templates compiled, URLs resolved), and the heap is then
frozen as a started worker freezes its own (alignment/conf/celery.py). The ratio of the
rates says how much the outbox adds to sending itself: claiming, building, marking.
"""

from __future__ import annotations

import datetime as dt
import gc
import smtplib
import socket
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from alignment import notifications
from alignment.conf.celery import freeze_startup_heap
from alignment.meetings.models import (
    MeetingKind,
    MeetingSeries,
    Occurrence,
    Reminder,
    SeriesAttendee,
)
from alignment.outbox import OutboxStatus

GUESTS_PER_MEETING = 100
WARM_UP = 10  # reminders swept before the clock starts
RAW_PASSES = 3  # raw smtplib sends each round's messages this many times
ROUNDS = 4  # the reminders are swept in this many rounds, each followed by raw smtplib
SWEEP_DEADLINE_SECONDS = 600


@dataclass(frozen=True)
class OutboxRate:
    emails: int
    sweep_per_second: float
    raw_per_second: float
    sessions: int

    @property
    def ratio(self) -> float:
        return self.sweep_per_second / self.raw_per_second if self.raw_per_second else 0.0


Envelope = tuple[str, list[str], bytes]  # MAIL FROM, RCPT TOs, the message


class Inbox:
    """An aiosmtpd handler that keeps every envelope and counts SMTP sessions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.envelopes: list[Envelope] = []
        self.sessions = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def due_reminders(
    count: int, now: dt.datetime, *, title: str = "Outbox benchmark", due: dt.datetime | None = None
) -> MeetingSeries:
    """`count` reminders for meetings an hour away, due now (or at `due`); their series."""
    organiser, _ = get_user_model().objects.get_or_create(username="bench-organiser")
    meetings = max(1, -(-count // GUESTS_PER_MEETING))
    series = MeetingSeries.objects.create(
        kind=MeetingKind.JOINT,
        title=title,
        organiser=organiser,
        rule=f"FREQ=DAILY;COUNT={meetings}",
        start_date=timezone.localdate(),
        start_time=dt.time(9, 0),
        time_zone="UTC",
        duration_minutes=30,
    )
    guests = SeriesAttendee.objects.bulk_create(
        SeriesAttendee(series=series, email=f"guest{g}@example.com", name=f"Guest {g}")
        for g in range(min(count, GUESTS_PER_MEETING))
    )
    start = now + dt.timedelta(hours=1)
    occurrences = Occurrence.objects.bulk_create(
        Occurrence(
            series=series,
            original_start=start + dt.timedelta(minutes=m),
            start=start + dt.timedelta(minutes=m),
            end=start + dt.timedelta(minutes=m + 30),
        )
        for m in range(meetings)
    )
    due = due or now - dt.timedelta(seconds=1)
    Reminder.objects.bulk_create(
        [
            Reminder(
                occurrence=occurrences[n // len(guests)],
                attendee=guests[n % len(guests)],
                lead_minutes=60,
                due_at=due,
                next_attempt_at=due,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    return series


def _sweep_round(inbox: Inbox, series: MeetingSeries) -> tuple[float, list[Envelope], int, int]:
    """Sweep the reminders of `series` once they fall due, now: the seconds it took, the
    envelopes the server received, the SMTP sessions they came in and the reminders
    marked sent."""
    due = timezone.now() - dt.timedelta(seconds=1)
    # Reminders fall due by the clock, not by a change: the programme's version, and what
    # is kept under it (an agenda's departments), stays as it was.
    this_round = Reminder.objects.filter(occurrence__series=series)
    this_round.update(due_at=due, next_attempt_at=due)
    with connection.cursor() as cursor:  # statistics, as a database in use has them
        cursor.execute("ANALYZE")
    with inbox.lock:
        inbox.envelopes.clear()
        inbox.sessions = 0
    sent_before = Reminder.objects.filter(status=OutboxStatus.SENT).count()
    started = time.perf_counter()
    deadline = started + SWEEP_DEADLINE_SECONDS
    while time.perf_counter() < deadline:
        notifications.sweep()
        if not this_round.filter(status=OutboxStatus.PENDING).exists():
            break
    seconds = time.perf_counter() - started
    sent = Reminder.objects.filter(status=OutboxStatus.SENT).count() - sent_before
    with inbox.lock:
        return seconds, list(inbox.envelopes), inbox.sessions, sent


def _raw_pass(port: int, envelopes: list[Envelope]) -> float:
    """Seconds raw smtplib takes to send `envelopes` over one session."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as raw:
        for mail_from, rcpt_tos, content in envelopes:
            raw.sendmail(mail_from, rcpt_tos, content)
    return time.perf_counter() - started


def measure(count: int) -> OutboxRate:
    """Sweep `count` due reminders, then send the same messages with raw smtplib: in
    ROUNDS, each sweep followed by raw smtplib sending what it sent, so that both see the
    machine in the same state (as the pages alternate with a static page)."""
    from aiosmtpd.controller import Controller  # the test extra, which `make bench` installs

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    sent = sessions = 0
    sweep_rates: list[float] = []  # emails a second, each round
    raw_rates: list[float] = []  # emails a second, each raw pass
    try:
        with override_settings(
            EMAIL_BACKEND="alignment.conf.mail.SMTPBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            # Every round's reminders are there before the first round, not yet due (as
            # reminders are, the day before their meetings).
            later = timezone.now() + dt.timedelta(days=1)
            shares = [count // ROUNDS + (1 if n < count % ROUNDS else 0) for n in range(ROUNDS)]
            rounds = [
                due_reminders(share, timezone.now(), title=f"Outbox benchmark {n + 1}", due=later)
                for n, share in enumerate(shares)
                if share
            ]
            # A worker that has sent before: templates compiled, URLs resolved; and what
            # it holds kept out of full collections, as a started worker does.
            due_reminders(WARM_UP, timezone.now(), title="Warm-up")
            notifications.sweep()
            freeze_startup_heap()
            for series in rounds:
                seconds, envelopes, round_sessions, round_sent = _sweep_round(inbox, series)
                sessions += round_sessions
                sent += round_sent
                sweep_rates.append(round_sent / seconds if seconds else 0.0)
                raw_rates.extend(
                    len(envelopes) / _raw_pass(port, envelopes) for _ in range(RAW_PASSES)
                )
    finally:
        gc.unfreeze()
        controller.stop()
    return OutboxRate(
        emails=sent,
        sweep_per_second=statistics.median(sweep_rates) if sweep_rates else 0.0,
        raw_per_second=statistics.median(raw_rates) if raw_rates else 0.0,
        sessions=sessions,
    )
