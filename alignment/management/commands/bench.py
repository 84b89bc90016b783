"""`make bench`: how fast the main pages are on a larger organisation, and how much memory.

Builds a throwaway test database (never touches var/db.sqlite3 or the configured
database's data), fills it with an organisation of the given size, then requests each
page several times through Django's test client as the CISO and prints the median and
worst time, the number of queries and the peak Python memory per request.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from alignment.models import AlignmentLink, ImpactAssessment, Relation
from departments.models import CheckIn, Department, Goal
from departments.roles import SECURITY_GROUP
from objectives.models import Initiative, SecurityObjective

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RELATIONS = [Relation.SUPPORTS, Relation.NEUTRAL, Relation.CONFLICTS, Relation.SUPPORTS]


class Command(BaseCommand):
    help = "Time the main pages on a generated organisation (throwaway database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--departments", type=int, default=20)
        parser.add_argument("--goals", type=int, default=25, help="goals per department")
        parser.add_argument("--initiatives", type=int, default=60)
        parser.add_argument("--repeat", type=int, default=15)

    def handle(self, *args: Any, **options: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            user = self.build(options)
            client = Client()
            client.force_login(user)
            self.measure(client, self.urls(), options["repeat"])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    @transaction.atomic
    def build(self, options: dict[str, Any]) -> User:
        started = time.perf_counter()
        user = get_user_model().objects.create_user("bench-ciso", password="x")
        user.groups.add(Group.objects.get_or_create(name=SECURITY_GROUP)[0])
        initiatives = _programme(options["initiatives"])
        departments, goals = _departments(options["departments"], options["goals"])
        _alignment(initiatives, departments, goals)
        self.department = departments[0]
        self.goal = goals[0]
        self.initiative = initiatives[0]
        self.stdout.write(
            f"organisation: {len(departments)} departments, {len(goals)} goals, "
            f"{len(initiatives)} initiatives, {AlignmentLink.objects.count()} links "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        return user

    def urls(self) -> list[tuple[str, str]]:
        return [
            ("dashboard", reverse("home")),
            ("department page", self.department.get_absolute_url()),
            ("goal list", reverse("departments:goal-list")),
            ("goal detail", self.goal.get_absolute_url()),
            ("initiative list", reverse("objectives:initiative-list")),
            ("initiative detail", self.initiative.get_absolute_url()),
            ("alignment matrix", reverse("alignment:matrix", args=[self.department.slug])),
            ("heatmap", reverse("alignment:heatmap")),
            ("meetings", reverse("alignment:meeting-list")),
            ("business cases", reverse("business_cases:case-list")),
        ]

    def measure(self, client: Client, urls: list[tuple[str, str]], repeat: int) -> None:
        self.stdout.write(
            f"{'page':<20} {'median ms':>10} {'max ms':>8} {'queries':>8} {'peak KiB':>9}"
        )
        for label, url in urls:
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as queries:
                tracemalloc.start()
                client.get(url)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            self.stdout.write(
                f"{label:<20} {statistics.median(timings):>10.1f} {max(timings):>8.1f} "
                f"{len(queries):>8} {peak / 1024:>9.0f}"
            )


def _programme(count: int) -> list[Initiative]:
    """Six objectives and `count` initiatives spread over them."""
    objectives = [
        SecurityObjective.objects.create(title=f"Objective {i}", pillar="technology")
        for i in range(6)
    ]
    return Initiative.objects.bulk_create(
        Initiative(objective=objectives[i % 6], title=f"Initiative {i}", budget=Decimal(1000))
        for i in range(count)
    )


def _departments(count: int, goals_each: int) -> tuple[list[Department], list[Goal]]:
    """`count` departments with `goals_each` goals, each goal with six check-ins."""
    today = timezone.localdate()
    departments = Department.objects.bulk_create(
        Department(name=f"Department {d}", slug=f"department-{d}", friction_budget_hours=10)
        for d in range(count)
    )
    goals = Goal.objects.bulk_create(
        Goal(
            department=department,
            title=f"Goal {g} of {department.name}",
            category="availability",
            metric="uptime",
            baseline=Decimal(90),
            target=Decimal(100),
            current=Decimal(95),
            due_date=today,
            status=["on_track", "at_risk", "off_track"][g % 3],
        )
        for department in departments
        for g in range(goals_each)
    )
    CheckIn.objects.bulk_create(
        CheckIn(goal=goal, date=today, value=Decimal(90 + w), confidence=3)
        for goal in goals
        for w in range(6)
    )
    return departments, goals


def _alignment(
    initiatives: list[Initiative], departments: list[Department], goals: list[Goal]
) -> None:
    """Two links per goal, relations in turn, and five assessments per department."""
    AlignmentLink.objects.bulk_create(
        AlignmentLink(
            goal=goal,
            initiative=initiatives[(n * 7 + k) % len(initiatives)],
            relation=RELATIONS[(n + k) % 4],
            rationale="bench",
        )
        for n, goal in enumerate(goals)
        for k in range(2)
    )
    ImpactAssessment.objects.bulk_create(
        ImpactAssessment(initiative=initiative, department=department, hours_per_week=2)
        for department in departments
        for initiative in initiatives[:5]
    )
