"""The workflows of support commitments and requests, and their figures.

Every change of state goes through one function here (`create`, `edit` is the form's,
`move`, `confirm`, `submit_request`, `accept`, `decline`), so that whatever must follow
a change (an email through the outbox) is hooked in one place. The rules themselves are
the models' methods (alignment/models/commitments.py); these functions apply them, save
as the next version (a save based on an older version raises StaleVersion) and record
who did it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from alignment import notices
from alignment.models.commitments import (
    OPEN_STATUSES,
    Commitment,
    CommitmentStatus,
    HeadVerdict,
    RequestStatus,
    SupportRequest,
)
from departments.versioning import save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Rows a list on the dashboard or a home page shows; the full lists are paginated.
SHOWN = 8


def create(commitment: Commitment, *, by: User) -> Commitment:
    """A new commitment (its source, if any, already set on it)."""
    commitment.created_by = by
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def move(commitment: Commitment, status: str, reason: str = "", *, by: User, expected: int) -> None:
    """Start, deliver or drop a commitment (Commitment.move_to says what is allowed).

    Delivered, its department's head is told that it awaits their confirmation (in the
    same transaction). Raises ValidationError for a move the rules refuse, StaleVersion
    when the commitment changed since `expected`."""
    commitment.move_to(status, reason, at=timezone.now())
    commitment._change_reason = f"{status} by {by.get_username()}"  # type: ignore[attr-defined]
    save_versioned(commitment, expected)
    if status == CommitmentStatus.DELIVERED:
        notices.to_confirm(
            commitment.department,
            key=f"commitment-{commitment.pk}",
            title=commitment.title,
            link=commitment.get_absolute_url(),
        )


def deliver(commitment: Commitment, *, by: User, expected: int) -> None:
    move(commitment, CommitmentStatus.DELIVERED, by=by, expected=expected)


def drop(commitment: Commitment, reason: str, *, by: User, expected: int) -> None:
    move(commitment, CommitmentStatus.DROPPED, reason, by=by, expected=expected)


def confirm(commitment: Commitment, verdict: str, comment: str, *, by: User, expected: int) -> None:
    """The head's word on a delivered commitment: it helped, or it did not (and why)."""
    commitment.record_verdict(verdict, comment, by=by, at=timezone.now())
    save_versioned(commitment, expected)


def submit_request(support: SupportRequest, *, by: User) -> SupportRequest:
    """A head or key leader asks the security team for something."""
    support.requested_by = by
    support.status = RequestStatus.OPEN
    support.full_clean()
    with transaction.atomic():
        support.save()
        notices.request_made(
            support.department,
            key=f"request-{support.pk}",
            who=by.get_full_name() or by.get_username(),
            need=support.summary,
            link=support.get_absolute_url(),
        )
    return support


@transaction.atomic
def accept(
    support: SupportRequest, commitment: Commitment, *, by: User, expected: int
) -> Commitment:
    """Accept an open request: it becomes `commitment` (unsaved, from the accept form),
    both in one transaction, so a request is never accepted without its commitment."""
    commitment.request = support
    commitment.department = support.department
    commitment.created_by = by
    commitment.full_clean()
    support.answer(RequestStatus.ACCEPTED, "", by=by, at=timezone.now())
    save_versioned(support, expected)
    commitment.save()
    return commitment


def decline(support: SupportRequest, reason: str, *, by: User, expected: int) -> None:
    support.answer(RequestStatus.DECLINED, reason, by=by, at=timezone.now())
    save_versioned(support, expected)


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    open: int
    overdue: int
    delivered_this_quarter: int
    confirmed: int
    helped: int
    open_requests: int


def quarter_start(today: dt.date) -> dt.date:
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def figures(today: dt.date) -> Figures:
    """The dashboard's figures over every department, in two queries (SQL aggregates).

    Overdue: open past its due date. Delivered this quarter: since the first day of
    today's calendar quarter (local time). Helped: confirmed "it helped" by the head, of
    `confirmed` confirmations.
    """
    start = timezone.make_aware(dt.datetime.combine(quarter_start(today), dt.time.min))
    counts = Commitment.objects.order_by().aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
        delivered=Count("pk", filter=Q(status=CommitmentStatus.DELIVERED, delivered_at__gte=start)),
        confirmed=Count("pk", filter=~Q(verdict=HeadVerdict.PENDING)),
        helped=Count("pk", filter=Q(verdict=HeadVerdict.HELPED)),
    )
    return Figures(
        open=counts["open"],
        overdue=counts["overdue"],
        delivered_this_quarter=counts["delivered"],
        confirmed=counts["confirmed"],
        helped=counts["helped"],
        open_requests=SupportRequest.objects.open().count(),
    )
