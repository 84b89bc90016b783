"""A head keeps their department's goals and check-ins; nobody else changes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Goal
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

GOAL_FORM = {
    "title": "99.95 % uptime",
    "category": "availability",
    "metric": "monthly uptime",
    "unit": "%",
    "baseline": "99.5",
    "target": "99.95",
    "current": "99.7",
    "due_date": "2027-06-30",
    "status": "on_track",
}


def test_head_adds_a_goal(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    url = reverse("departments:goal-create", args=[dept_a.slug])
    response = client.post(url, {**GOAL_FORM, "owner": head_a.pk})
    goal = Goal.objects.get(department=dept_a)
    assert response.status_code == 302
    assert response["Location"] == goal.get_absolute_url()
    assert goal.target == Decimal("99.95")


def test_bad_goal_shows_errors_and_saves_nothing(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    url = reverse("departments:goal-create", args=[dept_a.slug])
    response = client.post(url, {**GOAL_FORM, "target": "lots", "due_date": ""})
    assert response.status_code == 422  # an invalid form, in place
    assert "Enter a number." in response.text
    assert "This field is required." in response.text
    assert not Goal.objects.exists()


def test_head_cannot_add_a_goal_to_another_department(
    client: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    client.force_login(head_b)
    response = client.post(reverse("departments:goal-create", args=[dept_a.slug]), GOAL_FORM)
    assert response.status_code == 404
    assert not Goal.objects.exists()


def test_ciso_reads_but_cannot_edit_a_goal(client: Any, ciso: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(ciso)
    assert client.get(goal.get_absolute_url()).status_code == 200
    response = client.post(reverse("departments:goal-edit", args=[goal.pk]), GOAL_FORM)
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.title != GOAL_FORM["title"]


def test_checkin_moves_the_goal_and_keeps_history(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a, current=Decimal("99.70"))
    factories.CheckInFactory(goal=goal, date="2026-10-01", value=Decimal("99.70"))
    client.force_login(head_a)
    url = reverse("departments:checkin-create", args=[goal.pk])
    response = client.post(
        url, {"date": "2026-11-01", "value": "99.91", "confidence": "4", "comment": "Better"}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.current == Decimal("99.91")
    assert list(goal.checkins.values_list("value", flat=True)) == [
        Decimal("99.70"),
        Decimal("99.91"),
    ]
    page = client.get(goal.get_absolute_url())
    assert "99.91" in page.text and "Better" in page.text


def test_checkin_confidence_out_of_range_is_refused(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    url = reverse("departments:checkin-create", args=[goal.pk])
    response = client.post(url, {"date": "2026-11-01", "value": "1", "confidence": "9"})
    assert response.status_code == 422  # an invalid form, in place
    assert "Select a valid choice" in response.text or "less than or equal to 5" in response.text
    assert not goal.checkins.exists()


def test_goal_pages_refuse_other_methods(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    assert client.post(goal.get_absolute_url()).status_code == 405
    assert client.delete(reverse("departments:goal-edit", args=[goal.pk])).status_code == 405


def test_head_sees_only_their_department(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    factories.GoalFactory(department=dept_a, title="Ours")
    factories.GoalFactory(department=dept_b, title="Theirs")
    client.force_login(head_a)
    for url in (reverse("departments:goal-list"), reverse("departments:department-list"), "/"):
        text = client.get(url).text
        assert "Theirs" not in text and "Sales" not in text, url
    assert client.get(dept_b.get_absolute_url()).status_code == 404


def test_goal_list_is_paginated_and_keeps_its_filter(client: Any, ciso: Any, dept_a: Any) -> None:
    for n in range(60):
        factories.GoalFactory(department=dept_a, title=f"Risky {n:02}", status="at_risk")
    factories.GoalFactory(department=dept_a, title="Fine", status="on_track")
    client.force_login(ciso)
    url = reverse("departments:goal-list")

    first = client.get(url, {"status": "at_risk"})
    second = client.get(url, {"status": "at_risk", "page": 2})

    assert len(first.context["goals"]) == 50
    assert len(second.context["goals"]) == 10
    assert "status=at_risk&amp;page=2" in first.text
    assert "Fine" not in first.text + second.text
    assert client.get(url, {"page": "junk"}).status_code == 200


def test_a_second_active_goal_with_the_same_title_is_refused_with_a_pointer(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    existing = factories.GoalFactory(department=dept_a, title="Triple annual revenue")
    client.force_login(head_a)
    url = reverse("departments:goal-create", args=[dept_a.slug])
    data = {**GOAL_FORM, "title": "triple ANNUAL revenue", "owner": head_a.pk}
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "already has an active goal" in page and existing.get_absolute_url() in page
    assert Goal.objects.filter(department=dept_a).count() == 1
    # Once the first is done, the title is free again; another department may use it too.
    existing.status = "done"
    existing.save()
    assert client.post(url, data).status_code == 302
    assert factories.GoalFactory(title="Triple annual revenue").pk


def test_the_database_refuses_a_duplicate_that_a_race_lets_through(dept_a: Any) -> None:
    factories.GoalFactory(department=dept_a, title="Close 40 deals")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.GoalFactory(department=dept_a, title="CLOSE 40 DEALS")


def test_a_check_in_dated_in_the_future_is_refused_and_changes_nothing(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, current=Decimal("99.7"))
    client.force_login(head_a)
    url = reverse("departments:checkin-create", args=[goal.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {"date": tomorrow.isoformat(), "value": "99.99", "confidence": "3"}
    for extra in ({}, HTMX):
        response = client.post(url, data, **extra)
        assert response.status_code == 422
        assert "date it today" in response.content.decode()
    goal.refresh_from_db()
    assert goal.current == Decimal("99.7") and not goal.checkins.exists()
    today = {**data, "date": timezone.localdate().isoformat()}
    assert client.post(url, today).status_code == 302


def test_a_lower_is_better_goal_needs_a_target_below_its_baseline(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    client.force_login(head_a)
    url = reverse("departments:goal-create", args=[dept_a.slug])
    dso = {**GOAL_FORM, "title": "DSO under 45 days", "baseline": "62", "target": "45"}
    dso |= {"current": "58", "owner": head_a.pk}
    wrong = client.post(url, {**dso, "direction": "higher"})
    assert wrong.status_code == 422
    assert "improve on the baseline" in wrong.content.decode()
    assert client.post(url, {**dso, "direction": "lower"}).status_code == 302
    goal = Goal.objects.get(title="DSO under 45 days")
    assert goal.direction == "lower"
    assert "lower is better" in client.get(goal.get_absolute_url()).content.decode()


def test_a_goal_without_a_direction_reads_it_from_baseline_and_target(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    client.force_login(head_a)
    url = reverse("departments:goal-create", args=[dept_a.slug])
    data = {**GOAL_FORM, "title": "Close in 5 days", "baseline": "11", "target": "5"}
    assert client.post(url, {**data, "current": "8", "owner": head_a.pk}).status_code == 302
    assert Goal.objects.get(title="Close in 5 days").direction == "lower"
