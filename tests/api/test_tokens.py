"""Personal access tokens: stored hashed, expired and revoked ones refused (401), a read
token refused on writes (403), last use recorded at most once a minute, throttled."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alignment.models import ApiToken, TokenScope
from tests.api.conftest import api, issue
from tests.test_permission_matrix import World

pytestmark = pytest.mark.django_db
GOALS = "/api/v1/goals/"


def test_it_stores_only_the_hash_and_a_prefix(head_a: Any) -> None:
    secret = issue(head_a)
    token = ApiToken.objects.get()
    assert secret.startswith(f"mom_{token.prefix}_")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())


def test_a_valid_token_reads(head_a: Any) -> None:
    assert api(issue(head_a)).get(GOALS).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer mom_nothing", "Bearer a b", "Token x", "Bearer mom_\u00e9"],
)
def test_no_or_unknown_token_is_401(header: str, head_a: Any) -> None:
    issue(head_a)
    client = api(None)
    response = client.get(GOALS, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_a_tampered_token_is_401(head_a: Any) -> None:
    secret = issue(head_a)
    assert api(secret[:-1] + ("A" if secret[-1] != "A" else "B")).get(GOALS).status_code == 401


def test_an_expired_token_is_401(head_a: Any) -> None:
    secret = issue(head_a)
    past = timezone.now() - dt.timedelta(seconds=1)
    ApiToken.objects.update(created_at=past - dt.timedelta(days=1), expires_at=past)
    response = api(secret).get(GOALS)
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has expired."}


def test_a_revoked_token_is_401(head_a: Any) -> None:
    secret = issue(head_a)
    assert ApiToken.objects.get().revoke(by=head_a)
    response = api(secret).get(GOALS)
    assert response.status_code == 401
    assert response.json() == {"detail": "This token was revoked."}


def test_an_inactive_users_token_is_401(head_a: Any) -> None:
    secret = issue(head_a)
    head_a.is_active = False
    head_a.save()
    assert api(secret).get(GOALS).status_code == 401


@pytest.mark.parametrize(
    ("role", "name", "param", "method"),
    [
        ("head_b", "goal-check-ins", "goal_id", "post"),
        ("ciso", "measure-samples", "measure_id", "post"),
        ("head_b", "action-item-detail", "item_id", "patch"),
    ],
)
def test_a_read_token_cannot_write(
    role: str, name: str, param: str, method: str, world: World
) -> None:
    """Each write its role may make with a read-write token is 403 with a read token."""
    secret = issue(world.users[role], scope=TokenScope.READ)
    url = reverse(f"api:{name}", args=[world.objects[param]])
    body = {"value": "1", "confidence": 3, "done": True}
    response = getattr(api(secret), method)(url, body, content_type="application/json")
    assert response.status_code == 403
    assert "read" in response.json()["detail"]
    assert api(secret).get(url if method == "patch" else "/api/v1/goals/").status_code == 200


def test_last_use_is_written_at_most_once_a_minute(head_a: Any) -> None:
    secret = issue(head_a)
    client = api(secret)
    client.get(GOALS)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get(GOALS)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(GOALS)
    assert ApiToken.objects.get().last_used_at > first - dt.timedelta(minutes=1)


def test_expiry_is_required_within_a_year(head_a: Any) -> None:
    with pytest.raises(ValidationError):
        issue(head_a, days=400)
    with pytest.raises(ValidationError):
        issue(head_a, days=-1)
    assert not ApiToken.objects.exists()


def test_each_token_is_throttled_on_its_own(head_a: Any, settings: Any) -> None:
    settings.API_THROTTLE_RATE = "3/min"
    first, second = api(issue(head_a)), api(issue(head_a))
    assert [first.get(GOALS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert first.get(GOALS).json()["detail"].startswith("Request was throttled")
    assert second.get(GOALS).status_code == 200


def test_the_session_still_works_for_the_api_schema_and_docs(client: Any, head_a: Any) -> None:
    client.force_login(head_a)
    assert client.get(GOALS).status_code == 200
    assert client.get(reverse("api:schema")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200
