"""An organisation that grows by whole units, built with bulk_create (fast at 10×), for the
heatmap's, the dashboard's and the matrix's scale tests.

One unit: 6 departments with 4 goals each, 5 objectives with 12 initiatives, 96 links
(supports, neutral, conflicts mitigated or not), 12 impact assessments; and 4 links to the
goals of each department given (4 goals made the first time), the one whose pages a test
reads as its head: its goals stay few, the initiatives touching it grow, as at 100×.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment.models import AlignmentLink, ImpactAssessment, Relation
from departments.models import Department, Goal, GoalStatus
from objectives.models import Initiative, SecurityObjective
from tests import factories

RELATIONS = [Relation.SUPPORTS, Relation.CONFLICTS, Relation.NEUTRAL, Relation.SUPPORTS]
_units = itertools.count(1)


def grow(times: int, *, also: tuple[Department, ...] = ()) -> None:
    """Add `times` units to the organisation (see the module's docstring)."""
    for _ in range(times):
        unit = next(_units)
        departments = Department.objects.bulk_create(
            factories.DepartmentFactory.build(name=f"Unit {unit} dept {i}", slug=f"u{unit}-d{i}")
            for i in range(6)
        )
        objectives = SecurityObjective.objects.bulk_create(
            factories.ObjectiveFactory.build(title=f"Unit {unit} objective {i}") for i in range(5)
        )
        initiatives = Initiative.objects.bulk_create(
            factories.InitiativeFactory.build(
                objective=objectives[i % 5], title=f"Unit {unit} initiative {i}"
            )
            for i in range(12)
        )
        goals = Goal.objects.bulk_create(
            factories.GoalFactory.build(
                department=departments[i % 6],
                title=f"Unit {unit} goal {i}",
                status=GoalStatus.AT_RISK if i % 5 == 0 else GoalStatus.ON_TRACK,
            )
            for i in range(24)
        )
        # Goal g gets the initiatives g, g+1, g+2 and g+3 (mod 12): 96 distinct pairs.
        links = [
            AlignmentLink(
                initiative=initiatives[(i % 24 + i // 24) % 12],
                goal=goals[i % 24],
                relation=RELATIONS[i % 4],
                rationale="Why, in one line.",
                mitigation="Fast lane" if i % 8 == 5 else "",
            )
            for i in range(96)
        ]
        for department in also:
            own = list(Goal.objects.filter(department=department).order_by("pk")[:4])
            if not own:
                own = Goal.objects.bulk_create(
                    factories.GoalFactory.build(department=department, title=f"Own goal {i}")
                    for i in range(4)
                )
            links += [
                AlignmentLink(
                    initiative=initiatives[i], goal=own[i % len(own)], relation=RELATIONS[i % 4]
                )
                for i in range(4)
            ]
        AlignmentLink.objects.bulk_create(links)
        ImpactAssessment.objects.bulk_create(
            factories.AssessmentFactory.build(
                initiative=initiatives[i],
                department=departments[i % 6],
                hours_per_week=Decimal(i + 1),
            )
            for i in range(12)
        )


def measure(client: Any, url: str, **headers: str) -> tuple[int, int]:
    """(queries, bytes of HTML) of one GET, which must succeed."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), len(response.content)
