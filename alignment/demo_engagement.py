"""The demo's stakeholder engagement map: a year of readings that tells a story at first sight.

- the champion: Marcus Bell (Sales), supportive from the start, leading since the trust
  centre saved his team days per deal;
- the sceptic: Olivia Grant (Finance), resistant all year since vendor reviews slowed her
  purchases; she missed a one-on-one;
- the leader who moved: Priya Raman (Infrastructure), resistant over the change-approval
  gate, won over by the pre-approved standard changes at her latest one-on-one;
- a flag on the dashboard: Tom Becker, Infrastructure's SRE lead, influential and drifting,
  whose one-on-ones only start next week.

Called by `seed_demo` after the meetings (a reading may come from a held one-on-one) and
the assessments (or from a head's answer). Runs once: when any reading exists, nothing is
added, so a re-run, on any day, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils import timezone

from alignment.meetings.models import MeetingKind, Occurrence
from alignment.models import (
    Engagement,
    ImpactAssessment,
    ReadingSource,
    StakeholderReading,
    StakeLevel,
)
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

U, R, N, S, L = (
    Engagement.UNAWARE,
    Engagement.RESISTANT,
    Engagement.NEUTRAL,
    Engagement.SUPPORTIVE,
    Engagement.LEADING,
)
LOW, MEDIUM, HIGH = StakeLevel.LOW, StakeLevel.MEDIUM, StakeLevel.HIGH
LATEST_ONE_ON_ONE = "latest one-on-one"

# One row per reading, laid out by hand (see departments/demo.py).
# fmt: off

# (username, days ago, now, wanted, influence, interest, note, source): the source is the
# title of an initiative whose assessment the head answered, LATEST_ONE_ON_ONE (the leader's
# latest held one-on-one, which then dates the reading), or "" for other.
READINGS: tuple[tuple[str, int, int, int, int, int, str, str], ...] = (
    ("head-sales", 350, S, L, HIGH, HIGH, "Wants SOC 2 for the enterprise pipeline.", ""),
    ("head-sales", 200, S, L, HIGH, HIGH, "Hardware keys for the field team: asked, not demanded.",
     "Roll out SSO + MFA"),
    ("head-sales", 60, L, L, HIGH, HIGH, "Presents the trust centre to customers himself.",
     "Customer trust centre"),
    ("head-finance", 340, N, S, HIGH, LOW, "Sees security as IT's business.", ""),
    ("head-finance", 240, R, S, HIGH, LOW, "Vendor reviews add a week to every purchase.",
     "Vendor risk reviews"),
    ("head-finance", 120, R, S, HIGH, MEDIUM, "Still resistant; asked for a lighter review.", ""),
    ("head-finance", 0, R, S, HIGH, MEDIUM, "Missed our one-on-one; the budget talk is next.",
     LATEST_ONE_ON_ONE),
    ("head-infrastructure", 330, R, L, HIGH, HIGH, "The change gate costs eight hours a week.",
     "Change-approval gate"),
    ("head-infrastructure", 180, N, L, HIGH, HIGH, "Agreed to trial pre-approved changes.", ""),
    ("head-infrastructure", 0, S, L, HIGH, HIGH, "Standard changes flow; she now sponsors SSO.",
     LATEST_ONE_ON_ONE),
    ("head-product", 300, U, S, MEDIUM, MEDIUM, "Had not heard of the programme.", ""),
    ("head-product", 90, N, S, MEDIUM, HIGH, "Interested once EDR stopped slowing builds.", ""),
    ("head-human-resources", 280, N, S, LOW, MEDIUM, "Busy with hiring.", ""),
    ("head-human-resources", 45, S, S, LOW, HIGH, "Phishing training: short and useful.",
     "Phishing simulation"),
    ("head-legal", 250, S, S, MEDIUM, HIGH, "SOC 2 helps her contract answers.", ""),
    ("sre-lead", 300, U, S, HIGH, MEDIUM, "Runs on-call; never met the security team.", ""),
    ("sre-lead", 75, R, S, HIGH, MEDIUM, "Blames the change gate for a slow hotfix.", ""),
    ("sales-ops", 150, N, S, MEDIUM, MEDIUM, "Owns the CRM; open to SSO.", ""),
)

# fmt: on


def _latest_one_on_one(leader: User, now: dt.datetime) -> Occurrence | None:
    """The leader's latest held one-on-one (the seeded meetings record attendance)."""
    held = Occurrence.objects.held(now=now).filter(
        series__kind=MeetingKind.ONE_ON_ONE, series__leader=leader
    )
    return held.order_by("-end").first()


def _answer(leader: User, initiative: str) -> ImpactAssessment | None:
    return ImpactAssessment.objects.filter(
        department__head=leader, initiative__title=initiative
    ).first()


def seed_engagement(users: Mapping[str, User], *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if StakeholderReading.objects.exists():
        return
    ciso = users["ciso"]
    for username, days_ago, current, desired, influence, interest, note, source in READINGS:
        leader = users.get(username)
        if leader is None:  # pragma: no cover - the demo organisation has them all
            continue
        reading = StakeholderReading(
            leader=leader,
            department=Department.objects.filter(head=leader).first()
            or Department.objects.filter(key_leaders=leader).first(),
            current_engagement=current,
            desired_engagement=desired,
            influence=influence,
            interest=interest,
            note=note,
            recorded_at=now - dt.timedelta(days=days_ago, hours=1),
            recorded_by=ciso,
        )
        if source == LATEST_ONE_ON_ONE:
            reading.occurrence = _latest_one_on_one(leader, now)
            if reading.occurrence is not None:
                reading.source = ReadingSource.MEETING
                reading.recorded_at = min(reading.occurrence.end, now)
        elif source:
            reading.assessment = _answer(leader, source)
            if reading.assessment is not None:
                reading.source = ReadingSource.ASSESSMENT
        reading.save()
