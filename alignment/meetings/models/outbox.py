"""The meetings' rows in the outbox (alignment/outbox.py): invites, reminders and digests.

A row is claimed with a conditional UPDATE (PENDING → SENDING, with a lease and a claim
token), so exactly one worker sends it; a worker that dies leaves the row SENDING with a
lease that runs out, and the next sweep claims it again. The broker only says "sweep
now"; it is never the only record of work to do.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from alignment.meetings.models.series import MeetingSeries, Occurrence, SeriesAttendee
from alignment.outbox import OutboxItem, mail_domain


def lead_text(minutes: int) -> str:
    """1440 → '1 day', 90 → '90 minutes', 1 → '1 minute'."""
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour")):
        if minutes and minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class Reminder(OutboxItem):
    """One reminder: occurrence × recipient × lead time, due at start − lead."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="reminders")
    attendee = models.ForeignKey(SeriesAttendee, on_delete=models.CASCADE, related_name="reminders")
    lead_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "attendee", "lead_minutes"], name="reminder_once_per_lead"
            ),
            models.CheckConstraint(condition=Q(lead_minutes__gt=0), name="reminder_lead_positive"),
            *OutboxItem.outbox_constraints("reminder"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_due_idx"),
            # The sweep's claim: due rows among months of reminders ahead and sent.
            models.Index(fields=["status", "next_attempt_at"], name="reminder_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.lead_minutes} min before {self.occurrence} to {self.attendee}"

    @property
    def lead_label(self) -> str:
        return lead_text(self.lead_minutes)

    @property
    def message_id(self) -> str:
        """Deterministic: a resend after a crash carries the same id, so clients drop it.

        The start is part of it: a meeting moved after a reminder went out gets a new one.
        """
        stamp = self.occurrence.start.strftime("%Y%m%dT%H%M%SZ")
        return f"<reminder.{self.pk}.{stamp}@{mail_domain()}>"


class InviteMethod(models.TextChoices):
    REQUEST = "REQUEST", "Invitation or update"
    CANCEL = "CANCEL", "Cancellation"


class InviteMessage(OutboxItem):
    """One calendar message (iTIP REQUEST or CANCEL) to one attendee.

    The .ics is built when the change is made and stored here, so what goes out is what
    was decided then, even if the series changes again before the sweep.
    """

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="invites")
    attendee = models.ForeignKey(
        SeriesAttendee, null=True, blank=True, on_delete=models.SET_NULL, related_name="invites"
    )
    recipient = models.EmailField()
    uid = models.CharField(max_length=255)
    sequence = models.PositiveIntegerField()
    method = models.CharField(max_length=10, choices=InviteMethod.choices)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    ics = models.TextField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # Every change raises SEQUENCE: one message per change and recipient.
            models.UniqueConstraint(
                fields=["uid", "sequence", "recipient"], name="invite_once_per_change"
            ),
            models.CheckConstraint(
                condition=Q(method__in=InviteMethod.values), name="invite_method_valid"
            ),
            *OutboxItem.outbox_constraints("invite"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="invite_due_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.uid} #{self.sequence} to {self.recipient}"

    @property
    def message_id(self) -> str:
        key = f"{self.uid}|{self.sequence}|{self.recipient.lower()}".encode()
        return f"<invite.{hashlib.sha256(key).hexdigest()[:24]}@{mail_domain()}>"


class DigestMessage(OutboxItem):
    """The weekly email listing one owner's overdue action items; one per owner and week."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="action_digests"
    )
    week = models.DateField(help_text="The Monday of the week it is for.")

    class Meta:
        ordering = ["-week", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "week"], name="digest_once_per_week"),
            *OutboxItem.outbox_constraints("digest"),
        ]

    def __str__(self) -> str:
        return f"Overdue actions of {self.owner} for the week of {self.week}"

    @property
    def message_id(self) -> str:
        return f"<digest.{self.owner_id}.{self.week:%Y%m%d}@{mail_domain()}>"


class MinutesMessage(OutboxItem):
    """The final minutes, decisions and actions of one meeting, to one attendee, once."""

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="minutes_messages"
    )
    attendee = models.ForeignKey(
        SeriesAttendee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="minutes_messages",
    )
    recipient = models.EmailField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "recipient"], name="minutes_once_per_recipient"
            ),
            *OutboxItem.outbox_constraints("minutes"),
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.occurrence} to {self.recipient}"

    @property
    def message_id(self) -> str:
        key = f"{self.occurrence_id}|{self.recipient.lower()}".encode()
        return f"<minutes.{hashlib.sha256(key).hexdigest()[:24]}@{mail_domain()}>"


class ActionReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class ActionReminder(OutboxItem):
    """One reminder to an action item's owner: before its due date, or once it is overdue.

    One per item, kind and due date: a new due date is a new reminder."""

    action_item = models.ForeignKey(
        "alignment.ActionItem", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=ActionReminderKind.choices)
    due_date = models.DateField()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "kind", "due_date"], name="action_reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionReminderKind.values), name="action_reminder_kind_valid"
            ),
            *OutboxItem.outbox_constraints("action_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action_item}"

    @property
    def message_id(self) -> str:
        stamp = f"{self.kind}.{self.due_date:%Y%m%d}"
        return f"<action.{self.action_item_id}.{stamp}@{mail_domain()}>"
