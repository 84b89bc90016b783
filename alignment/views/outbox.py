"""The outbox page: every email the product sends, as rows, for the security team."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alignment import notifications
from alignment.meetings.models import (
    ActionReminder,
    DigestMessage,
    InviteMessage,
    MinutesMessage,
    Reminder,
)
from alignment.models import CaseEmail
from alignment.outbox import OutboxStatus
from departments.http import HtmxHttpRequest, require_security_team

REMINDER_ROWS = 200
OTHER_ROWS = 50


@require_GET
def outbox(request: HtmxHttpRequest) -> HttpResponse:
    """Reminders due within a day (or all of one status), and the latest invitations,
    digests and business-case emails; `?status=` filters every table."""
    require_security_team(request.user, "The outbox is for the security team.")
    status = request.GET.get("status", "")
    reminders = Reminder.objects.select_related("occurrence__series", "attendee__user")
    invites = InviteMessage.objects.select_related("series")
    digests = DigestMessage.objects.select_related("owner")
    case_emails = CaseEmail.objects.select_related("case")
    minutes = MinutesMessage.objects.select_related("occurrence__series")
    action_reminders = ActionReminder.objects.select_related(
        "action_item__owner", "action_item__occurrence", "action_item__review_item"
    )
    horizon = timezone.now() + dt.timedelta(days=1)
    later = 0
    if status in OutboxStatus.values:
        reminders = reminders.filter(status=status)
        invites, digests = invites.filter(status=status), digests.filter(status=status)
        case_emails = case_emails.filter(status=status)
        minutes, action_reminders = (
            minutes.filter(status=status),
            action_reminders.filter(status=status),
        )
    else:
        status = ""
        later = Reminder.objects.filter(due_at__gt=horizon).count()
        reminders = reminders.filter(due_at__lte=horizon)
    counts = notifications.outbox_counts()
    context = {
        "reminders": reminders.order_by("-due_at", "-pk")[:REMINDER_ROWS],
        "invites": invites.order_by("-created_at", "-pk")[:OTHER_ROWS],
        "digests": digests.order_by("-created_at", "-pk")[:OTHER_ROWS],
        "case_emails": case_emails.order_by("-created_at", "-pk")[:OTHER_ROWS],
        "minutes": minutes.order_by("-created_at", "-pk")[:OTHER_ROWS],
        "action_reminders": action_reminders.order_by("-created_at", "-pk")[:OTHER_ROWS],
        "statuses": counts.statuses,
        "status": status,
        "later": later,
        "problems": counts.problems,
    }
    return render(request, "alignment/outbox.html", context)
