"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from alignment.models import AlignmentLink, ImpactAssessment, Relation
from departments.models import (
    CheckIn,
    Department,
    Goal,
    GoalCategory,
    GoalStatus,
    ProcessDocument,
)
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from objectives.models import Initiative, InitiativeStatus, Pillar, SecurityObjective

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


def security_user(username: str = "ciso") -> object:
    return UserFactory(username=username, groups=[SECURITY_GROUP])


def executive_user(username: str = "exec") -> object:
    return UserFactory(username=username, groups=[EXECUTIVE_GROUP])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.LazyAttribute(lambda d: d.name.lower().replace(" ", "-"))
    charter = "Keeps the lights on."
    friction_budget_hours = Decimal("20.0")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    category = GoalCategory.AVAILABILITY
    metric = "monthly uptime"
    unit = "%"
    baseline = Decimal("99.50")
    target = Decimal("99.95")
    current = Decimal("99.70")
    due_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=90))
    status = GoalStatus.ON_TRACK


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    goal = factory.SubFactory(GoalFactory)
    date = factory.LazyFunction(dt.date.today)
    value = Decimal("99.80")
    confidence = 4
    comment = "Steady."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityObjective

    title = factory.Sequence(lambda n: f"Objective {n}")
    pillar = Pillar.TECHNOLOGY
    protects_confidentiality = True


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    status = InitiativeStatus.IN_PROGRESS
    start_date = factory.LazyFunction(dt.date.today)
    end_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=180))
    budget = Decimal("25000.00")


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlignmentLink

    initiative = factory.SubFactory(InitiativeFactory)
    goal = factory.SubFactory(GoalFactory)
    relation = Relation.SUPPORTS
    rationale = "Fewer outages from compromised accounts."


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImpactAssessment

    initiative = factory.SubFactory(InitiativeFactory)
    department = factory.SubFactory(DepartmentFactory)
    hours_per_week = Decimal("4.0")
    people_affected = 12
    processes_touched = "Deployments"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessDocument

    department = factory.SubFactory(DepartmentFactory)
    title = "Change management procedure"
    file = factory.django.FileField(filename="procedure.md", data=b"# Procedure\n\nStep one.\n")
    original_name = "procedure.md"
    content_type = "text/markdown"
    size = 24
