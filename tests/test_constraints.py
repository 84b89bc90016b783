"""Integrity rules hold in the database itself, not only in forms.

These run on whatever database the run uses (SQLite by default, PostgreSQL under
REQUIRE_SERVICES=1; tests/integration/test_postgres.py insists on PostgreSQL there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from alignment.models import AlignmentLink, ImpactAssessment
from departments.models import CheckIn, Department
from objectives.models import Initiative
from tests import factories

pytestmark = pytest.mark.django_db


def assert_rejected(make: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_checkin_confidence_must_be_1_to_5() -> None:
    goal = factories.GoalFactory()
    for bad in (0, 6):
        assert_rejected(
            lambda bad=bad: CheckIn.objects.create(goal=goal, value=Decimal(1), confidence=bad)
        )
    CheckIn.objects.create(goal=goal, value=Decimal(1), confidence=5)


def test_initiative_end_cannot_precede_start() -> None:
    objective = factories.ObjectiveFactory()
    start = dt.date(2026, 6, 1)
    assert_rejected(
        lambda: Initiative.objects.create(
            objective=objective, title="x", start_date=start, end_date=start - dt.timedelta(days=1)
        )
    )
    Initiative.objects.create(objective=objective, title="ok", start_date=start, end_date=start)


def test_money_and_hours_cannot_be_negative() -> None:
    objective = factories.ObjectiveFactory()
    assert_rejected(
        lambda: Initiative.objects.create(objective=objective, title="x", budget=Decimal("-1"))
    )
    assert_rejected(
        lambda: Department.objects.create(
            name="Neg", slug="neg", friction_budget_hours=Decimal("-0.5")
        )
    )
    initiative = factories.InitiativeFactory()
    department = factories.DepartmentFactory()
    assert_rejected(
        lambda: ImpactAssessment.objects.create(
            initiative=initiative, department=department, hours_per_week=Decimal("-2")
        )
    )


def test_one_link_per_initiative_and_goal() -> None:
    link = factories.LinkFactory()
    assert_rejected(
        lambda: AlignmentLink.objects.create(
            initiative=link.initiative, goal=link.goal, relation="conflicts"
        )
    )


def test_one_assessment_per_initiative_and_department() -> None:
    assessment = factories.AssessmentFactory()
    assert_rejected(
        lambda: ImpactAssessment.objects.create(
            initiative=assessment.initiative,
            department=assessment.department,
            hours_per_week=Decimal("1"),
        )
    )


def test_choices_are_enforced_by_the_database() -> None:
    goal = factories.GoalFactory()
    initiative = factories.InitiativeFactory()
    assert_rejected(
        lambda: AlignmentLink.objects.create(initiative=initiative, goal=goal, relation="hates")
    )
    assert_rejected(lambda: factories.GoalFactory(status="sideways"))


def test_changes_are_kept_in_history() -> None:
    goal = factories.GoalFactory(title="Before")
    goal.title = "After"
    goal.save()
    assert [h.title for h in goal.history.order_by("history_date")] == ["Before", "After"]
