"""Factories for every model the tests build: factory_boy factories, and builder functions
where a model is made through a service (a meeting series) or as a worked example (a
business case with its lines).

Ordered as the apps are: users and departments, objectives, alignment, business cases,
meetings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from alignment.meetings import services as meeting_services
from alignment.meetings.models import MeetingKind, MeetingSeries
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.services import Guest
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CaseStatus,
    CostCategory,
    CostLine,
    Recurrence,
    RiskScenario,
    UserImpactLine,
)
from departments.models import (
    CheckIn,
    Department,
    Goal,
    GoalCategory,
    GoalStatus,
    ProcessDocument,
)
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from objectives.models import (
    Direction,
    Initiative,
    InitiativeStatus,
    Measure,
    Pillar,
    SecurityObjective,
)
from tests.alignment.meetings.helpers import NOW

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
    direction = factory.LazyAttribute(
        lambda goal: Direction.LOWER if goal.target < goal.baseline else Direction.HIGHER
    )
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


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessDocument

    department = factory.SubFactory(DepartmentFactory)
    title = "Change management procedure"
    file = factory.django.FileField(filename="procedure.md", data=b"# Procedure\n\nStep one.\n")
    original_name = "procedure.md"
    content_type = "text/markdown"
    size = 24


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityObjective

    title = factory.Sequence(lambda n: f"Objective {n}")
    pillar = Pillar.TECHNOLOGY
    protects_confidentiality = True


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Measure {n}")
    unit = "%"
    direction = Direction.HIGHER
    baseline = Decimal("40")
    target = Decimal("90")
    amber = Decimal("80")
    red = Decimal("60")


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


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCase
        skip_postgeneration_save = True

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Business case {n}")
    summary = "Cut account takeovers."
    horizon_years = 3
    discount_rate = Decimal("10.00")
    status = CaseStatus.DRAFT


class CostLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostLine

    case = factory.SubFactory(CaseFactory)
    description = factory.Sequence(lambda n: f"Cost {n}")
    category = CostCategory.LICENCES
    recurrence = Recurrence.YEARLY
    amount = Decimal("12000.00")


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskScenario

    case = factory.SubFactory(CaseFactory)
    name = factory.Sequence(lambda n: f"Scenario {n}")
    affects_confidentiality = True
    sle = Decimal("200000.00")
    aro_before = Decimal("0.300")
    aro_after = Decimal("0.050")


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenefitLine

    case = factory.SubFactory(CaseFactory)
    description = "Audit hours saved"
    yearly_amount = Decimal("2000.00")


class UserImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserImpactLine

    case = factory.SubFactory(CaseFactory)
    description = "MFA prompts"
    users = 200
    minutes_per_week = Decimal("3.0")
    hourly_rate = Decimal("40.00")


def sso_case(author: Any = None, **kwargs: Any) -> BusinessCase:
    """The worked example of test_finance: one-off 30,000, yearly 12,000 + 6,900 people-time
    (added here as a plain line), benefit 50,000 risk reduction + 2,000."""
    case = CaseFactory(author=author, **kwargs)
    CostLineFactory(case=case, amount=Decimal(20000), recurrence=Recurrence.ONE_OFF)
    CostLineFactory(
        case=case, amount=Decimal(10000), recurrence=Recurrence.ONE_OFF, category="services"
    )
    CostLineFactory(case=case, amount=Decimal(12000))
    CostLineFactory(case=case, amount=Decimal(6900), category=CostCategory.PEOPLE_TIME)
    ScenarioFactory(case=case, name="Account takeover")
    BenefitFactory(case=case)
    return case


def one_on_one(
    *,
    organiser: Any,
    leader: Any,
    department: Any,
    first: dt.date = dt.date(2026, 3, 10),
    at: dt.time = dt.time(9, 0),
    tz: str = "Europe/Berlin",
    preset: str = Preset.MONTHLY,
    rule: str | None = None,
    now: dt.datetime = NOW,
    guests: tuple[Guest, ...] = (),
    users: tuple[Any, ...] = (),
    leads: list[int] | None = None,
    **extra: Any,
) -> MeetingSeries:
    """A one-on-one with `leader`, made by the service the pages use: its meetings,
    reminders and invites too, as of `now`."""
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.ONE_ON_ONE,
        title=f"One-on-one with {leader.username}",
        rule=rule or preset_rule(preset, first),
        start_date=first,
        start_time=at,
        time_zone=tz,
        duration_minutes=45,
        department=department,
        leader=leader,
        users=users,
        guests=guests,
        reminder_leads=leads,
        now=now,
        **extra,
    )


def joint(
    *, organiser: Any, heads: list[Any], now: dt.datetime = NOW, **extra: Any
) -> MeetingSeries:
    """A quarterly joint meeting of `heads`, made by the service the pages use."""
    first = dt.date(2026, 3, 5)
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.JOINT,
        title="Joint meeting",
        rule=preset_rule(Preset.QUARTERLY, first),
        start_date=first,
        start_time=dt.time(14, 0),
        time_zone="Europe/London",
        duration_minutes=90,
        users=heads,
        now=now,
        **extra,
    )
