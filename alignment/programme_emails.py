"""Emails about the security programme: the security team when a review opens; executives
when a board pack awaits their approval and, when BOARD_PACK_EMAIL_APPROVED is on, once
it is approved (with its PDF).

Each is a `ProgrammeEmail` row written in the transaction of the step it announces, one
per recipient, with a deterministic Message-ID: queueing twice adds nothing. The outbox
sweep (alignment/notifications.py) sends each exactly once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from alignment import outbox
from alignment.models import (
    BoardPack,
    PackStatus,
    ProgrammeEmail,
    ProgrammeEmailKind,
    ProgrammeReview,
)
from alignment.outbox import OutboxStatus
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP


def _members(group: str) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(groups__name=group, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def _queue(
    kind: str,
    group: str,
    context: dict[str, object],
    *,
    subject: str,
    review: ProgrammeReview | None = None,
    pack: BoardPack | None = None,
    attachment: str = "",
) -> int:
    subject_id = review.pk if review is not None else pack.pk if pack is not None else 0
    now = timezone.now()
    rows = []
    for user in _members(group):
        full = {**context, "recipient": user}
        rows.append(
            ProgrammeEmail(
                kind=kind,
                review=review,
                pack=pack,
                recipient_user=user,
                recipient=user.email,
                subject=subject,
                body_text=render_to_string(f"alignment/emails/{kind}.txt", full),
                body_html=render_to_string(f"alignment/emails/{kind}.html", full),
                attachment_name=attachment,
                message_id=ProgrammeEmail.make_message_id(
                    kind=kind, subject_id=subject_id, user_id=user.pk
                ),
                next_attempt_at=now,
            )
        )
    ProgrammeEmail.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        outbox.sweep_soon()
    return len(rows)


def queue_review_opened(review: ProgrammeReview) -> int:
    """Every member of the security team hears that the quarter's review is open."""
    context = {
        "review": review,
        "items": review.items.count(),
        "url": settings.SITE_URL + review.get_absolute_url(),
    }
    return _queue(
        ProgrammeEmailKind.REVIEW_OPENED,
        SECURITY_GROUP,
        context,
        subject=f"{review} is open",
        review=review,
    )


def queue_pack_to_approve(pack: BoardPack) -> int:
    """Every executive is asked to approve the pack just frozen."""
    context = {"pack": pack, "url": settings.SITE_URL + pack.get_absolute_url()}
    return _queue(
        ProgrammeEmailKind.PACK_TO_APPROVE,
        EXECUTIVE_GROUP,
        context,
        subject=f"{pack} awaits your approval",
        pack=pack,
    )


def queue_pack_approved(pack: BoardPack) -> int:
    """When the setting is on, every executive receives the approved pack as a PDF."""
    if not settings.BOARD_PACK_EMAIL_APPROVED:
        return 0
    context = {"pack": pack, "url": settings.SITE_URL + pack.get_absolute_url()}
    return _queue(
        ProgrammeEmailKind.PACK_APPROVED,
        EXECUTIVE_GROUP,
        context,
        subject=f"{pack} approved",
        pack=pack,
        attachment=f"board-pack-{pack.number}-{slugify(pack.period_label)}.pdf",
    )


def programme_email(row: ProgrammeEmail, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The outbox builder: the email, or SKIPPED when it would ask for what is done — a
    request to approve a pack no longer awaiting approval, or news of a review opened
    that is finished already."""
    if row.kind == ProgrammeEmailKind.PACK_TO_APPROVE and (
        row.pack is None or row.pack.status != PackStatus.DRAFT
    ):
        return OutboxStatus.SKIPPED
    if row.kind == ProgrammeEmailKind.REVIEW_OPENED and (
        row.review is None or not row.review.is_open
    ):
        return OutboxStatus.SKIPPED
    return row.as_email()
