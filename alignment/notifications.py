"""Everything that goes through the outbox, in one place: the sweep and the outbox page's rows.

The engine (claim, send, mark) is alignment/outbox.py; the rows are the meetings'
invites, reminders and digests (alignment/meetings/models/outbox.py), the business
cases' emails (alignment/models/case_emails.py), the programme's
(alignment/models/programme_emails.py) and the password resets
(alignment/models/account_emails.py). Beat runs `sweep` every minute through the one
task, alignment.tasks.sweep_outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from alignment import account_emails, case_emails, notices, outbox, programme_emails
from alignment.meetings import after, invites, reminders
from alignment.meetings.models import (
    ActionReminder,
    DigestMessage,
    InviteMessage,
    MinutesMessage,
    Reminder,
)
from alignment.models import CaseEmail, NoticeEmail, PasswordResetEmail, ProgrammeEmail
from alignment.outbox import OutboxItem, OutboxStatus

# Every outbox row model, in the order the sweep sends them.
ROW_MODELS: tuple[type[OutboxItem], ...] = (
    PasswordResetEmail,
    InviteMessage,
    Reminder,
    DigestMessage,
    MinutesMessage,
    ActionReminder,
    CaseEmail,
    ProgrammeEmail,
    NoticeEmail,
)


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything the outbox holds that is due: password resets first (someone is
    waiting at the login page), then invites, then reminders (the nearest meeting first),
    then digests, final minutes and action-item reminders, then the business cases'
    emails, then the programme's (reviews, board packs), then what awaits people
    (alignment/notices.py). Batch after batch while rows are due, for at most
    OUTBOX_SWEEP_SECONDS: what is left then is the next sweep's."""
    deadline = outbox.sweep_deadline()
    expired = reminders.expire_started(now or timezone.now())
    sent_password_resets = outbox.deliver(
        PasswordResetEmail.objects.all(),
        account_emails.password_reset_email,
        now=now,
        deadline=deadline,
        select_related=("user",),
    )
    sent_invites = outbox.deliver(
        InviteMessage.objects.all(), invites.invite_email, now=now, deadline=deadline
    )
    sent_reminders = outbox.deliver(
        Reminder.objects.all(),
        reminders.reminder_email,
        now=now,
        deadline=deadline,
        select_related=reminders.RELATED,
        prefetch_related=reminders.PREFETCH,
        order_by=reminders.ORDER,
        prepare=reminders.prepare,
    )
    sent_digests = outbox.deliver(
        DigestMessage.objects.all(),
        reminders.digest_email,
        now=now,
        deadline=deadline,
        select_related=("owner__meeting_profile",),
        prepare=reminders.prepare_digests,
    )
    sent_minutes = outbox.deliver(
        MinutesMessage.objects.all(),
        after.minutes_email,
        now=now,
        deadline=deadline,
        select_related=("occurrence__series", "attendee__user__meeting_profile"),
        prefetch_related=after.minutes_lookups("occurrence__"),
    )
    sent_action_reminders = outbox.deliver(
        ActionReminder.objects.all(),
        after.action_reminder_email,
        now=now,
        deadline=deadline,
        select_related=(
            "action_item__owner__meeting_profile",
            "action_item__occurrence__series",
            "action_item__review_item__review",
        ),
    )
    sent_case_emails = outbox.deliver(
        CaseEmail.objects.all(),
        case_emails.case_email,
        now=now,
        deadline=deadline,
        select_related=("case",),
    )
    sent_programme_emails = outbox.deliver(
        ProgrammeEmail.objects.all(),
        programme_emails.programme_email,
        now=now,
        deadline=deadline,
        select_related=("pack", "review"),
    )
    sent_notices = outbox.deliver(
        NoticeEmail.objects.all(),
        notices.notice_email,
        now=now,
        deadline=deadline,
        select_related=("recipient_user",),
    )
    return {
        "programme_emails": sent_programme_emails,
        "notices": sent_notices,
        "invites": sent_invites,
        "reminders": sent_reminders,
        "digests": sent_digests,
        "minutes": sent_minutes,
        "action_reminders": sent_action_reminders,
        "expired": expired,
        "case_emails": sent_case_emails,
        "password_resets": sent_password_resets,
    }


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class OutboxCounts:
    statuses: list[StatusCount]
    problems: int  # rows waiting for a retry after an error, or given up


def outbox_counts() -> OutboxCounts:
    """How many rows of every kind have each status, and how many are in trouble: one
    aggregate query per row model, however many rows."""
    totals: dict[str, int] = {}
    problems = 0
    retrying = Count("pk", filter=~Q(last_error=""))
    for model in ROW_MODELS:
        rows = model._default_manager.order_by().values_list("status")
        for status, n, errored in rows.annotate(n=Count("pk"), errored=retrying):
            totals[status] = totals.get(status, 0) + n
            if status == OutboxStatus.FAILED:
                problems += n
            elif status == OutboxStatus.PENDING:
                problems += errored
    statuses = [StatusCount(v, label, totals.get(v, 0)) for v, label in OutboxStatus.choices]
    return OutboxCounts(statuses, problems)
