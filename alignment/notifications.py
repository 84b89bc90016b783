"""Everything that goes through the outbox, in one place: the sweep and the outbox page's rows.

The engine (claim, send, mark) is alignment/outbox.py; the rows are the meetings'
invites, reminders and digests (alignment/meetings/models/outbox.py) and the business
cases' emails (alignment/models/case_emails.py). Beat runs `sweep` every minute through
the one task, alignment.tasks.sweep_outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from alignment import case_emails, outbox, programme_emails
from alignment.meetings import after, invites, reminders
from alignment.meetings.models import (
    ActionReminder,
    DigestMessage,
    InviteMessage,
    MinutesMessage,
    Reminder,
)
from alignment.models import CaseEmail, ProgrammeEmail
from alignment.outbox import OutboxItem, OutboxStatus

# Every outbox row model, in the order the sweep sends them.
ROW_MODELS: tuple[type[OutboxItem], ...] = (
    InviteMessage,
    Reminder,
    DigestMessage,
    MinutesMessage,
    ActionReminder,
    CaseEmail,
    ProgrammeEmail,
)


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything the outbox holds that is due: invites first, then reminders, then digests,
    final minutes and action-item reminders, then the business cases' emails, then the
    programme's (reviews, board packs)."""
    expired = reminders.expire_started(now or timezone.now())
    sent_invites = outbox.deliver(InviteMessage.objects.all(), invites.invite_email, now=now)
    sent_reminders = outbox.deliver(
        Reminder.objects.all(),
        reminders.reminder_email,
        now=now,
        select_related=(
            "occurrence__series__organiser",
            "attendee__user__meeting_profile",
            "attendee__series",
        ),
    )
    sent_digests = outbox.deliver(
        DigestMessage.objects.all(),
        reminders.digest_email,
        now=now,
        select_related=("owner__meeting_profile",),
    )
    sent_minutes = outbox.deliver(
        MinutesMessage.objects.all(),
        after.minutes_email,
        now=now,
        select_related=("occurrence__series", "attendee__user__meeting_profile"),
    )
    sent_action_reminders = outbox.deliver(
        ActionReminder.objects.all(),
        after.action_reminder_email,
        now=now,
        select_related=(
            "action_item__owner__meeting_profile",
            "action_item__occurrence__series",
            "action_item__review_item__review",
        ),
    )
    sent_case_emails = outbox.deliver(
        CaseEmail.objects.all(), case_emails.case_email, now=now, select_related=("case",)
    )
    sent_programme_emails = outbox.deliver(
        ProgrammeEmail.objects.all(),
        programme_emails.programme_email,
        now=now,
        select_related=("pack", "review"),
    )
    return {
        "programme_emails": sent_programme_emails,
        "invites": sent_invites,
        "reminders": sent_reminders,
        "digests": sent_digests,
        "minutes": sent_minutes,
        "action_reminders": sent_action_reminders,
        "expired": expired,
        "case_emails": sent_case_emails,
    }


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int


def status_counts() -> list[StatusCount]:
    """How many rows of every kind have each status: one aggregate query per row model."""
    totals: dict[str, int] = {}
    for model in ROW_MODELS:
        for status, n in model._default_manager.values_list("status").annotate(n=Count("pk")):
            totals[status] = totals.get(status, 0) + n
    return [StatusCount(v, label, totals.get(v, 0)) for v, label in OutboxStatus.choices]


def problem_count() -> int:
    """Rows waiting for a retry after an error, or given up."""
    trouble = Q(status=OutboxStatus.FAILED) | (Q(status=OutboxStatus.PENDING) & ~Q(last_error=""))
    return sum(model._default_manager.filter(trouble).count() for model in ROW_MODELS)
