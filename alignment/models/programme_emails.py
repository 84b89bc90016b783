"""Emails about the security programme in the outbox: the CISO when a review opens,
executives when a board pack awaits their approval or (a setting) once it is approved.

Like every email the product sends, each is a row before it is an email, written in the
transaction of the step it announces (alignment/programme_emails.py), and swept exactly
once by alignment/notifications.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q

from alignment.models.reports import BoardPack
from alignment.models.reviews import ProgrammeReview
from alignment.outbox import OutboxItem, mail_domain


class ProgrammeEmailKind(models.TextChoices):
    REVIEW_OPENED = "review_opened", "Review opened: to the security team"
    PACK_TO_APPROVE = "pack_to_approve", "Board pack to approve: to an executive"
    PACK_APPROVED = "pack_approved", "Board pack approved: to an executive"


class ProgrammeEmail(OutboxItem):
    kind = models.CharField(max_length=20, choices=ProgrammeEmailKind.choices)
    review = models.ForeignKey(
        ProgrammeReview, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    pack = models.ForeignKey(
        BoardPack, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    attachment_name = models.CharField(max_length=200, blank=True)
    # Deterministic and unique: queueing the same step twice adds nothing, and a resend
    # after a crash carries the same id, so mail clients drop the copy.
    message_id = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ProgrammeEmailKind.values),
                name="programme_email_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind=ProgrammeEmailKind.REVIEW_OPENED, review__isnull=False)
                | Q(
                    kind__in=[ProgrammeEmailKind.PACK_TO_APPROVE, ProgrammeEmailKind.PACK_APPROVED],
                    pack__isnull=False,
                ),
                name="programme_email_has_subject",
            ),
            *OutboxItem.outbox_constraints("programme_email"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="programme_email_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"

    @staticmethod
    def make_message_id(*, kind: str, subject_id: int, user_id: int) -> str:
        return f"<programme-{kind}-{subject_id}-{user_id}@{mail_domain()}>"

    def as_email(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            self.subject,
            self.body_text,
            settings.DEFAULT_FROM_EMAIL,
            [self.recipient],
            headers={"Message-ID": self.message_id},
        )
        message.attach_alternative(self.body_html, "text/html")
        if self.attachment_name and self.pack is not None:
            message.attach(self.attachment_name, bytes(self.pack.pdf), "application/pdf")
        return message
