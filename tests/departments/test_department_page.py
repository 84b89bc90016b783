"""The department page: goals with badges, progress and trend; links; my-department."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from alignment.models import Relation
from tests import factories

pytestmark = pytest.mark.django_db


def test_my_department_sends_a_head_to_the_department_they_head(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    client.force_login(head_a)
    response = client.get(reverse("departments:my-department"))
    assert response.status_code == 302
    assert response["Location"] == dept_a.get_absolute_url()


def test_my_department_lists_the_departments_of_a_head_of_several(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    factories.DepartmentFactory(name="Finance", slug="finance", head=head_a)
    client.force_login(head_a)
    response = client.get(reverse("departments:my-department"))
    assert response["Location"] == reverse("departments:department-list")
    listing = client.get(response["Location"]).text
    assert "Infrastructure" in listing and "Finance" in listing


def test_my_department_sends_a_key_leader_to_their_department(
    client: Any, outsider: Any, dept_b: Any
) -> None:
    dept_b.key_leaders.add(outsider)
    client.force_login(outsider)
    response = client.get(reverse("departments:my-department"))
    assert response["Location"] == dept_b.get_absolute_url()


@pytest.mark.parametrize("role", ["ciso", "executive", "outsider"])
def test_my_department_gives_everyone_else_the_list(
    client: Any, role: str, request: pytest.FixtureRequest, dept_a: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("departments:my-department"))
    assert response.status_code == 302
    assert response["Location"] == reverse("departments:department-list")


def test_my_department_refuses_post(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    assert client.post(reverse("departments:my-department")).status_code == 405


def test_my_department_needs_a_login(client: Any) -> None:
    response = client.get(reverse("departments:my-department"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_department_page_shows_goals_with_text_badges_progress_and_trend(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(
        department=dept_a,
        title="99.95 % uptime",
        status="at_risk",
        baseline=Decimal("0"),
        target=Decimal("100"),
        current=Decimal("40"),
    )
    for day, value in ((1, "10"), (2, "25"), (3, "40")):
        factories.CheckInFactory(goal=goal, date=dt.date(2026, 1, day), value=Decimal(value))
    client.force_login(head_a)
    response = client.get(dept_a.get_absolute_url())
    text = response.text
    assert response.status_code == 200
    assert f'id="goal-row-{goal.pk}"' in text
    assert ">At risk</span>" in text  # the badge carries its text
    assert 'aria-valuenow="40"' in text and "w-pct-40" in text
    assert '<svg class="sparkline"' in text and "Check-in trend of 99.95 % uptime" in text


def test_department_page_shows_no_trend_for_a_goal_without_check_ins(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    assert "no trend yet" in client.get(dept_a.get_absolute_url()).text


def test_head_gets_add_edit_and_inline_check_in(client: Any, head_a: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    text = client.get(dept_a.get_absolute_url()).text
    assert reverse("departments:goal-create", args=[dept_a.slug]) in text
    assert reverse("departments:goal-edit", args=[goal.pk]) in text
    checkin_url = reverse("departments:checkin-create", args=[goal.pk])
    assert f'action="{checkin_url}"' in text and f'hx-post="{checkin_url}"' in text
    assert f'hx-target="#goal-row-{goal.pk}"' in text
    # Ids are unique per row; the date defaults to today in the browser's ISO format.
    assert f'id="id_checkin_{goal.pk}_value"' in text
    assert f'value="{dt.date.today().isoformat()}"' in text
    assert reverse("departments:document-upload", args=[dept_a.slug]) in text


@pytest.mark.parametrize("role", ["ciso", "executive"])
def test_readers_get_no_edit_or_check_in_controls(
    client: Any, role: str, request: pytest.FixtureRequest, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    client.force_login(request.getfixturevalue(role))
    response = client.get(dept_a.get_absolute_url())
    assert response.status_code == 200
    assert goal.title in response.text
    assert reverse("departments:goal-edit", args=[goal.pk]) not in response.text
    assert reverse("departments:checkin-create", args=[goal.pk]) not in response.text
    assert reverse("departments:document-upload", args=[dept_a.slug]) not in response.text


def test_head_of_sales_cannot_see_the_infrastructure_page(
    client: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    client.force_login(head_b)
    assert client.get(dept_a.get_absolute_url()).status_code == 404


def test_department_page_groups_initiatives_by_goal_with_rationale_and_mitigation(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="Uptime")
    deploys = factories.GoalFactory(department=dept_a, title="Fast deploys")
    factories.LinkFactory(
        goal=uptime,
        initiative=factories.InitiativeFactory(title="SSO and MFA"),
        relation=Relation.SUPPORTS,
        rationale="Fewer account takeovers",
    )
    factories.LinkFactory(
        goal=deploys,
        initiative=factories.InitiativeFactory(title="Change gate"),
        relation=Relation.CONFLICTS,
        rationale="Adds an approval step",
        mitigation="Pre-approved standard changes",
    )
    factories.LinkFactory(
        goal=deploys,
        initiative=factories.InitiativeFactory(title="Laptop EDR"),
        relation=Relation.CONFLICTS,
        rationale="Slower builds",
        mitigation="",
    )
    factories.LinkFactory(
        goal=factories.GoalFactory(department=dept_b, title="Triple revenue"),
        initiative=factories.InitiativeFactory(title="Sales-only initiative"),
    )
    client.force_login(head_a)
    text = client.get(dept_a.get_absolute_url()).text
    section = text[text.index('id="links-heading"') : text.index('id="impact-heading"')]
    assert section.index("Uptime") < section.index("SSO and MFA")
    assert section.index("Fast deploys") < section.index("Change gate")
    assert "Fewer account takeovers" in section and "Pre-approved standard changes" in section
    assert ">Supports</span>" in section and ">Conflicts</span>" in section
    assert section.count(">Unmitigated</span>") == 1
    assert "Sales-only initiative" not in text and "Triple revenue" not in text


def test_department_page_says_when_nothing_is_linked(client: Any, head_a: Any, dept_a: Any) -> None:
    factories.GoalFactory(department=dept_a)
    client.force_login(head_a)
    text = client.get(dept_a.get_absolute_url()).text
    assert "No security initiative is linked to Infrastructure’s goals yet." in text


def test_department_page_refuses_post(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    assert client.post(dept_a.get_absolute_url()).status_code == 405


def test_goal_page_shows_the_check_in_history_and_trend(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a)
    factories.CheckInFactory(goal=goal, date=dt.date(2026, 1, 1), comment="First")
    factories.CheckInFactory(goal=goal, date=dt.date(2026, 2, 1), comment="Second")
    client.force_login(ciso)
    text = client.get(goal.get_absolute_url()).text
    assert text.index("Second") < text.index("First")  # newest first
    assert '<svg class="sparkline"' in text


def test_goal_edit_form_keeps_the_due_date_in_the_browsers_format(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, due_date=dt.date(2027, 6, 30))
    client.force_login(head_a)
    text = client.get(reverse("departments:goal-edit", args=[goal.pk])).text
    assert 'value="2027-06-30"' in text
