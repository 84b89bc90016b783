"""Business-case emails in the outbox: executives on submission, the author on a decision.

A row is written in the same transaction as the workflow step it announces, so a
submission that rolls back leaves no email behind, and one that commits cannot lose its
email to a mail server or broker that is down. The table was business_cases' own until
the outbox became one (migration alignment 0004 moved it without loss).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q

from alignment.outbox import OutboxItem, mail_domain
from business_cases.models import CaseStatus


class CaseEmailKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted: to an executive"
    DECIDED = "decided", "Decided: to the author"


class CaseEmail(OutboxItem):
    """One email about a business case to one recipient, rendered when it was queued.

    Queued by alignment/case_emails.py when business_cases announces a submission or a
    decision (business_cases/announcements.py), in the same transaction.
    """

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
            *OutboxItem.outbox_constraints("case_email"),
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
