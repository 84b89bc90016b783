"""No lost updates: a save based on a stale version is refused with who and when."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests import factories
from tests.departments.test_goals import GOAL_FORM

pytestmark = pytest.mark.django_db


def test_stale_goal_save_is_refused_and_names_the_author(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, title="Original")
    url = reverse("departments:goal-edit", args=[goal.pk])
    client.force_login(head_a)
    first = {**GOAL_FORM, "title": "First save", "version": goal.version}
    second = {**GOAL_FORM, "title": "Second save", "version": goal.version}

    assert client.post(url, first).status_code == 302
    response = client.post(url, second)

    assert response.status_code == 422  # an invalid form, in place
    assert "Changed by" in response.text and "review and retry" in response.text
    assert head_a.username in response.text or head_a.get_full_name() in response.text
    goal.refresh_from_db()
    assert goal.title == "First save"
    assert goal.version == 2


def test_fresh_version_saves_and_raises_the_version(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    url = reverse("departments:goal-edit", args=[goal.pk])
    form_page = client.get(url)
    assert f'name="version" value="{goal.version}"' in form_page.text
    client.post(url, {**GOAL_FORM, "version": goal.version})
    goal.refresh_from_db()
    assert goal.version == 2


def test_after_a_refusal_a_reviewed_retry_saves(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    url = reverse("departments:goal-edit", args=[goal.pk])
    client.force_login(head_a)
    client.post(url, {**GOAL_FORM, "title": "First", "version": 1})
    refused = client.post(url, {**GOAL_FORM, "title": "Second", "version": 1})
    assert 'name="version" value="2"' in refused.text

    retried = client.post(url, {**GOAL_FORM, "title": "Second", "version": 2})

    assert retried.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Second", 3)
