"""Everyone told what awaits them: one place that turns a step of the programme into the
notices of the people it concerns (alignment/models/notices.py).

- A head: an impact assessment awaits their answer; the security team proposed a
  friction budget; a commitment to their department was delivered and awaits their
  confirmation.
- The security team: a head disagreed with an assessment; a head proposed a friction
  budget of their own; a department asked for something.

Each person's profile says, per kind, whether they are emailed at once, in the weekly
digest (Mondays, with the overdue action items' digest) or not at all. Notices are
written in the transaction of the step they announce, once per person, kind and subject
(a database uniqueness), and their emails go through the outbox, swept exactly once. The
functions return how many people will hear of it, so that a page says only what is true.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from alignment import outbox
from alignment.meetings.models import profile_for
from alignment.models import (
    Delivery,
    ImpactAssessment,
    Notice,
    NoticeEmail,
    NoticeKind,
)
from alignment.models.notices import PREFERENCE
from alignment.outbox import OutboxStatus, mail_domain
from departments.models import BudgetProposal, Department
from departments.roles import SECURITY_GROUP

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def security_team() -> QuerySet[Any]:
    return get_user_model().objects.filter(groups__name=SECURITY_GROUP, is_active=True)


def head_of(department: Department) -> list[User]:
    head = department.head
    return [head] if head is not None and head.is_active else []


def tell(people: Iterable[User], kind: str, *, key: str, text: str, link: str, subject: str) -> int:
    """A notice for each of `people` who wants this kind; an email at once for those who
    chose it. How many will hear of it (now or in their digest)."""
    told = 0
    for person in people:
        if not person.email:
            continue
        delivery = getattr(profile_for(person), PREFERENCE[NoticeKind(kind)])
        if delivery == Delivery.OFF:
            continue
        notice, created = Notice.objects.get_or_create(
            user=person,
            kind=kind,
            key=key,
            defaults={"text": text[:300], "link": link[:300], "delivery": delivery},
        )
        told += 1
        if created and delivery == Delivery.NOW:
            _email(person, [notice], subject=subject, digest=False)
    if told:
        outbox.sweep_soon()
    return told


def _email(person: User, notices: list[Notice], *, subject: str, digest: bool) -> NoticeEmail:
    context = {
        "recipient": person,
        "notices": notices,
        "site_url": settings.SITE_URL,
        "digest": digest,
    }
    first = notices[0].pk
    row = NoticeEmail.objects.create(
        recipient_user=person,
        recipient=person.email,
        subject=subject[:255],
        body_text=render_to_string("alignment/emails/notice.txt", context),
        body_html=render_to_string("alignment/emails/notice.html", context),
        digest=digest,
        message_id=f"<notice-{'digest-' if digest else ''}{person.pk}-{first}@{mail_domain()}>",
    )
    Notice.objects.filter(pk__in=[n.pk for n in notices], email__isnull=True).update(email=row)
    return row


# --- The steps that tell someone -----------------------------------------------------------


def assessment_awaits(assessment: ImpactAssessment) -> int:
    department = assessment.department
    hours = f"{assessment.hours_per_week.normalize():f}"
    return tell(
        head_of(department),
        NoticeKind.ASSESSMENT,
        key=f"assessment-{assessment.pk}-{assessment.version}",
        text=f"{assessment.initiative.title} would add {hours} h/week to {department.name}: "
        "do you agree?",
        link=department.get_absolute_url() + f"#assessment-row-{assessment.pk}",
        subject=f"Your answer: {assessment.initiative.title} on {department.name}",
    )


def head_disagrees(assessment: ImpactAssessment, head: User) -> int:
    department = assessment.department
    who = head.get_full_name() or head.get_username()
    hours = f"{assessment.hours_per_week.normalize():f}"
    comment = f" “{assessment.head_comment}”" if assessment.head_comment else ""
    return tell(
        security_team(),
        NoticeKind.DISAGREEMENT,
        key=f"disagreement-{assessment.pk}-{assessment.version}",
        text=f"{who} disagreed with {assessment.initiative.title} on {department.name}: "
        f"{hours} h/week.{comment}",
        link=department.get_absolute_url() + f"#assessment-row-{assessment.pk}",
        subject=f"{who} disagrees: {assessment.initiative.title} on {department.name}",
    )


def budget_proposed(proposal: BudgetProposal) -> int:
    department = proposal.department
    by = proposal.proposed_by
    who = (by.get_full_name() or by.get_username()) if by is not None else "Someone"
    hours = f"{proposal.hours.normalize():f}"
    people = head_of(department) if proposal.from_security_team else security_team()
    return tell(
        people,
        NoticeKind.BUDGET,
        key=f"budget-{proposal.pk}",
        text=f"{who} proposes a friction budget of {hours} h/week for {department.name}.",
        link=department.get_absolute_url() + "#friction-budget",
        subject=f"Friction budget for {department.name}: {hours} h/week proposed",
    )


def to_confirm(department: Department, *, key: str, title: str, link: str) -> int:
    """A commitment to `department` was delivered: its head confirms whether it helped."""
    return tell(
        head_of(department),
        NoticeKind.COMMITMENT,
        key=key,
        text=f"Delivered for {department.name}: {title}. Did it help?",
        link=link,
        subject=f"Delivered: {title}",
    )


def request_made(department: Department, *, key: str, who: str, need: str, link: str) -> int:
    """A department asked the security team for tools, resources or help."""
    return tell(
        security_team(),
        NoticeKind.REQUEST,
        key=key,
        text=f"{who} ({department.name}) asks: {need}",
        link=link,
        subject=f"{department.name} asks: {need}",
    )


# --- The weekly digest and the sweep --------------------------------------------------------


def queue_digests() -> int:
    """One email per person with notices waiting for their digest (Mondays); each notice
    goes into exactly one digest (locked, then claimed by a conditional update)."""
    queued = 0
    with transaction.atomic():
        waiting = (
            Notice.objects.select_for_update()
            .filter(delivery=Delivery.DIGEST, email__isnull=True, user__is_active=True)
            .select_related("user")
            .order_by("user_id", "created_at", "pk")
        )
        by_person: dict[int, list[Notice]] = defaultdict(list)
        for notice in waiting:
            by_person[notice.user_id].append(notice)
        for notices in by_person.values():
            person = notices[0].user
            subject = (
                "This week: 1 thing awaits you"
                if len(notices) == 1
                else f"This week: {len(notices)} things await you"
            )
            _email(person, notices, subject=subject, digest=True)
            queued += 1
    if queued:
        outbox.sweep_soon()
    return queued


def notice_email(row: NoticeEmail, now: dt.datetime) -> EmailMessage | str:
    """The outbox's builder: the stored email, unless its person left meanwhile."""
    person = row.recipient_user
    if person is None or not person.is_active:
        return OutboxStatus.SKIPPED
    return row.as_email()
