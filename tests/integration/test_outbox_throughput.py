"""The outbox keeps up: 10,000 reminders due at once, for meetings starting in a few
minutes, all leave before their meeting starts — each exactly once — swept by two real
Celery worker processes splitting the work, to a real SMTP server on loopback.

Skipped unless DATABASE_URL points at PostgreSQL and CELERY_BROKER_URL at Redis; under
REQUIRE_SERVICES=1 a missing service fails instead. The workers are stopped by their own
PIDs when the test ends; the whole wait is bounded (TIMEOUT).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alignment import tasks
from alignment.conf.celery import app
from alignment.meetings import reminders
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    InviteMessage,
    MeetingKind,
    Occurrence,
    Reminder,
    SeriesAttendee,
)
from alignment.outbox import OutboxStatus
from tests import factories
from tests.conftest import database_url, require_services, skip_or_fail
from tests.smtp_server import Inbox, SmtpServer, free_port

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
REMINDERS = 10_000
MEETINGS = 5
TIMEOUT = 180  # seconds, for everything after the workers are up
WORKER_START_TIMEOUT = 45
BEAT = 20  # seconds between two requests for sweeps (beat's minute, shortened)


class Worker:
    """A real Celery worker process (solo pool) against the test database."""

    def __init__(self, name: str, smtp_port: int, tmp: Path) -> None:
        self.log = tmp / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "alignment.conf.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "VAR_DIR": str(tmp / "var"),
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "alignment", "worker", "--pool", "solo", "--loglevel", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"{name}@%h"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text():
                return
            time.sleep(0.2)
        pytest.fail(f"the worker did not start in time:\n{self.log.read_text()[-3000:]}")

    def sent(self) -> int:
        """Reminders sent by this worker's sweeps, from the results it logged."""
        return sum(int(n) for n in re.findall(r"'reminders': (\d+)", self.log.read_text()))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def smtp(transactional_db: None) -> Iterator[SmtpServer]:
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("CELERY_BROKER_URL does not point at Redis", required=require_services())
    app.control.purge()  # nothing left over from an earlier run reaches these workers
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(smtp: SmtpServer, tmp_path: Path) -> Iterator[Callable[[int], list[Worker]]]:
    started: list[Worker] = []

    def start(n: int) -> list[Worker]:
        started.extend(Worker(f"w{k + 1}", smtp.port, tmp_path) for k in range(n))
        for worker in started:  # started together, waited for together
            worker.wait_until_ready()
        return started

    yield start
    for worker in started:
        worker.stop()


def due_meetings(count: int, per_meeting: int) -> list[Occurrence]:
    """`count` meetings starting four to eight minutes from now, each with `per_meeting`
    guests (the organiser one of them) whose one-hour reminders are all due now; their
    invites already sent."""
    ciso = factories.security_user("ciso")
    meetings = []
    for n in range(count):
        start = (timezone.now() + dt.timedelta(minutes=5 + n)).astimezone(dt.UTC)
        series = meeting_services.series_create(
            organiser=ciso,
            kind=MeetingKind.SENIOR,
            title=f"Briefing {n}",
            rule="FREQ=DAILY;COUNT=1",
            start_date=start.date(),
            start_time=start.time().replace(second=0, microsecond=0),
            time_zone="UTC",
            duration_minutes=30,
            reminder_leads=[60],
        )
        SeriesAttendee.objects.bulk_create(
            SeriesAttendee(series=series, email=f"guest{k}.m{n}@example.org")
            for k in range(per_meeting - 1)
        )
        occurrence = series.occurrences.get()
        reminders.sync_reminders(series, [occurrence])
        meetings.append(occurrence)
    InviteMessage.objects.update(status=OutboxStatus.SENT, sent_at=timezone.now())
    return meetings


def test_two_workers_send_ten_thousand_due_reminders_before_their_meetings_each_once(
    smtp: SmtpServer, workers: Callable[[int], list[Worker]]
) -> None:
    meetings = due_meetings(MEETINGS, REMINDERS // MEETINGS)
    assert Reminder.objects.filter(status=OutboxStatus.PENDING).count() == REMINDERS
    first, second = workers(2)

    began = time.monotonic()
    deadline = began + TIMEOUT
    asked = 0.0
    while Reminder.objects.filter(status=OutboxStatus.SENT).count() < REMINDERS:
        if time.monotonic() - asked > BEAT:
            for _ in range(2):  # one each: a sweep goes on while rows are due
                tasks.sweep_outbox.delay()
            asked = time.monotonic()
        if time.monotonic() > deadline:
            logs = "\n".join(
                f"--- {w.log.name}\n{w.log.read_text()[-2500:]}" for w in (first, second)
            )
            pytest.fail(f"not all sent in {TIMEOUT} s: {smtp.inbox.count()} received\n{logs}")
        time.sleep(0.5)
    elapsed = time.monotonic() - began
    time.sleep(1)  # a late duplicate would have arrived by now

    received = smtp.inbox.ids("<reminder.")
    assert len(received) == REMINDERS and set(received.values()) == {1}
    assert set(received) == {
        row.message_id for row in Reminder.objects.select_related("occurrence")
    }
    assert not Reminder.objects.exclude(status=OutboxStatus.SENT).exists()  # none expired
    assert timezone.now() < min(m.start for m in meetings)
    assert first.sent() > 0 and second.sent() > 0  # the two split the work
    assert first.sent() + second.sent() == REMINDERS
    assert "Traceback" not in first.log.read_text() + second.log.read_text()
    print(f"{REMINDERS} reminders in {elapsed:.1f} s: {REMINDERS / elapsed:.0f} emails/s")
