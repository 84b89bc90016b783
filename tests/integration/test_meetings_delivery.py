"""Invites and reminders through the real thing: PostgreSQL, the Redis broker, real Celery
worker processes and a real SMTP server (aiosmtpd on a free loopback port).

Skipped unless DATABASE_URL points at PostgreSQL and CELERY_BROKER_URL at Redis; under
REQUIRE_SERVICES=1 (CI's second pass) a missing service fails instead. The workers are
started here, against the test database, and stopped (by their own PID) when each test
ends; every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from alignment import tasks
from alignment.conf.celery import app
from alignment.meetings import after
from alignment.meetings import services as meeting_services
from alignment.meetings import tasks as tasks_meetings
from alignment.meetings.models import (
    ActionItem,
    ActionReminder,
    InviteMessage,
    MeetingKind,
    MeetingSeries,
    MinutesMessage,
    Reminder,
)
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.services import Guest
from alignment.outbox import OutboxStatus
from tests import factories
from tests.conftest import database_url, require_services, skip_or_fail
from tests.smtp_server import Inbox, SmtpServer, free_port

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
LEASE_SECONDS = 3
BATCH_SIZE = 5  # a batch outlasts no lease, even at the slow server's 0.4 s a message
WORKER_START_TIMEOUT = 45
RUNNING: list[Worker] = []  # the workers of the current test, for failure messages
DELIVERY_TIMEOUT = 45


# --- Workers -------------------------------------------------------------------------------


class Worker:
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
            "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "OUTBOX_BATCH_SIZE": str(BATCH_SIZE),
            "OUTBOX_RETRY_SECONDS": "1",
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "alignment", "worker", "--pool", "solo", "--loglevel", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"{name}@%h"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text():
                return
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"the worker did not start in time:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, by its own PID: no shutdown, no ack, no clean-up."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def services(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("CELERY_BROKER_URL does not point at Redis", required=require_services())
    app.control.purge()  # nothing left over from an earlier run reaches these workers


@pytest.fixture
def smtp(services: None) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Inbox())
    yield server
    server.stop()


@pytest.fixture
def start_worker(
    services: None, smtp: SmtpServer, tmp_path: Path
) -> Iterator[Callable[[], Worker]]:
    started = RUNNING
    started.clear()

    def start() -> Worker:
        worker = Worker(f"w{len(started) + 1}", smtp.port, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    RUNNING.clear()


# --- Data ----------------------------------------------------------------------------------


def due_series(guests: int, *, title: str = "Briefing", lead: int = 60) -> MeetingSeries:
    """One meeting, starting in 30 minutes, with a one-hour reminder: due now."""
    ciso = factories.security_user("ciso")
    start = (timezone.now() + dt.timedelta(minutes=30)).astimezone(dt.UTC)
    return meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.SENIOR,
        title=title,
        rule="FREQ=DAILY;COUNT=1",
        start_date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        time_zone="UTC",
        duration_minutes=30,
        guests=[Guest(f"guest{n}.{title.lower()}@example.org") for n in range(guests)],
        reminder_leads=[lead],
    )


def wait_for(condition: Callable[[], bool], *, timeout: float = DELIVERY_TIMEOUT,
             every: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Poll `condition` (at most `timeout` seconds); `every` runs between polls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if every is not None:
            every()
        time.sleep(0.5)
    logs = "\n".join(f"--- {w.log.name}\n{w.log.read_text()[-2500:]}" for w in RUNNING)
    pytest.fail(f"timed out waiting for delivery\n{logs}")


def all_sent(model: Any) -> Callable[[], bool]:
    def check() -> bool:
        return not model.objects.exclude(status=OutboxStatus.SENT).exists()

    return check


def sweep_soon() -> None:
    tasks.sweep_outbox.delay()


def reminder_ids() -> set[str]:
    rows = Reminder.objects.select_related("occurrence")
    return {row.message_id for row in rows}


# --- The tests -----------------------------------------------------------------------------


def test_a_new_series_invite_reaches_each_attendee_once_and_parses(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    smtp.start()
    start_worker()
    ciso, head = factories.security_user("ciso"), factories.UserFactory(username="head-sales")
    department = factories.DepartmentFactory(name="Sales", slug="sales", head=head)
    start = timezone.localdate() + dt.timedelta(days=7)
    series = meeting_services.series_create(  # its commit enqueues the sweep
        organiser=ciso,
        kind=MeetingKind.ONE_ON_ONE,
        title="One-on-one",
        rule=preset_rule(Preset.MONTHLY, start),
        start_date=start,
        start_time=dt.time(9, 0),
        time_zone="Europe/Berlin",
        department=department,
        leader=head,
        guests=[Guest("ada@example.org", "Ada")],
    )

    wait_for(all_sent(InviteMessage))
    for _ in range(3):
        sweep_soon()  # more sweeps send nothing more
    time.sleep(2)

    invites = [m for m in smtp.inbox.messages if m["Message-ID"].strip().startswith("<invite.")]
    # The organiser's copy too: it puts the meeting in their own calendar.
    assert sorted(m["To"] for m in invites) == [
        "ada@example.org",
        "ciso@example.com",
        "head-sales@example.com",
    ]
    for message in invites:
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "REQUEST"
        calendar = Calendar.from_ical(part.get_payload(decode=True))
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == series.uid
        assert calendar.get_missing_tzids() == set()
    assert smtp.inbox.count("<reminder.") == 0  # the meeting is a week away


def test_a_due_reminder_arrives_exactly_once(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    smtp.start()
    start_worker()
    due_series(guests=2)

    wait_for(all_sent(Reminder), every=sweep_soon)
    for _ in range(3):
        sweep_soon()
    time.sleep(2)

    received = smtp.inbox.ids("<reminder.")
    assert set(received) == reminder_ids()
    assert len(received) == 3  # the organiser and two guests
    assert set(received.values()) == {1}


def test_two_workers_sweeping_together_deliver_each_reminder_exactly_once(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    smtp.inbox.delay = 0.05  # sweeps overlap instead of one finishing before the next
    smtp.start()
    for n in range(3):
        due_series(guests=9, title=f"Meeting{n}")  # 30 reminders, 30 invites (organisers too)
    first, second = start_worker(), start_worker()

    for _ in range(6):
        sweep_soon()
    wait_for(lambda: all_sent(Reminder)() and all_sent(InviteMessage)(), every=sweep_soon)
    time.sleep(1)

    received = smtp.inbox.ids("<reminder.")
    assert set(received) == reminder_ids() and len(received) == 30
    assert set(received.values()) == {1}
    invites = smtp.inbox.ids("<invite.")
    assert len(invites) == 30 and set(invites.values()) == {1}
    logs = first.log.read_text() + second.log.read_text()
    assert first.log.read_text().count("succeeded") and second.log.read_text().count("succeeded")
    assert "Traceback" not in logs


def test_an_smtp_outage_ends_with_every_reminder_delivered(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    start_worker()  # the SMTP server is down
    due_series(guests=4)

    def failed_once() -> bool:
        rows = Reminder.objects.all()
        return all(r.attempts >= 1 and r.last_error for r in rows)

    wait_for(failed_once, every=sweep_soon)
    assert set(Reminder.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert smtp.inbox.count() == 0

    smtp.start()  # back up
    wait_for(lambda: all_sent(Reminder)() and all_sent(InviteMessage)(), every=sweep_soon)
    time.sleep(1)

    received = smtp.inbox.ids("<reminder.")
    assert set(received) == reminder_ids() and len(received) == 5
    assert set(received.values()) == {1}
    assert min(Reminder.objects.values_list("attempts", flat=True)) >= 2


def test_a_worker_killed_mid_sweep_and_restarted_leaves_no_reminder_unsent(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    smtp.inbox.delay = 0.4  # a slow server: the kill lands in the middle of the sweep
    smtp.start()
    due_series(guests=14)  # 15 reminders; its commit enqueued a sweep
    InviteMessage.objects.update(status=OutboxStatus.SENT, sent_at=timezone.now())

    victim = start_worker()
    wait_for(lambda: smtp.inbox.count("<reminder.") >= 3, timeout=30)
    victim.kill()
    assert Reminder.objects.filter(status=OutboxStatus.SENDING).exists()  # claimed, unsent

    start_worker()
    wait_for(all_sent(Reminder), every=sweep_soon)  # after the lease runs out
    time.sleep(1)

    received = smtp.inbox.ids("<reminder.")
    assert set(received) == reminder_ids()  # none lost
    # What the server accepted of the batch in flight at the kill, unmarked, goes out
    # again under the same Message-IDs (one batch at most); nothing else is duplicated.
    assert set(received.values()) <= {1, 2}
    assert sum(received.values()) - len(received) <= BATCH_SIZE


def test_final_minutes_and_action_reminders_arrive_once_each(
    smtp: SmtpServer, start_worker: Callable[[], Worker]
) -> None:
    """Marking the minutes final emails them to every attendee; the morning task reminds
    the owner of an item due tomorrow: through the real worker, to the real SMTP server."""
    smtp.start()
    start_worker()
    ciso, head = factories.security_user("ciso"), factories.UserFactory(username="head-sales")
    department = factories.DepartmentFactory(name="Sales", slug="sales", head=head)
    now = timezone.now()
    first = timezone.localdate() - dt.timedelta(days=14)
    series = meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.ONE_ON_ONE,
        title="One-on-one",
        rule=preset_rule(Preset.WEEKLY, first),
        start_date=first,
        start_time=dt.time(9, 0),
        time_zone="Europe/Berlin",
        department=department,
        leader=head,
        guests=[Guest("ada@example.org", "Ada")],
        since=now - dt.timedelta(days=20),
    )
    wait_for(all_sent(InviteMessage))
    held = series.occurrences.filter(end__lte=now).order_by("-start").first()
    assert held is not None
    held.minutes = "Agreed the standard-change list."
    held.save(update_fields=["minutes"])
    ActionItem.objects.create(
        occurrence=held,
        title="Send the change list",
        owner=head,
        due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    after.finalise_minutes(held, ciso)  # its commit asks for a sweep
    tasks_meetings.remind_action_owners.delay()

    wait_for(all_sent(MinutesMessage), every=sweep_soon)
    wait_for(all_sent(ActionReminder), every=sweep_soon)
    for _ in range(3):
        sweep_soon()
    time.sleep(2)

    minutes = smtp.inbox.ids("<minutes.")
    assert len(minutes) == 3 and set(minutes.values()) == {1}
    reminders = [m for m in smtp.inbox.messages if m["Message-ID"].strip().startswith("<action.")]
    assert [m["To"] for m in reminders] == ["head-sales@example.com"]
    assert reminders[0]["Subject"] == "Due tomorrow: Send the change list"


def test_a_big_series_is_materialised_by_the_worker_and_its_invites_sent(
    smtp: SmtpServer, start_worker: Callable[[], Worker], settings: Any
) -> None:
    """A series too big for the request (the threshold lowered here): its commit queues
    the materialisation, which the real worker does, a week per transaction."""
    settings.MEETING_MATERIALISE_INLINE_ROWS = 20
    smtp.start()
    start_worker()
    ciso = factories.security_user("ciso")
    people = [factories.UserFactory(username=f"lead{n}") for n in range(3)]
    series = meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.SENIOR,
        title="Daily stand-up",
        rule="FREQ=DAILY",
        start_date=timezone.localdate() + dt.timedelta(days=1),
        start_time=dt.time(9, 0),
        time_zone="Europe/Paris",
        users=people,
        reminder_leads=[15],
    )
    assert series.materialise_requested_at is not None
    assert not series.occurrences.exists()

    def materialised() -> bool:
        series.refresh_from_db()
        return series.materialise_requested_at is None

    wait_for(materialised)
    meetings = series.occurrences.count()
    assert meetings >= 85
    assert Reminder.objects.filter(occurrence__series=series).count() == meetings * 4
    wait_for(all_sent(InviteMessage))
    assert len(smtp.inbox.ids("<invite.")) == 4
