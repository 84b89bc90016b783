"""Emails about business cases: executives on submission, the author on a decision.

Sent after the transaction commits (see services), through Django's email framework.
A mail server that fails does not undo the submission or the decision: the failure is
logged and the case page shows the state either way.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from business_cases.models import BusinessCase, CaseDecision
from departments.roles import EXECUTIVE_GROUP

logger = logging.getLogger(__name__)


def _message(
    template: str, subject: str, context: dict[str, Any], to: str
) -> EmailMultiAlternatives:
    text = render_to_string(f"emails/business_cases/{template}.txt", context)
    html = render_to_string(f"emails/business_cases/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def _send(messages: list[EmailMultiAlternatives]) -> int:
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except OSError:  # SMTP errors are OSErrors too
        logger.exception("Business case email not sent")
        return 0


def send_submitted(case_id: int) -> int:
    """One email per executive (no shared To: line), with the headline figures."""
    case = BusinessCase.objects.with_lines().get(pk=case_id)
    executives = (
        get_user_model()
        .objects.filter(groups__name=EXECUTIVE_GROUP, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    context = {
        "case": case,
        "figures": case.figures,
        "url": settings.SITE_URL + case.get_absolute_url(),
    }
    subject = f"Business case to decide: {case.title} (revision {case.revision})"
    messages = [
        _message("submitted", subject, {**context, "recipient": user}, user.email)
        for user in executives
    ]
    return _send(messages)


def send_decided(decision_id: int) -> int:
    """The author learns the decision and its comment."""
    decision = CaseDecision.objects.select_related("case__author", "decided_by").get(pk=decision_id)
    author = decision.case.author
    if author is None or not author.email:
        return 0
    context = {
        "case": decision.case,
        "decision": decision,
        "recipient": author,
        "url": settings.SITE_URL + decision.case.get_absolute_url(),
    }
    subject = f"Business case {decision.outcome_label.lower()}: {decision.case.title}"
    return _send([_message("decided", subject, context, author.email)])
