"""The outbox in batches: one SMTP session per batch, the same few queries per batch
however many rows are due, no cap per sweep but its time budget, the nearest meeting's
reminders first."""

from __future__ import annotations

import datetime as dt
import math
import re
from itertools import pairwise
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment import notifications, outbox
from alignment.conf.mail import Written, as_bytes
from alignment.meetings import after, reminders
from alignment.meetings.models import (
    ActionItem,
    Decision,
    DigestMessage,
    InviteMessage,
    MinutesMessage,
    Occurrence,
    Reminder,
    SeriesAttendee,
    UserProfile,
)
from alignment.meetings.services import Guest
from alignment.outbox import OutboxItem, OutboxStatus
from departments.models import GoalStatus
from tests import factories
from tests.alignment.meetings.helpers import NOW
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db

# factories.one_on_one's first meeting: 10 March 2026 at 09:00 in Berlin. Half an hour
# before, its one-hour reminders are due.
START = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
DUE = START - dt.timedelta(minutes=30)
AFTER = START + dt.timedelta(hours=2)  # the meeting is over


def _comparable(wire: bytes) -> bytes:
    """`wire` without its Date and with its multipart boundary named the same each time."""
    boundary = re.search(rb'boundary="([^"]+)"', wire)
    assert boundary is not None
    return re.sub(rb"^Date: .*\r\n", b"", wire.replace(boundary.group(1), b"B"), flags=re.M)


def meeting(
    organiser: Any, leader: Any, department: Any, people: int, *, at: dt.time = dt.time(9, 0),
    lead: int = 60,
) -> Occurrence:  # fmt: skip
    """The first meeting of a one-on-one with `people` more attendees (users with an
    address: what each may see of the agenda is asked), its invites already sent:
    `people` + 2 reminders (the organiser's, the leader's) due `lead` minutes before."""
    series = factories.one_on_one(
        organiser=organiser, leader=leader, department=department, at=at, leads=[lead]
    )
    prefix = f"{leader.username}.p"
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.org") for n in range(people)
    )
    SeriesAttendee.objects.bulk_create(SeriesAttendee(series=series, user=u) for u in users)
    first = series.occurrences.order_by("start").first()
    assert first is not None
    reminders.sync_reminders(series, [first], now=NOW)
    InviteMessage.objects.update(status=OutboxStatus.SENT, sent_at=NOW)
    return first


