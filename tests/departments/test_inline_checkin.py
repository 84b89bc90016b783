"""Logging a check-in from the department page's goal row, with and without HTMX."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from departments.models import CheckIn
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

CHECKIN = {"date": "2026-11-01", "value": "60", "confidence": "4", "comment": "Better"}


@pytest.fixture
def goal(dept_a: Any) -> Any:
    goal = factories.GoalFactory(
        department=dept_a, baseline=Decimal("0"), target=Decimal("100"), current=Decimal("20")
    )
    factories.CheckInFactory(goal=goal, date=dt.date(2026, 10, 1), value=Decimal("20"))
    return goal


def url_for(goal: Any) -> str:
    return reverse("departments:checkin-create", args=[goal.pk])


def test_htmx_check_in_answers_the_updated_row(client: Any, head_a: Any, goal: Any) -> None:
    client.force_login(head_a)
    response = client.post(url_for(goal), CHECKIN, **HTMX)

    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith(f'<tbody id="goal-row-{goal.pk}"')
    assert "<html" not in text  # a fragment, not the page
    assert '<span class="goal-current fw-semibold">60</span>' in text
    assert 'aria-valuenow="60"' in text and "w-pct-60" in text
    assert '<svg class="sparkline"' in text  # two check-ins now: a trend
    assert "Check-in recorded: 60" in text
    # A fresh form, closed, ready for the next check-in.
    assert f'id="id_checkin_{goal.pk}_value"' in text
    assert '<details class="checkin-inline">' in text
    goal.refresh_from_db()
    assert goal.current == Decimal("60")
    assert goal.checkins.count() == 2


def test_htmx_check_in_with_bad_input_re_renders_the_form_and_saves_nothing(
    client: Any, head_a: Any, goal: Any
) -> None:
    client.force_login(head_a)
    bad = {**CHECKIN, "value": "lots", "confidence": "9"}
    response = client.post(url_for(goal), bad, **HTMX)

    assert response.status_code == 422  # an invalid form, in place
    text = response.text
    assert text.lstrip().startswith(f'<tbody id="goal-row-{goal.pk}"')
    assert '<details class="checkin-inline" open>' in text
    assert "Enter a number." in text and "less than or equal to 5" in text
    assert 'value="lots"' in text  # what was typed stays
    assert goal.checkins.count() == 1
    goal.refresh_from_db()
    assert goal.current == Decimal("20")


def test_plain_check_in_still_redirects_to_the_goal_page(
    client: Any, head_a: Any, goal: Any
) -> None:
    client.force_login(head_a)
    response = client.post(url_for(goal), CHECKIN)
    assert response.status_code == 302
    assert response["Location"] == goal.get_absolute_url()
    assert goal.checkins.count() == 2


def test_plain_check_in_with_bad_input_shows_the_full_form_page(
    client: Any, head_a: Any, goal: Any
) -> None:
    client.force_login(head_a)
    response = client.post(url_for(goal), {**CHECKIN, "value": ""})
    assert response.status_code == 422  # an invalid form, in place
    assert "<html" in response.text and "This field is required." in response.text
    assert goal.checkins.count() == 1


def test_plain_get_shows_the_full_form_page_with_today(client: Any, head_a: Any, goal: Any) -> None:
    client.force_login(head_a)
    response = client.get(url_for(goal))
    assert response.status_code == 200
    assert "<html" in response.text
    assert f'value="{dt.date.today().isoformat()}"' in response.text


def test_htmx_get_answers_the_row(client: Any, head_a: Any, goal: Any) -> None:
    client.force_login(head_a)
    response = client.get(url_for(goal), **HTMX)
    assert response.text.lstrip().startswith(f'<tbody id="goal-row-{goal.pk}"')


def test_head_of_sales_cannot_check_in_on_an_infrastructure_goal(
    client: Any, head_b: Any, dept_b: Any, goal: Any
) -> None:
    client.force_login(head_b)
    for extra in ({}, HTMX):
        response = client.post(url_for(goal), CHECKIN, **extra)
        assert response.status_code == 404
    assert goal.checkins.count() == 1


@pytest.mark.parametrize("role", ["ciso", "executive"])
def test_readers_cannot_check_in(
    client: Any, role: str, request: pytest.FixtureRequest, goal: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(url_for(goal), CHECKIN, **HTMX)
    assert response.status_code == 403
    assert goal.checkins.count() == 1


def test_check_in_refuses_other_methods(client: Any, head_a: Any, goal: Any) -> None:
    client.force_login(head_a)
    assert client.put(url_for(goal), CHECKIN).status_code == 405
    assert client.delete(url_for(goal)).status_code == 405
    assert CheckIn.objects.count() == 1


def test_an_older_check_in_does_not_move_the_current_value(
    client: Any, head_a: Any, goal: Any
) -> None:
    client.force_login(head_a)
    client.post(url_for(goal), {**CHECKIN, "date": "2026-01-01", "value": "5"}, **HTMX)
    goal.refresh_from_db()
    assert goal.current == Decimal("20")
