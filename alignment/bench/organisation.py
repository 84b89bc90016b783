"""An organisation `scale` times the demo's size, built with bulk inserts (`make bench`).

At 1× it has the demo's proportions: 6 departments, 25 goals with six check-ins each,
12 initiatives, 100 links, 5 assessments per department, a monthly one-on-one per
department (34 meetings each, a few moved or cancelled) and a joint meeting, and 5
business cases with their lines. At 100× that is 600 departments, 2,500 goals, 1,200
initiatives, 10,000 links, 20,401 meetings and 500 cases, as the large customer has.

Everything goes in with `bulk_create` in batches, so signals do not run: nothing here
sends an email or queues a task. Rows are built from their index alone, so the same
scale always gives the same organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from alignment.meetings.models import (
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
)
from alignment.meetings.models.profiles import UserProfile
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from alignment.models.impact import Agreement
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CaseStatus,
    CostCategory,
    CostLine,
    Recurrence,
    RiskScenario,
)
from departments.models import CheckIn, Department, Goal, GoalCategory, GoalStatus
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from objectives.models import Initiative, InitiativeStatus, Pillar, SecurityObjective

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BATCH = 2000
MEETINGS_PER_DEPARTMENT = 34
RELATIONS = [Relation.SUPPORTS, Relation.NEUTRAL, Relation.CONFLICTS, Relation.SUPPORTS]
GOAL_STATUSES = [GoalStatus.ON_TRACK, GoalStatus.AT_RISK, GoalStatus.OFF_TRACK]
CASE_STATUSES = [
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
    CaseStatus.SUBMITTED,
]


@dataclass(frozen=True)
class Organisation:
    """What the benchmark requests pages about."""

    scale: int
    ciso: User
    head: User
    executive: User
    department: Department
    goal: Goal
    objective: SecurityObjective
    initiative: Initiative
    case: BusinessCase
    series: MeetingSeries
    occurrence: Occurrence
    counts: dict[str, int]


def sizes(scale: int) -> dict[str, int]:
    return {
        "departments": 6 * scale,
        "goals": 25 * scale,
        "objectives": max(6, scale // 2),
        "initiatives": 12 * scale,
        "links": 100 * scale,
        "cases": 5 * scale,
    }


@transaction.atomic
def build(scale: int) -> Organisation:
    """An organisation of `scale` × the demo in an empty database."""
    size = sizes(scale)
    today = timezone.localdate()
    users = get_user_model()
    ciso = users.objects.create_user("bench-ciso", first_name="Casey", last_name="Iso")
    ciso.groups.add(Group.objects.get_or_create(name=SECURITY_GROUP)[0])
    executive = users.objects.create_user("bench-exec", first_name="Ezra", last_name="Board")
    executive.groups.add(Group.objects.get_or_create(name=EXECUTIVE_GROUP)[0])
    heads = users.objects.bulk_create(
        [
            users(username=f"head-{d}", first_name="Head", last_name=f"Number {d}", password="!")
            for d in range(size["departments"])
        ],
        batch_size=BATCH,
    )
    departments = Department.objects.bulk_create(
        [
            Department(
                name=f"Department {d:04}",
                slug=f"department-{d:04}",
                head=heads[d],
                friction_budget_hours=Decimal(10),
            )
            for d in range(size["departments"])
        ],
        batch_size=BATCH,
    )
    goals = Goal.objects.bulk_create(
        [
            Goal(
                department=departments[g % len(departments)],
                title=f"Goal {g}",
                category=GoalCategory.AVAILABILITY,
                metric="monthly uptime",
                unit="%",
                baseline=Decimal(90),
                target=Decimal(100),
                current=Decimal(90 + g % 10),
                due_date=today + dt.timedelta(days=90 + g % 200),
                status=GOAL_STATUSES[g % 3],
                owner=heads[g % len(departments)],
            )
            for g in range(size["goals"])
        ],
        batch_size=BATCH,
    )
    CheckIn.objects.bulk_create(
        (
            CheckIn(
                goal=goal,
                date=today - dt.timedelta(days=14 * w),
                value=Decimal(90 + w),
                confidence=3,
            )
            for goal in goals
            for w in range(6)
        ),
        batch_size=BATCH,
    )
    objectives = SecurityObjective.objects.bulk_create(
        [
            SecurityObjective(title=f"Objective {o}", pillar=Pillar.TECHNOLOGY, owner=ciso)
            for o in range(size["objectives"])
        ]
    )
    initiatives = Initiative.objects.bulk_create(
        [
            Initiative(
                objective=objectives[i % len(objectives)],
                title=f"Initiative {i}",
                status=InitiativeStatus.IN_PROGRESS,
                start_date=today,
                end_date=today + dt.timedelta(days=180),
                budget=Decimal(25000),
                owner=ciso,
            )
            for i in range(size["initiatives"])
        ],
        batch_size=BATCH,
    )
    links = _links(goals, initiatives, size["links"])
    assessments = _assessments(departments, initiatives, ciso)
    series, occurrence = _meetings(departments, ciso, today)
    cases = _cases(initiatives, departments, ciso, size["cases"])
    UserProfile.objects.bulk_create([UserProfile(user=ciso), UserProfile(user=heads[0])])
    return Organisation(
        scale=scale,
        ciso=ciso,
        head=heads[0],
        executive=executive,
        department=departments[0],
        goal=goals[0],
        objective=objectives[0],
        initiative=initiatives[0],
        case=cases[0],
        series=series,
        occurrence=occurrence,
        counts={
            "departments": len(departments),
            "goals": len(goals),
            "initiatives": len(initiatives),
            "links": links,
            "assessments": assessments,
            "meetings": Occurrence.objects.count(),
            "cases": len(cases),
        },
    )


def _links(goals: list[Goal], initiatives: list[Initiative], count: int) -> int:
    """`count` links, four per goal at most, each pair once; a conflict in four mitigated."""
    per_goal = -(-count // len(goals))
    made = AlignmentLink.objects.bulk_create(
        (
            AlignmentLink(
                goal=goal,
                initiative=initiatives[(n * 7 + k * 3) % len(initiatives)],
                relation=RELATIONS[(n + k) % 4],
                rationale=f"Why {n}-{k}",
                mitigation="Staggered roll-out" if (n + k) % 8 == 2 else "",
            )
            for n, goal in enumerate(goals)
            for k in range(per_goal)
            if n * per_goal + k < count
        ),
        batch_size=BATCH,
    )
    return len(made)


def _assessments(departments: list[Department], initiatives: list[Initiative], ciso: User) -> int:
    agreements = [Agreement.AGREED, Agreement.PENDING, Agreement.DISAGREED]
    made = ImpactAssessment.objects.bulk_create(
        (
            ImpactAssessment(
                initiative=initiatives[(d + k * 5) % len(initiatives)],
                department=department,
                hours_per_week=Decimal(1 + k),
                people_affected=10,
                head_agreement=agreements[(d + k) % 3],
                assessed_by=ciso,
            )
            for d, department in enumerate(departments)
            for k in range(min(5, len(initiatives)))
        ),
        batch_size=BATCH,
    )
    return len(made)


def _meetings(
    departments: list[Department], ciso: User, today: dt.date
) -> tuple[MeetingSeries, Occurrence]:
    """A monthly one-on-one per department (every 17th moved, every 23rd cancelled) and
    one joint meeting of all heads."""
    first = today - dt.timedelta(days=28 * (MEETINGS_PER_DEPARTMENT // 2))
    series = MeetingSeries.objects.bulk_create(
        [
            MeetingSeries(
                kind=MeetingKind.ONE_ON_ONE,
                title=f"One-on-one: {department.name}",
                organiser=ciso,
                department=department,
                leader_id=department.head_id,
                rule="FREQ=WEEKLY;INTERVAL=4",
                start_date=first,
                start_time=dt.time(10, 0),
                time_zone="Europe/London",
                duration_minutes=30,
            )
            for department in departments
        ],
        batch_size=BATCH,
    )
    joint = MeetingSeries.objects.create(
        kind=MeetingKind.JOINT,
        title="Security steering",
        organiser=ciso,
        rule="FREQ=YEARLY;COUNT=1",
        start_date=today + dt.timedelta(days=7),
        start_time=dt.time(14, 0),
        time_zone="Europe/London",
        duration_minutes=60,
    )
    SeriesAttendee.objects.bulk_create(
        (
            SeriesAttendee(series=one, user_id=user_id)
            for one, department in zip(series, departments, strict=True)
            for user_id in (ciso.pk, department.head_id)
        ),
        batch_size=BATCH,
    )
    SeriesAttendee.objects.bulk_create(
        [SeriesAttendee(series=joint, user_id=d.head_id) for d in departments[:50]]
        + [SeriesAttendee(series=joint, user=ciso)]
    )
    start = dt.datetime.combine(first, dt.time(10, 0), tzinfo=dt.UTC)
    occurrences = (
        _occurrence(one, start + dt.timedelta(days=28 * m), n * MEETINGS_PER_DEPARTMENT + m)
        for n, one in enumerate(series)
        for m in range(MEETINGS_PER_DEPARTMENT)
    )
    Occurrence.objects.bulk_create(occurrences, batch_size=BATCH)
    joint_start = dt.datetime.combine(joint.start_date, dt.time(14, 0), tzinfo=dt.UTC)
    Occurrence.objects.create(
        series=joint,
        original_start=joint_start,
        start=joint_start,
        end=joint_start + dt.timedelta(hours=1),
    )
    meetings = Occurrence.objects.filter(series=series[0])
    upcoming = meetings.filter(start__gte=timezone.now()).first()
    return series[0], upcoming or meetings.get(original_start=start)


def _occurrence(series: MeetingSeries, start: dt.datetime, n: int) -> Occurrence:
    moved = n % 17 == 5
    actual = start + dt.timedelta(hours=2) if moved else start
    return Occurrence(
        series=series,
        original_start=start,
        start=actual,
        end=actual + dt.timedelta(minutes=30),
        overridden=moved,
        status=OccurrenceStatus.CANCELLED if n % 23 == 7 else OccurrenceStatus.SCHEDULED,
        agenda={"items": [{"title": f"Item {k}", "notes": "x" * 80} for k in range(6)]},
    )


def _cases(
    initiatives: list[Initiative], departments: list[Department], ciso: User, count: int
) -> list[BusinessCase]:
    cases = BusinessCase.objects.bulk_create(
        [
            BusinessCase(
                initiative=initiatives[c % len(initiatives)],
                title=f"Business case {c}",
                summary="Cut account takeovers.",
                horizon_years=3,
                discount_rate=Decimal("8.00"),
                status=CASE_STATUSES[c % len(CASE_STATUSES)],
                author=ciso,
            )
            for c in range(count)
        ],
        batch_size=BATCH,
    )
    CostLine.objects.bulk_create(
        (
            line
            for n, case in enumerate(cases)
            for line in (
                CostLine(
                    case=case,
                    description="Licences",
                    category=CostCategory.LICENCES,
                    recurrence=Recurrence.YEARLY,
                    amount=Decimal(12000 + n % 7 * 1000),
                ),
                CostLine(
                    case=case,
                    description="Roll-out",
                    category=CostCategory.SERVICES,
                    recurrence=Recurrence.ONE_OFF,
                    amount=Decimal(20000),
                ),
                CostLine(
                    case=case,
                    description=f"Time of {departments[n % len(departments)].name}",
                    category=CostCategory.PEOPLE_TIME,
                    recurrence=Recurrence.YEARLY,
                    amount=Decimal(4160),
                    source_department=departments[n % len(departments)],
                    hours_per_week=Decimal(2),
                    hourly_rate=Decimal(40),
                ),
            )
        ),
        batch_size=BATCH,
    )
    RiskScenario.objects.bulk_create(
        (
            RiskScenario(
                case=case,
                name="Account takeover",
                affects_confidentiality=True,
                sle=Decimal(200000),
                sle_low=Decimal(50000),
                sle_high=Decimal(600000),
                aro_before=Decimal("0.300"),
                aro_after=Decimal("0.050"),
            )
            for case in cases
        ),
        batch_size=BATCH,
    )
    BenefitLine.objects.bulk_create(
        (BenefitLine(case=case, description="Audit hours saved", yearly_amount=Decimal(2000)))
        for case in cases
    )
    return cases
