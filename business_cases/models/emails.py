"""Business-case emails as outbox rows: queued with the submission or decision, sent by the sweep.

A row is written in the same transaction as the workflow step it announces, so a
submission that rolls back leaves no email behind, and one that commits cannot lose its
email to a mail server or broker that is down: beat's sweep (alignment/reminders.py)
claims, sends and marks it exactly once, with the generic functions of
alignment/outbox.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q
from django.utils import timezone

from business_cases.models.cases import CaseStatus


class CaseEmailStatus(models.TextChoices):
    """The values of alignment's OutboxStatus that a case email can take (same strings)."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    SKIPPED = "skipped", "Skipped"


class CaseEmailKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted: to an executive"
    DECIDED = "decided", "Decided: to the author"


def mail_domain() -> str:
    """The host of SITE_URL, the right-hand side of our Message-IDs (as alignment's)."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "localhost"


class CaseEmail(models.Model):
    """One email about a business case to one recipient, rendered when it was queued.

    The outbox fields (status … updated_at) repeat those of alignment's abstract
    OutboxItem, names, types and defaults alike, so that alignment/outbox.py claims and
    marks these rows too. business_cases may not import alignment, and this is only the
    second copy: we abstract after the third repetition (STYLE.md).
    """

    status = models.CharField(
        max_length=20, choices=CaseEmailStatus.choices, default=CaseEmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    case = models.ForeignKey(
        "business_cases.BusinessCase", on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=20, choices=CaseEmailKind.choices)
    revision = models.PositiveIntegerField(help_text="The revision submitted or decided.")
    decision = models.ForeignKey(
        "business_cases.CaseDecision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    message_id = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One email per workflow step and recipient: queueing twice changes nothing.
            models.UniqueConstraint(
                fields=["case", "kind", "revision", "recipient"], name="case_email_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CaseEmailKind.values), name="case_email_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=CaseEmailKind.SUBMITTED, decision__isnull=True)
                | Q(kind=CaseEmailKind.DECIDED, decision__isnull=False),
                name="case_email_decided_has_decision",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseEmailStatus.values), name="case_email_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseEmailStatus.SENDING) | Q(lease_until__isnull=False),
                name="case_email_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseEmailStatus.SENT) | Q(sent_at__isnull=False),
                name="case_email_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="case_email_due_idx")]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} r{self.revision} of case {self.case_id} to {self.recipient}"
        )

    @staticmethod
    def make_message_id(*, case_id: int, kind: str, step: int, user_id: int) -> str:
        """Deterministic: a resend after a crash carries the same id, so clients drop it.

        `step` is the decision's pk for a decision, the revision for a submission.
        """
        return f"<case-{case_id}-{kind}-{step}-{user_id}@{mail_domain()}>"

    @property
    def is_outdated(self) -> bool:
        """A 'please decide' email for a revision that is no longer awaiting a decision
        (a retry that comes too late): it would ask for what is already done."""
        return self.kind == CaseEmailKind.SUBMITTED and (
            self.case.status != CaseStatus.SUBMITTED or self.case.revision != self.revision
        )

    def as_email(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            self.subject,
            self.body_text,
            settings.DEFAULT_FROM_EMAIL,
            [self.recipient],
            headers={"Message-ID": self.message_id},
        )
        message.attach_alternative(self.body_html, "text/html")
        return message
