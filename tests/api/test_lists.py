"""Lists: only what the reader may see, filtered, paged by PAGE_SIZE, in a number of
queries that does not grow with the rows on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.meetings.models import ActionItem
from alignment.models import AlignmentLink, ImpactAssessment
from business_cases.models import BusinessCase
from departments.models import CheckIn, Goal
from tests import factories
from tests.api.conftest import api
from tests.test_permission_matrix import World

pytestmark = pytest.mark.django_db
LISTS = [
    "department",
    "goal",
    "checkin",
    "objective",
    "measure",
    "sample",
    "initiative",
    "link",
    "assessment",
    "series",
    "occurrence",
    "action-item",
    "business-case",
]


def rows(client: Any, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return list(response.json()["results"])


def more_of_everything(world: World, n: int) -> None:
    """`n` more rows in every list (department B's, so the CISO sees them all)."""
    head_b, ciso = world.users["head_b"], world.users["ciso"]
    dept_b = head_b.headed_departments.get()
    for i in range(n):
        department = factories.DepartmentFactory(head=head_b)
        department.key_leaders.add(world.users["executive"])
        goal = factories.GoalFactory(department=dept_b, owner=head_b, title=f"Listed goal {i}")
        factories.CheckInFactory(goal=goal, author=head_b)
        initiative = factories.InitiativeFactory(owner=ciso)
        measure = factories.MeasureFactory(objective=initiative.objective, owner=ciso)
        measure.goals.add(goal)
        measure.samples.create(date=timezone.localdate(), period=timezone.localdate(), value=i)
        factories.LinkFactory(initiative=initiative, goal=goal)
        factories.AssessmentFactory(initiative=initiative, department=department)
        factories.sso_case(author=ciso, initiative=initiative)
        series = factories.one_on_one(
            organiser=ciso, leader=head_b, department=department, now=timezone.now()
        )
        occurrence = series.occurrences.order_by("start").first()
        ActionItem.objects.create(occurrence=occurrence, title=f"Item {i}", owner=head_b)


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("basename", LISTS)
def test_a_list_page_costs_the_same_queries_for_1_or_many_rows(
    basename: str, world: World, tokens: dict[str, str]
) -> None:
    url = reverse(f"api:{basename}-list")
    client = api(tokens["ciso"])
    client.get(url)  # the token's last use is written once a minute: not in the count
    few = count_queries(client, url)
    more_of_everything(world, 4)
    many = count_queries(client, url)
    assert len(rows(client, url)) >= 2
    assert many == few, f"{basename}: {few} queries for few rows, {many} for many"


def test_a_head_never_sees_another_departments_rows(world: World, tokens: dict[str, str]) -> None:
    head_a, head_b = api(tokens["head_a"]), api(tokens["head_b"])
    assert [d["slug"] for d in rows(head_a, "/api/v1/departments/")] == ["infrastructure"]
    assert {g["department"] for g in rows(head_a, "/api/v1/goals/")} == {"infrastructure"}
    b_goal = Goal.objects.get(pk=world.objects["goal_id"])
    assert rows(head_a, "/api/v1/links/") == []
    assert rows(head_a, "/api/v1/assessments/") == []
    assert rows(head_a, "/api/v1/check-ins/") == []
    assert rows(head_a, "/api/v1/meetings/series/") == []
    assert rows(head_a, "/api/v1/meetings/occurrences/") == []
    assert rows(head_a, "/api/v1/action-items/") == []
    assert rows(head_a, "/api/v1/business-cases/") == []
    assert rows(head_b, "/api/v1/business-cases/") == []  # heads see no business cases
    # A measure serving B's goal shows head A the measure, never B's goal's id.
    measure = factories.MeasureFactory(title="Serves B")
    measure.goals.add(b_goal)
    shown = {m["id"]: m["goals"] for m in rows(head_a, "/api/v1/measures/")}
    assert shown[measure.pk] == []
    assert {m["id"]: m["goals"] for m in rows(head_b, "/api/v1/measures/")}[measure.pk] == [
        b_goal.pk
    ]
    assert {g["id"] for g in rows(head_b, "/api/v1/goals/?department=sales")} == {b_goal.pk}
    assert rows(head_a, "/api/v1/goals/?department=sales") == []


def test_lists_filter(world: World, tokens: dict[str, str]) -> None:
    ciso = api(tokens["ciso"])
    assert {g["department"] for g in rows(ciso, "/api/v1/goals/?department=sales")} == {"sales"}
    link = AlignmentLink.objects.get(pk=world.objects["link_id"])
    relation = link.relation
    assert {r["relation"] for r in rows(ciso, f"/api/v1/links/?relation={relation}")} == {relation}
    other = "supports" if relation != "supports" else "neutral"
    assert rows(ciso, f"/api/v1/links/?relation={other}") == []
    assessment = ImpactAssessment.objects.get(pk=world.objects["assessment_id"])
    shown = rows(ciso, f"/api/v1/assessments/?initiative={assessment.initiative_id}")
    assert [a["id"] for a in shown] == [assessment.pk]
    case = BusinessCase.objects.get(pk=world.objects["case_id"])
    assert [c["id"] for c in rows(ciso, f"/api/v1/business-cases/?status={case.status}")] == [
        case.pk
    ]
    assert rows(ciso, "/api/v1/action-items/?done=true") == []
    assert len(rows(ciso, "/api/v1/action-items/?done=false")) == 1
    goal_id = world.objects["goal_id"]
    assert {c["goal"] for c in rows(ciso, f"/api/v1/check-ins/?goal={goal_id}")} == {goal_id}


def test_lists_are_paged_by_page_size(world: World, tokens: dict[str, str], settings: Any) -> None:
    settings.PAGE_SIZE = 2
    goal = Goal.objects.get(pk=world.objects["goal_id"])
    for _ in range(4):
        factories.CheckInFactory(goal=goal)
    client = api(tokens["ciso"])
    first = client.get("/api/v1/check-ins/").json()
    assert first["count"] == CheckIn.objects.count() == 5
    assert len(first["results"]) == 2 and first["next"]
    seen = [c["id"] for c in first["results"]]
    for page in (2, 3):
        seen += [c["id"] for c in client.get(f"/api/v1/check-ins/?page={page}").json()["results"]]
    assert sorted(seen) == sorted(CheckIn.objects.values_list("pk", flat=True))
    assert client.get("/api/v1/check-ins/?page=4").status_code == 404


def test_business_cases_carry_their_figures_as_strings(
    world: World, tokens: dict[str, str]
) -> None:
    url = reverse("api:business-case-detail", args=[world.objects["case_id"]])
    figures = api(tokens["executive"]).get(url).json()["figures"]
    case = BusinessCase.objects.with_lines().get(pk=world.objects["case_id"])
    assert figures["one_off_cost"] == str(case.figures.one_off_cost)
    assert figures["total_cost_of_ownership"] == str(case.figures.total_cost_of_ownership)
    assert isinstance(figures["not_meaningful"], dict)


def test_a_goal_detail_carries_its_check_ins(world: World, tokens: dict[str, str]) -> None:
    url = reverse("api:goal-detail", args=[world.objects["goal_id"]])
    goal = api(tokens["head_b"]).get(url).json()
    assert [c["id"] for c in goal["checkins"]] == [world.objects["checkin_id"]]
