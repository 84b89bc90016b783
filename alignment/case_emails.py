"""Emails about business cases: executives on submission, the author on a decision.

business_cases announces the step (business_cases/announcements.py) inside the
workflow's transaction; alignment, which owns every email, listens (AlignmentConfig.ready)
and writes one rendered CaseEmail row per recipient in that same transaction. The outbox
sweep sends each exactly once, retrying a mail server that fails. After the commit a
sweep is asked for at once; asking is best effort, as the rows are the record of what
must go out.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from alignment import outbox
from alignment.models import CaseEmail, CaseEmailKind
from alignment.outbox import OutboxStatus
from business_cases import sources
from business_cases.models import BusinessCase, CaseDecision
from departments.roles import EXECUTIVE_GROUP


def _render(template: str, context: dict[str, object]) -> tuple[str, str]:
    text = render_to_string(f"business_cases/emails/{template}.txt", context)
    html = render_to_string(f"business_cases/emails/{template}.html", context)
    return text, html


def _queue(rows: list[CaseEmail]) -> int:
    CaseEmail.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        outbox.sweep_soon()
    return len(rows)


def queue_submitted(case: BusinessCase) -> int:
    """One email per executive (no shared To: line), with the headline figures.

    Call inside the submission's transaction; `case` should come with its lines
    (`BusinessCase.objects.with_lines()`), which the figures read.
    """
    executives = (
        get_user_model()
        .objects.filter(groups__name=EXECUTIVE_GROUP, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    context = {
        "case": case,
        "figures": case.figures,
        "warnings": sources.trade_off(case.initiative).warnings,
        "url": settings.SITE_URL + case.get_absolute_url(),
    }
    subject = f"Business case to decide: {case.title} (revision {case.revision})"
    now = timezone.now()
    rows = []
    for user in executives:
        text, html = _render("submitted", {**context, "recipient": user})
        rows.append(
            CaseEmail(
                case=case,
                kind=CaseEmailKind.SUBMITTED,
                revision=case.revision,
                recipient_user=user,
                recipient=user.email,
                subject=subject,
                body_text=text,
                body_html=html,
                message_id=CaseEmail.make_message_id(
                    case_id=case.pk,
                    kind=CaseEmailKind.SUBMITTED,
                    step=case.revision,
                    user_id=user.pk,
                ),
                next_attempt_at=now,
            )
        )
    return _queue(rows)


def queue_decided(decision: CaseDecision) -> int:
    """The author learns the decision and its comment. Call inside the decision's
    transaction."""
    case = decision.case
    author = case.author
    if author is None or not author.email:
        return 0
    context = {
        "case": case,
        "decision": decision,
        "recipient": author,
        "url": settings.SITE_URL + case.get_absolute_url(),
    }
    text, html = _render("decided", context)
    row = CaseEmail(
        case=case,
        kind=CaseEmailKind.DECIDED,
        revision=decision.revision,
        decision=decision,
        recipient_user=author,
        recipient=author.email,
        subject=f"Business case {decision.outcome_label.lower()}: {case.title}",
        body_text=text,
        body_html=html,
        message_id=CaseEmail.make_message_id(
            case_id=case.pk, kind=CaseEmailKind.DECIDED, step=decision.pk, user_id=author.pk
        ),
        next_attempt_at=timezone.now(),
    )
    return _queue([row])


def case_email(row: CaseEmail, now: dt.datetime) -> EmailMultiAlternatives | str:
    """The outbox builder: the email of a claimed row, or SKIPPED when it came too late
    to ask for a decision already taken."""
    if row.is_outdated:
        return OutboxStatus.SKIPPED
    return row.as_email()