def test_it_sends_each_batch_over_one_smtp_session(
    smtp: SmtpServer, settings: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    settings.OUTBOX_BATCH_SIZE = 50
    first = meeting(ciso, head_a, dept_a, people=118)
    assert Reminder.objects.filter(occurrence=first).count() == 120

    assert notifications.sweep(now=DUE)["reminders"] == 120

    received = smtp.inbox.ids("<reminder.")
    assert len(received) == 120 and set(received.values()) == {1}
    assert smtp.inbox.sessions == math.ceil(120 / 50) == 3
    assert set(first.reminders.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_a_refused_email_fails_alone_and_the_rest_of_its_batch_goes_on_a_new_session(
    smtp: SmtpServer, settings: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    settings.OUTBOX_BATCH_SIZE = 50
    meeting(ciso, head_a, dept_a, people=38)  # 40 reminders: one batch
    smtp.inbox.refuse = {"head-infrastructure.p5@example.org"}

    assert notifications.sweep(now=DUE)["reminders"] == 39

    refused = Reminder.objects.get(attendee__user__username="head-infrastructure.p5")
    assert refused.status == OutboxStatus.PENDING
    assert refused.attempts == 1 and "SMTPRecipientsRefused" in refused.last_error
    assert refused.next_attempt_at == DUE + outbox.retry_delay(1)
    assert Reminder.objects.filter(status=OutboxStatus.SENT).count() == 39
    assert smtp.inbox.count("<reminder.") == 39
    assert smtp.inbox.sessions == 2  # the batch's, and a new one after the refusal


def queries_per_batch(
    monkeypatch: pytest.MonkeyPatch, model: type[OutboxItem] = Reminder, now: dt.datetime = DUE
) -> list[int]:
    """Sweep at `now`; the queries each batch of `model` took, from one claim to the next."""
    marks: list[int] = []
    claim_batch = outbox.claim_batch

    def counted(queryset: Any, *args: Any, **kwargs: Any) -> outbox.Claim | None:
        if queryset.model is model:
            marks.append(len(queries.captured_queries))
        return claim_batch(queryset, *args, **kwargs)

    monkeypatch.setattr(outbox, "claim_batch", counted)
    with CaptureQueriesContext(connection) as queries:
        notifications.sweep(now=now)
    monkeypatch.setattr(outbox, "claim_batch", claim_batch)
    return [after - before for before, after in pairwise(marks)]


def test_a_batch_takes_the_same_queries_however_many_reminders_are_due(
    monkeypatch: pytest.MonkeyPatch, settings: Any, ciso: Any, head_a: Any, dept_a: Any,
    head_b: Any, dept_b: Any,
) -> None:  # fmt: skip
    size = settings.OUTBOX_BATCH_SIZE = 50  # a batch of 10 rows, then two of 50
    meeting(ciso, head_a, dept_a, people=8)  # 10 reminders
    few = queries_per_batch(monkeypatch)
    meeting(ciso, head_b, dept_b, people=98)  # 100 reminders, another meeting
    many = queries_per_batch(monkeypatch)

    assert len(mail.outbox) == 110
    assert len(few) == math.ceil(10 / size) and len(many) == math.ceil(100 / size)
    assert many[0] == few[0]  # the same for 10 rows as for 50
    assert few[0] <= 20  # claim, load, prefetches, roles, one agenda, mark: no row adds one
    # The meeting's second batch finds what its agenda shows of the department kept.
    assert many[1] < many[0]


def test_a_sweep_goes_on_while_rows_are_due_within_its_time_budget(
    settings: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    settings.OUTBOX_BATCH_SIZE = 2
    meeting(ciso, head_a, dept_a, people=38)  # 20 batches: no cap per sweep
    assert notifications.sweep(now=DUE)["reminders"] == 40

    settings.OUTBOX_SWEEP_SECONDS = 0  # out of time: the next sweep's work
    meeting(ciso, factories.UserFactory(username="head-x"), dept_a, people=3, at=dt.time(9, 5))
    assert notifications.sweep(now=DUE)["reminders"] == 0
    assert Reminder.objects.filter(status=OutboxStatus.PENDING, due_at__lte=DUE).count() == 5


def test_reminders_leave_nearest_meeting_first(
    settings: Any, ciso: Any, head_a: Any, dept_a: Any, head_b: Any, dept_b: Any
) -> None:
    settings.OUTBOX_BATCH_SIZE = 3
    # The 11:00 meeting's one-day reminders have been due since yesterday, the 09:00
    # meeting's one-hour reminders only since 08:00: the 09:00 ones leave first all the same.
    later = meeting(ciso, head_b, dept_b, people=5, at=dt.time(11, 0), lead=24 * 60)
    sooner = meeting(ciso, head_a, dept_a, people=5)

    assert notifications.sweep(now=DUE)["reminders"] == 14

    stamps = [m.extra_headers["Message-ID"].split(".")[2].split("@")[0] for m in mail.outbox]
    first, second = (f"{o.start:%Y%m%dT%H%M%SZ}" for o in (sooner, later))
    assert stamps == [first] * 7 + [second] * 7


def final_minutes(occurrence: Occurrence, by: Any) -> None:
    """Minutes with a decision and an action item for each attendee, made final."""
    occurrence.minutes = "Agreed the standard-change list."
    occurrence.save(update_fields=["minutes"])
    Decision.objects.create(occurrence=occurrence, text="Trial the standard-change list")
    ActionItem.objects.bulk_create(
        ActionItem(occurrence=occurrence, title=f"Item {a.pk}", owner=a.user, due_date=START.date())
        for a in occurrence.series.attendees.select_related("user")
    )
    after.finalise_minutes(occurrence, by, now=AFTER)


def test_batches_of_minutes_and_digests_take_the_same_queries_however_many_are_due(
    monkeypatch: pytest.MonkeyPatch, settings: Any, ciso: Any, head_a: Any, dept_a: Any,
    head_b: Any, dept_b: Any,
) -> None:  # fmt: skip
    size = settings.OUTBOX_BATCH_SIZE = 50  # a batch of 10 rows, then two of 50
    few_meeting = meeting(ciso, head_a, dept_a, people=8)  # 10 attendees
    final_minutes(few_meeting, ciso)
    few_minutes = queries_per_batch(monkeypatch, MinutesMessage, AFTER)
    many_meeting = meeting(ciso, head_b, dept_b, people=98)  # 100 attendees
    final_minutes(many_meeting, ciso)
    many_minutes = queries_per_batch(monkeypatch, MinutesMessage, AFTER)
    assert len(few_minutes) == math.ceil(10 / size)
    assert many_minutes == few_minutes * math.ceil(100 / size)

    # A week later every owner (the organiser one of them twice) has overdue items.
    later = AFTER + dt.timedelta(days=7)
    assert reminders.queue_digests(now=later) == 109
    digests = queries_per_batch(monkeypatch, DigestMessage, later)
    assert len(digests) == math.ceil(109 / size)  # 50, 50 and 9 rows
    assert set(digests) == {digests[0]}
    assert DigestMessage.objects.filter(status=OutboxStatus.SENT).count() == 109


def test_a_batch_built_reminder_is_the_one_built_alone_byte_for_byte(
    ciso: Any, executive: Any, admin_user: Any, head_a: Any, head_b: Any, dept_a: Any,
    dept_b: Any,
) -> None:  # fmt: skip
    """A batch renders once per meeting, zone, audience and answer links and puts each
    reader's name and links in: every email must be what building it alone gives."""
    UserProfile.objects.create(user=head_b, time_zone="America/New_York")
    # The administrator and the executive read the same agenda, in other zones.
    UserProfile.objects.create(user=executive, time_zone="Asia/Tokyo")
    head_a.first_name, head_a.last_name = "Zoë <b>&", 'O"Brien'
    head_a.save()
    factories.GoalFactory(department=dept_b, title="Triple <revenue>", status=GoalStatus.AT_RISK)
    factories.GoalFactory(department=dept_a, title="Halve costs", status=GoalStatus.OFF_TRACK)
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        leads=[60],
        guests=(Guest("ada@example.org", "Ada <Lovelace> & Co"), Guest("bob@example.org", "")),
        users=(head_a, executive, admin_user),
    )
    first = series.occurrences.order_by("start").first()
    assert first is not None
    with mock.patch("django.core.signing.time.time", return_value=1_767_225_600.0):
        notifications.sweep(now=DUE)
        batch = {m.to[0]: m for m in mail.outbox if m.subject.startswith("Reminder")}
        rows = Reminder.objects.filter(occurrence=first).select_related(*reminders.RELATED)
        alone = {row.attendee.address: reminders.reminder_email(row, DUE) for row in rows}

    assert set(batch) == set(alone) and len(batch) == 7  # organiser, leader, 3 users, 2 guests
    for address, message in batch.items():
        single = alone[address]
        assert not isinstance(single, str)
        assert (message.subject, message.body, message.to, message.extra_headers) == (
            single.subject, single.body, single.to, single.extra_headers
        )  # fmt: skip
        assert message.alternatives == single.alternatives
        # And the bytes sent, written from the batch's form, are those of the email
        # written whole (but for the date and the multipart boundary, drawn anew).
        assert isinstance(message, Written) and message.wire is not None
        assert _comparable(message.wire) == _comparable(as_bytes(single))
    assert 'Hello Zoë <b>& O"Brien,' in batch[head_a.email].body
    assert "Hello Zoë &lt;b&gt;&amp; O&quot;Brien," in batch[head_a.email].alternatives[0][0]
    assert "Hello bob@example.org," in batch["bob@example.org"].body
    assert "Accept:" not in batch[ciso.email].body  # the organiser is not asked
    assert "Triple <revenue>" in batch[ciso.email].body  # the CISO reads every department
    assert "Triple <revenue>" not in batch["ada@example.org"].body  # a guest: figures only
