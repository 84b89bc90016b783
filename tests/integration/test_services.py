"""Against the real services: PostgreSQL and Redis.

Skipped when the run is not configured for them; under REQUIRE_SERVICES=1 (CI's second
pass) a missing service fails these tests instead.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from alignment.conf import health
from departments.models import CheckIn, Department
from tests import factories
from tests.conftest import require_services, skip_or_fail

pytestmark = pytest.mark.services


@pytest.fixture
def postgres(db: object) -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())


@pytest.fixture
def redis_broker() -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("CELERY_BROKER_URL does not point at Redis", required=require_services())


def test_postgres_rejects_an_invalid_checkin(postgres: None) -> None:
    goal = factories.GoalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(goal=goal, value=Decimal(1), confidence=9)


def test_postgres_rejects_a_negative_friction_budget(postgres: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="X", slug="x", friction_budget_hours=Decimal("-1"))


def test_postgres_names_the_violated_constraint(postgres: None) -> None:
    link = factories.LinkFactory()
    with pytest.raises(IntegrityError, match="link_unique_per_pair"), transaction.atomic():
        factories.LinkFactory(initiative=link.initiative, goal=link.goal)


def test_healthz_sees_redis_answer(redis_broker: None) -> None:
    assert health.broker_ok() is True
