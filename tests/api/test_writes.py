"""The API's writes make the rows the pages make (the same model functions), and
refuse bad input with a 400 naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment.meetings.models import ActionItem
from departments.models import CheckIn, Goal
from objectives.models import Measure, Sample
from tests.api.conftest import api
from tests.test_permission_matrix import World

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def comparable(row: Any, *fields: str) -> tuple[Any, ...]:
    return tuple(getattr(row, field) for field in fields)


def test_a_check_in_is_the_one_the_goal_page_records(world: World, tokens: dict[str, str]) -> None:
    goal_id, head_b = world.objects["goal_id"], world.users["head_b"]
    body = {"date": str(timezone.localdate()), "value": "42.50", "confidence": 4, "comment": "x"}
    response = post(api(tokens["head_b"]), reverse("api:goal-check-ins", args=[goal_id]), body)
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "42.50"  # Decimal as a string
    by_api = CheckIn.objects.get(pk=response.json()["id"])
    assert Goal.objects.get(pk=goal_id).current == by_api.value  # the goal follows

    page = Client()
    page.force_login(head_b)
    form = body | {"value": "43.50"}
    assert page.post(reverse("departments:checkin-create", args=[goal_id]), form).status_code == 302
    by_page = CheckIn.objects.exclude(pk=by_api.pk).latest("created_at")
    fields = ("goal_id", "date", "confidence", "comment", "author_id")
    assert comparable(by_api, *fields) == comparable(by_page, *fields)
    assert by_api.author_id == head_b.pk
    assert by_api.history.get().history_user_id == head_b.pk  # history as on the page


def test_a_sample_is_the_one_the_measure_page_records(world: World, tokens: dict[str, str]) -> None:
    measure_id, ciso = world.objects["measure_id"], world.users["ciso"]
    url = reverse("api:measure-samples", args=[measure_id])
    response = post(api(tokens["ciso"]), url, {"value": "95.25", "comment": "scan"})
    assert response.status_code == 201, response.content
    by_api = Sample.objects.get(pk=response.json()["id"])
    page = Client()
    page.force_login(ciso)
    page_url = reverse("objectives:sample-create", args=[measure_id])
    form = {"date": str(timezone.localdate()), "value": "95.25", "comment": "scan"}
    assert page.post(page_url, form).status_code == 302
    by_page = Sample.objects.exclude(pk__in=[by_api.pk, world.objects["sample_id"]]).get()
    fields = ("measure_id", "date", "period", "value", "comment", "source", "author_id")
    assert comparable(by_api, *fields) == comparable(by_page, *fields)


def test_a_computed_measure_takes_no_sample(world: World, tokens: dict[str, str]) -> None:
    Measure.objects.filter(pk=world.objects["measure_id"]).update(computation="goal_coverage")
    url = reverse("api:measure-samples", args=[world.objects["measure_id"]])
    response = post(api(tokens["ciso"]), url, {"value": "1"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_ticking_an_action_item_sets_when(world: World, tokens: dict[str, str]) -> None:
    url = reverse("api:action-item-detail", args=[world.objects["item_id"]])
    client = api(tokens["head_b"])
    response = client.patch(url, {"done": True}, content_type="application/json")
    assert response.status_code == 200
    item = ActionItem.objects.get(pk=world.objects["item_id"])
    assert item.done and item.done_at is not None
    assert response.json()["done_at"] is not None
    response = client.patch(url, {"done": False}, content_type="application/json")
    item.refresh_from_db()
    assert not item.done and item.done_at is None
    # Only `done` changes: the title is read-only.
    client.patch(url, {"title": "renamed", "done": True}, content_type="application/json")
    item.refresh_from_db()
    assert item.title == "Send the runbook"


HOSTILE_CHECKINS = [
    ({"value": "1e309", "confidence": 3}, "value"),
    ({"value": "9" * 40, "confidence": 3}, "value"),
    ({"value": "NaN", "confidence": 3}, "value"),
    ({"value": "Infinity", "confidence": 3}, "value"),
    ({"value": 1e308, "confidence": 3}, "value"),
    ({"value": "1.234", "confidence": 3}, "value"),
    ({"value": "abc", "confidence": 3}, "value"),
    ({"value": ["1"], "confidence": 3}, "value"),
    ({"value": {"a": 1}, "confidence": 3}, "value"),
    ({"value": "1", "confidence": 18446744073709551617}, "confidence"),
    ({"value": "1", "confidence": 0}, "confidence"),
    ({"value": "1", "confidence": "high"}, "confidence"),
    ({"value": "1", "confidence": 3, "date": "9999-12-31"}, "date"),
    ({"value": "1", "confidence": 3, "date": "99999-01-01"}, "date"),
    ({"value": "1", "confidence": 3, "date": 20260101}, "date"),
    ({"value": "1", "confidence": 3, "comment": "\x00"}, "comment"),
    ({"value": "1", "confidence": 3, "comment": "a" * 100_000}, "comment"),
    ({"confidence": 3}, "value"),
]


@pytest.mark.parametrize(("body", "field"), HOSTILE_CHECKINS)
def test_hostile_check_ins_are_400_with_the_field(
    body: dict[str, Any], field: str, world: World, tokens: dict[str, str]
) -> None:
    url = reverse("api:goal-check-ins", args=[world.objects["goal_id"]])
    before = CheckIn.objects.count()
    response = post(api(tokens["head_b"]), url, body)
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert CheckIn.objects.count() == before


@pytest.mark.parametrize("body", [[1, 2], "text", None, 12, {"done": "maybe"}, {"done": None}, {}])
def test_hostile_patches_are_400(body: Any, world: World, tokens: dict[str, str]) -> None:
    url = reverse("api:action-item-detail", args=[world.objects["item_id"]])
    response = api(tokens["head_b"]).patch(url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]


def test_malformed_json_is_400(world: World, tokens: dict[str, str]) -> None:
    url = reverse("api:goal-check-ins", args=[world.objects["goal_id"]])
    response = api(tokens["head_b"]).generic(
        "POST", url, b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/goals/18446744073709551617/",
        "/api/v1/goals/999999999999999999/",
        "/api/v1/goals/-1/",
        "/api/v1/goals/abc/",
        "/api/v1/departments/no-such-department/",
        "/api/v1/goals/999999999999999999/check-ins/",
        "/api/v1/business-cases/0/",
    ],
)
def test_unknown_ids_are_404(path: str, tokens: dict[str, str]) -> None:
    client = api(tokens["ciso"])
    if path.endswith("check-ins/"):
        response = client.post(
            path, {"value": "1", "confidence": 3}, content_type="application/json"
        )
    else:
        response = client.get(path)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "department=not%20a%20slug",
        "category=" + "x" * 1000,
        "page=0",
        "page=99999999999999999999",
        "page=abc",
    ],
)
def test_bad_filters_are_400_or_404_never_500(query: str, tokens: dict[str, str]) -> None:
    response = api(tokens["ciso"]).get(f"/api/v1/goals/?{query}")
    assert response.status_code in {400, 404}
    assert response.json()


@pytest.mark.parametrize(
    "query",
    ["objective=18446744073709551617", "objective=-3", "cadence=hourly"],
)
def test_bad_measure_filters_are_400(query: str, tokens: dict[str, str]) -> None:
    response = api(tokens["ciso"]).get(f"/api/v1/measures/?{query}")
    assert response.status_code == 400
    assert set(response.json()) == {query.split("=")[0]}
