"""The demo's support commitments and requests from the business.

Called by `seed_demo` after the assessments, links and meetings exist: commitments in
every state (one confirmed helpful, one confirmed not helpful, one overdue, one dropped
with its reason, one delivered and awaiting the head's word), from each kind of source,
and two requests from Infrastructure (one open, one accepted and now a commitment).
Like the rest of the demo, each row is looked up by its natural key (department and
title, department and need) and created only when missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from alignment.meetings.models import MeetingKind, Occurrence
from alignment.models import AlignmentLink, ImpactAssessment
from alignment.models.commitments import (
    Commitment,
    CommitmentStatus,
    HeadVerdict,
    RequestStatus,
    SupportRequest,
)
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One row per record, laid out by hand (see departments/demo.py).
# fmt: off

# (department, title, source as (kind, key), owner, due in days, status, extra)
# kind: "assessment" (initiative title), "link" (goal title), "meeting" (one-on-one) or "".
COMMITMENTS: tuple[tuple[str, str, tuple[str, str], str, int, str, dict[str, Any]], ...] = (
    ("sales", "Hardware keys for the field team", ("assessment", "Roll out SSO + MFA"),
     "security-analyst", -20, "delivered",
     {"verdict": "helped", "verdict_comment": "Logins on the road take seconds now."}),
    ("infrastructure", "Break-glass access tested at 3 am", ("assessment", "Roll out SSO + MFA"),
     "ciso", -12, "delivered",
     {"verdict": "did_not_help",
      "verdict_comment": "The runbook is good, but the night test failed twice: try again."}),
    ("infrastructure", "Pre-approved standard changes for routine deploys",
     ("link", "p95 deploy time under 15 min"), "ciso", 14, "in_progress", {}),
    ("product", "Build-folder exclusions for EDR", ("assessment", "EDR on all laptops"),
     "security-analyst", -10, "planned", {}),
    ("finance", "Access reviews moved out of the close week",
     ("link", "Close the books in 5 days"), "security-analyst", 45, "planned", {}),
    ("sales", "DLP pilot with the field team", ("assessment", "DLP for customer data"),
     "security-analyst", 30, "dropped",
     {"drop_reason": "The CRM vendor's built-in DLP covers it; no separate rollout needed."}),
    ("infrastructure", "Secrets manager onboarding sessions", ("assessment", "Secrets manager"),
     "security-analyst", -3, "delivered", {}),
    ("infrastructure", "Threat briefing for the platform leads", ("meeting", "infrastructure"),
     "ciso", 21, "planned", {}),
)

OPEN_REQUEST = ("infrastructure", "We need a vault for the deploy pipeline: secrets still live "
                "in CI variables.", 45)
ACCEPTED_REQUEST = ("infrastructure", "Training for on-call on the new access flow, before "
                    "the SSO cut-over.", 30, "On-call training on the new access flow")

# fmt: on


def seed_commitments(*, users: Mapping[str, User], today: dt.date) -> None:
    departments = {d.slug: d for d in Department.objects.select_related("head")}
    now = timezone.now()
    for slug, title, source, owner, due, status, extra in COMMITMENTS:
        department = departments[slug]
        fields: dict[str, Any] = {
            "owner": users.get(owner),
            "due_date": today + dt.timedelta(days=due),
            "status": status,
            "created_by": users.get("ciso"),
            **extra,
        }
        if status == CommitmentStatus.DELIVERED:
            fields["delivered_at"] = now - dt.timedelta(days=max(1, -due))
        if fields.get("verdict", HeadVerdict.PENDING) != HeadVerdict.PENDING:
            fields["confirmed_by"], fields["confirmed_at"] = department.head, now
        found = _source(department, *source)
        if found is not None:
            fields[source[0] if source[0] != "meeting" else "occurrence"] = found
        Commitment.objects.get_or_create(department=department, title=title, defaults=fields)
    _seed_requests(departments, users=users, today=today)


def _source(department: Department, kind: str, key: str) -> Model | None:
    if kind == "assessment":
        return ImpactAssessment.objects.filter(department=department, initiative__title=key).first()
    if kind == "link":
        return AlignmentLink.objects.filter(goal__department=department, goal__title=key).first()
    if kind == "meeting":
        held = Occurrence.objects.filter(
            series__kind=MeetingKind.ONE_ON_ONE,
            series__department=department,
            start__lt=timezone.now(),
        )
        return held.order_by("-start").first()
    return None


def _seed_requests(
    departments: Mapping[str, Department], *, users: Mapping[str, User], today: dt.date
) -> None:
    slug, need, due = OPEN_REQUEST
    department = departments[slug]
    SupportRequest.objects.get_or_create(
        department=department,
        need=need,
        defaults={"due_date": today + dt.timedelta(days=due), "requested_by": department.head},
    )
    slug, need, due, title = ACCEPTED_REQUEST
    department = departments[slug]
    ciso = users.get("ciso")
    accepted, _ = SupportRequest.objects.get_or_create(
        department=department,
        need=need,
        defaults={
            "due_date": today + dt.timedelta(days=due),
            "requested_by": department.head,
            "status": RequestStatus.ACCEPTED,
            "answered_by": ciso,
            "answered_at": timezone.now(),
        },
    )
    Commitment.objects.get_or_create(
        request=accepted,
        defaults={
            "department": department,
            "title": title,
            "owner": users.get("security-analyst"),
            "due_date": today + dt.timedelta(days=due),
            "status": CommitmentStatus.IN_PROGRESS,
            "created_by": ciso,
        },
    )
