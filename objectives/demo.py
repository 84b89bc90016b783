"""The demo's security programme: the CISO's objectives and their initiatives.

Called by `seed_demo` after departments/demo.py made the people; like the rest of the demo,
every row is looked up by its natural key and created only when missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from departments.demo import days, decimal, morning
from objectives.models import Initiative, Measure, Sample, SampleSource, SecurityObjective
from objectives.models.measures import period_start

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from departments.models import Goal

# One row per record, laid out by hand (see departments/demo.py).
# fmt: off

# key: (title, pillar, confidentiality, integrity, availability, description)
OBJECTIVES = {
    "business": ("Security as a business goal", "risk", True, True, True,
                 "Protect revenue and customer trust: win the deals that need proof of security."),
    "efficiency": ("Efficiency", "policy", False, False, True,
                   "Security must not slow the business down: controls fit the way teams work."),
    "identity": ("Know who has access to what", "technology", True, True, False,
                 "One identity per person, strong authentication, access that fits the job."),
    "incident": ("Be ready for the bad day", "incident", False, True, True,
                 "Detect, contain and recover from incidents before customers notice."),
    "soc2": ("Pass SOC 2 Type II and keep it", "compliance", True, True, True,
             "Controls that an auditor can test and a customer can rely on."),
}

# key: (why the business should care, the department goals it protects or enables)
BUSINESS_VALUE = {
    "business": ("Enterprise buyers ask for proof of security before they sign: every "
                 "questionnaire answered fast and well is a deal that closes sooner.",
                 ("Triple annual revenue", "Close 40 enterprise deals",
                  "Questionnaires answered in 3 days")),
    "efficiency": ("Every hour security adds to a team's week is an hour not spent on its "
                   "own goals: controls must fit the way people already work.",
                   ("p95 deploy time under 15 min", "Release every week")),
    "identity": ("One login per person keeps customer data with the people who need it, "
                 "and makes joining and leaving a one-step job.",
                 ("Close the books in 5 days",)),
    "incident": ("Customers stay when an incident is contained in minutes, not days: "
                 "uptime and recovery time are what they see of security.",
                 ("99.95 % uptime", "MTTR under 30 min")),
    "soc2": ("A SOC 2 report answers most enterprise questionnaires at once and keeps the "
             "external audit clean.",
             ("Clean external audit", "Questionnaires answered in 3 days")),
}

# (objective key, title, owner, status, starts in days, lasts days, budget)
INITIATIVES = (
    ("identity", "Roll out SSO + MFA", "ciso", "in_progress", -90, 180, 48000),
    ("identity", "Quarterly access reviews", "security-analyst", "in_progress", -60, 365, 6000),
    ("identity", "Secrets manager", "security-analyst", "planned", 30, 120, 22000),
    ("incident", "EDR on all laptops", "ciso", "in_progress", -45, 120, 65000),
    ("incident", "Backup restore tests", "security-analyst", "in_progress", -30, 330, 4000),
    ("incident", "Phishing simulation", "security-analyst", "done", -200, 180, 9000),
    ("soc2", "SOC 2 readiness", "ciso", "in_progress", -120, 270, 90000),
    ("soc2", "Vendor risk reviews", "security-analyst", "planned", 14, 200, 12000),
    ("business", "DLP for customer data", "ciso", "proposed", 60, 180, 55000),
    ("business", "Customer trust centre", "security-analyst", "in_progress", -20, 90, 8000),
    ("efficiency", "Change-approval gate", "ciso", "in_progress", -75, 150, 15000),
    ("efficiency", "Self-service access requests", "security-analyst", "planned", 20, 100, 18000),
)

# (objective key, title, unit, direction, baseline, target, amber, red, cadence,
#  computation, goals it serves, monthly values oldest first — typed-in measures only)
MEASURES = (
    ("identity", "Staff on SSO with MFA", "%", "higher", 20, 98, 90, 70, "monthly", "",
     ("Close the books in 5 days",), (22, 31, 44, 52, 61, 70, 76, 83, 88)),
    ("incident", "Laptops with EDR", "%", "higher", 35, 98, 90, 75, "monthly", "",
     ("99.95 % uptime", "MTTR under 30 min"), (35, 41, 55, 63, 72, 80, 86, 91, 94)),
    ("incident", "Mean time to contain a P1", "h", "lower", 30, 4, 8, 16, "monthly", "",
     ("MTTR under 30 min",), (30, 26, 21, 18, 14, 12, 9, 8, 7)),
    ("business", "Questionnaire turnaround", "days", "lower", 12, 3, 5, 8, "monthly", "",
     ("Questionnaires answered in 3 days",), (12, 12, 11, 10, 9, 9, 8, 7, 7)),
    ("efficiency", "Added hours against friction budgets", "%", "lower", 120, 80, 100, 120,
     "monthly", "friction_share", ("Release every week",), ()),
    ("business", "Goal coverage", "%", "higher", 40, 80, 70, 50, "monthly", "goal_coverage",
     ("Triple annual revenue",), ()),
)

# fmt: on


def seed_programme(
    *, users: Mapping[str, User], goals: Mapping[str, Goal], today: dt.date
) -> dict[str, Initiative]:
    """The objectives (owned by the CISO, in the order above, each with why the business
    should care and the goals it serves) and their initiatives, returned by title.

    `users` are the demo's people by username: "ciso" and the initiatives' owners;
    `goals` the department goals by title.
    """
    objectives = {}
    for position, (key, spec) in enumerate(OBJECTIVES.items()):
        title, pillar, conf, integ, avail, description = spec
        value, served = BUSINESS_VALUE[key]
        objectives[key], created = SecurityObjective.objects.get_or_create(
            title=title,
            defaults={
                "pillar": pillar,
                "protects_confidentiality": conf,
                "protects_integrity": integ,
                "protects_availability": avail,
                "description": description,
                "business_value": value,
                "position": position,
                "owner": users["ciso"],
            },
        )
        if created:
            objectives[key].business_goals.set([goals[t] for t in served if t in goals])
    seed_measures(objectives=objectives, users=users, goals=goals, today=today)
    initiatives = {}
    for key, title, owner, status, starts_in, lasts, budget in INITIATIVES:
        start = today + days(starts_in)
        initiatives[title], created = Initiative.objects.get_or_create(
            objective=objectives[key],
            title=title,
            defaults={
                "owner": users[owner],
                "status": status,
                "start_date": start,
                "end_date": start + days(lasts),
                "budget": decimal(budget),
            },
        )
        if created:  # planned two months before it starts (or ago), by its owner
            Initiative.history.filter(id=initiatives[title].pk).update(
                history_date=morning(min(start, today) - days(60)), history_user=users[owner]
            )
    return initiatives


def seed_measures(
    *,
    objectives: Mapping[str, SecurityObjective],
    users: Mapping[str, User],
    goals: Mapping[str, Goal],
    today: dt.date,
) -> None:
    """Measures with nine months of typed-in samples (the last this month), and computed
    ones whose samples seed_demo asks the app to take."""
    for (
        key,
        title,
        unit,
        direction,
        base,
        target,
        amber,
        red,
        cadence,
        computation,
        served,
        values,
    ) in MEASURES:
        measure, created = Measure.objects.get_or_create(
            objective=objectives[key],
            title=title,
            defaults={
                "unit": unit,
                "direction": direction,
                "baseline": decimal(base),
                "target": decimal(target),
                "amber": decimal(amber),
                "red": decimal(red),
                "cadence": cadence,
                "computation": computation,
                "owner": users["ciso"],
            },
        )
        if not created:
            continue
        measure.goals.set([goals[t] for t in served if t in goals])
        month = today.replace(day=1)
        for back, value in enumerate(reversed(values)):
            first = _months_before(month, back)
            date = today if back == 0 else first + days(14)
            Sample.objects.create(
                measure=measure,
                date=date,
                period=period_start(date, cadence),
                value=decimal(value),
                source=SampleSource.MANUAL,
                author=users["ciso"],
            )


def _months_before(month: dt.date, back: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)
