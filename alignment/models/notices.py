"""What awaits a person, told by email (alignment/notices.py): a head when an impact
assessment, a friction budget proposal or a delivered commitment awaits their answer;
the security team when a head disagrees or asks for something.

A `Notice` records that a person is to be told (once per person, kind and subject: the
key); it is emailed at once or in the weekly digest, as the person chose on their
profile, or not recorded at all when they chose not to be told. The email is a
`NoticeEmail`, an outbox row swept exactly once like every other email.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q

from alignment.outbox import OutboxItem


class Delivery(models.TextChoices):
    """How a person hears of what awaits them, per kind (on their profile)."""

    NOW = "now", "Email me at once"
    DIGEST = "digest", "In my weekly digest (Mondays)"
    OFF = "off", "Don't email me"


class NoticeKind(models.TextChoices):
    ASSESSMENT = "assessment", "An impact assessment awaits an answer"
    BUDGET = "budget", "A friction budget proposal awaits an answer"
    COMMITMENT = "commitment", "A delivered commitment awaits confirmation"
    DISAGREEMENT = "disagreement", "A head disagrees with an impact assessment"
    REQUEST = "request", "A department asks the security team for something"


# The profile field (alignment/meetings/models/profiles.py, UserProfile) holding each
# kind's choice.
PREFERENCE = {
    NoticeKind.ASSESSMENT: "notify_assessments",
    NoticeKind.BUDGET: "notify_budgets",
    NoticeKind.COMMITMENT: "notify_commitments",
    NoticeKind.DISAGREEMENT: "notify_disagreements",
    NoticeKind.REQUEST: "notify_requests",
}


class NoticeEmail(OutboxItem):
    """One notice emailed at once, or a person's weekly digest of them."""

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    digest = models.BooleanField(default=False)
    # Deterministic and unique: a resend after a crash carries the same id.
    message_id = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [*OutboxItem.outbox_constraints("notice_email")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notice_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipient}"

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


class Notice(models.Model):
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    # What it is about, e.g. "assessment-12-3" (an assessment at version 3): the same
    # step told twice adds nothing.
    key = models.CharField(max_length=100)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    email = models.ForeignKey(
        NoticeEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notice_once"),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
            # "Off" is no notice at all.
            models.CheckConstraint(
                condition=Q(delivery__in=[Delivery.NOW, Delivery.DIGEST]),
                name="notice_delivery_valid",
            ),
        ]
        indexes = [models.Index(fields=["delivery", "email"], name="notice_digest_idx")]

    def __str__(self) -> str:
        return self.text
