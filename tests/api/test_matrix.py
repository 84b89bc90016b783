"""Every API endpoint × role × method, with tokens of each role (department B's data and
the security team's programme, from the permission matrix's world).

Status codes: 401 without a token; 404 for what the role may not see (as the pages); 403
for what it sees but may not change; 405 for a method the endpoint does not route.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from alignment.meetings.models import ActionItem
from alignment.models import ApiToken
from departments.models import CheckIn
from objectives.models import Sample
from tests.api.conftest import ROLES, api
from tests.test_permission_matrix import World

pytestmark = pytest.mark.django_db

ALL = dict.fromkeys(ROLES, 200)
NOT_HEAD_A = ALL | {"head_a": 404}
# basename → (URL parameter of the world's object, who gets what for GET of its detail)
READS: dict[str, tuple[str, dict[str, int]]] = {
    "department": ("slug", NOT_HEAD_A),
    "goal": ("goal_id", NOT_HEAD_A),
    "checkin": ("checkin_id", NOT_HEAD_A),
    "objective": ("objective_id", ALL),
    "measure": ("measure_id", ALL),
    "sample": ("sample_id", ALL),
    "initiative": ("initiative_id", ALL),
    "link": ("link_id", NOT_HEAD_A),
    "assessment": ("assessment_id", NOT_HEAD_A),
    "series": ("series_id", NOT_HEAD_A),
    "occurrence": ("occurrence_id", NOT_HEAD_A),
    "action-item": ("item_id", NOT_HEAD_A),
    "business-case": ("case_id", NOT_HEAD_A | {"head_b": 404}),
}
# The writes: (URL name, parameter, method, body, who gets what).
WRITES = [
    (
        "goal-check-ins",
        "goal_id",
        "post",
        {"value": "12.5", "confidence": 4, "comment": "from the exporter"},
        {"head_a": 404, "head_b": 201, "ciso": 403, "executive": 403},
    ),
    (
        "measure-samples",
        "measure_id",
        "post",
        {"value": "97.5", "comment": "from the scanner"},
        {"head_a": 403, "head_b": 403, "ciso": 201, "executive": 403},
    ),
    (
        "action-item-detail",
        "item_id",
        "patch",
        {"done": True},
        {"head_a": 404, "head_b": 200, "ciso": 200, "executive": 403},
    ),
]
OTHER_METHODS = ("post", "put", "patch", "delete")


def send(client: Any, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json")


@pytest.mark.parametrize("basename", list(READS))
def test_reads_answer_each_role_as_the_pages_do(
    basename: str, world: World, tokens: dict[str, str]
) -> None:
    param, expected = READS[basename]
    list_url = reverse(f"api:{basename}-list")
    detail_url = reverse(f"api:{basename}-detail", kwargs={param: world.objects[param]})
    for url in (list_url, detail_url):
        assert api(None).get(url).status_code == 401
        for method in OTHER_METHODS:
            assert send(api(None), method, url).status_code == 401, (method, url)
    for role in ROLES:
        client = api(tokens[role])
        assert client.get(list_url).status_code == 200, role
        assert client.get(detail_url).status_code == expected[role], (role, detail_url)
        for method in OTHER_METHODS:
            status = send(client, method, list_url).status_code
            assert status == 405, (role, method, list_url, status)
            if basename == "action-item" and method == "patch":
                continue  # a write: test_writes_answer_each_role
            status = send(client, method, detail_url).status_code
            assert status == 405, (role, method, detail_url, status)


@pytest.mark.parametrize(("name", "param", "method", "body", "expected"), WRITES)
def test_writes_answer_each_role(
    name: str,
    param: str,
    method: str,
    body: dict[str, Any],
    expected: dict[str, int],
    world: World,
    tokens: dict[str, str],
) -> None:
    url = reverse(f"api:{name}", kwargs={param: world.objects[param]})
    assert send(api(None), method, url, body).status_code == 401
    for role in ROLES:
        ActionItem.objects.update(done=False, done_at=None)
        response = send(api(tokens[role]), method, url, body)
        assert response.status_code == expected[role], (role, response.content[:200])
        if response.status_code >= 400:
            assert set(response.json()) == {"detail"}  # DRF's standard error body
    # GET is not routed on the write-only endpoints.
    if method == "post":
        assert api(tokens["ciso"]).get(url).status_code == 405


def test_refused_writes_change_nothing(world: World, tokens: dict[str, str]) -> None:
    before = (CheckIn.objects.count(), Sample.objects.count())
    goal_url = reverse("api:goal-check-ins", args=[world.objects["goal_id"]])
    sample_url = reverse("api:measure-samples", args=[world.objects["measure_id"]])
    for role in ("head_a", "ciso", "executive"):
        send(api(tokens[role]), "post", goal_url, {"value": "1", "confidence": 3})
    for role in ("head_a", "head_b", "executive"):
        send(api(tokens[role]), "post", sample_url, {"value": "1"})
    assert (CheckIn.objects.count(), Sample.objects.count()) == before


@pytest.mark.parametrize("basename", list(READS))
def test_expired_and_revoked_tokens_get_401_everywhere(
    basename: str, world: World, tokens: dict[str, str]
) -> None:
    url = reverse(f"api:{basename}-list")
    token = ApiToken.objects.get(user=world.users["ciso"])
    token.revoke(by=world.users["ciso"])
    assert api(tokens["ciso"]).get(url).status_code == 401
    exec_token = ApiToken.objects.get(user=world.users["executive"])
    ApiToken.objects.filter(pk=exec_token.pk).update(
        created_at=exec_token.created_at.replace(year=2000),
        expires_at=exec_token.created_at.replace(year=2001),
    )
    assert api(tokens["executive"]).get(url).status_code == 401
