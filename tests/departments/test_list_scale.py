"""The lists at scale: goals, departments, objectives and initiatives come a page at a time.

Data is made with bulk_create at 1× and grown to 10× (one hundredth and one tenth of the
100× organisation: 600 departments, 2,500 goals, 1,200 initiatives). Each list costs the
same number of queries at both sizes and its page stays under a fixed size; its page
links keep its filters; the goal list filters by department without showing a head
another department's goals; owner dropdowns name people by their full name.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department, Goal, GoalStatus
from objectives.models import Initiative, InitiativeStatus, SecurityObjective
from tests import factories

pytestmark = pytest.mark.django_db

LISTS = [
    "departments:goal-list",
    "departments:department-list",
    "objectives:objective-list",
    "objectives:initiative-list",
]
# A page of 50 rows with the page around it, whatever the number of rows.
MAX_PAGE_BYTES = 100_000


def grow(scale: int, owner: Any, into: Department | None = None) -> None:
    """At scale 1: 6 departments, 25 goals, 3 objectives and 12 initiatives, bulk-created.

    Goals go round the new departments and `into` (so a head has some of their own).
    """
    batch = Department.objects.count()
    departments = Department.objects.bulk_create(
        Department(
            name=f"Department {batch}-{i}",
            slug=f"department-{batch}-{i}",
            head=owner,
            friction_budget_hours=Decimal(20),
        )
        for i in range(6 * scale)
    )
    homes = [*departments, *([into] if into else [])]
    statuses = list(GoalStatus.values)
    Goal.objects.bulk_create(
        factories.GoalFactory.build(
            department=homes[i % len(homes)],
            owner=owner,
            title=f"Goal {batch}-{i}",
            status=statuses[i % len(statuses)],
            due_date=dt.date(2027, 1, 1) + dt.timedelta(days=i),
        )
        for i in range(25 * scale)
    )
    objectives = SecurityObjective.objects.bulk_create(
        factories.ObjectiveFactory.build(title=f"Objective {batch}-{i}", owner=owner, position=i)
        for i in range(3 * scale)
    )
    Initiative.objects.bulk_create(
        factories.InitiativeFactory.build(
            objective=objectives[i % len(objectives)],
            title=f"Initiative {batch}-{i}",
            owner=owner,
            position=i,
        )
        for i in range(12 * scale)
    )


def measured(client: Any, path: str, **params: str) -> tuple[int, int]:
    """(queries, bytes) of one page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, path
    return len(captured), len(response.content)


@pytest.mark.parametrize("name", LISTS)
def test_it_costs_the_same_queries_and_a_bounded_page_at_ten_times_the_data(
    client: Any, ciso: Any, name: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    path = reverse(name)
    grow(1, ciso)
    small_queries, _ = measured(client, path)
    grow(9, ciso)  # 10× in all
    with django_assert_max_num_queries(12):
        large_queries, large_bytes = measured(client, path)
    assert large_queries == small_queries
    assert large_bytes < MAX_PAGE_BYTES, large_bytes
    # The last page and a filtered page cost no more either.
    assert measured(client, path, page="999")[0] == small_queries
    assert measured(client, path, page="2", status="at_risk")[0] == small_queries


def test_a_head_sees_the_same_queries_at_ten_times_the_data(
    client: Any, head_a: Any, dept_a: Any
) -> None:
    client.force_login(head_a)
    path = reverse("departments:goal-list")
    grow(1, head_a, into=dept_a)
    small = measured(client, path)
    grow(9, head_a, into=dept_a)
    large = measured(client, path)
    assert large[0] == small[0] and large[1] < MAX_PAGE_BYTES


def test_the_lists_are_cut_into_pages_of_page_size(client: Any, ciso: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 7
    grow(1, ciso)  # 25 goals, 6 departments, 12 initiatives
    client.force_login(ciso)
    goals = client.get(reverse("departments:goal-list"))
    assert len(goals.context["goals"]) == 7 and goals.context["page"].paginator.num_pages == 4
    last = client.get(reverse("departments:goal-list"), {"page": "4"})
    assert len(last.context["goals"]) == 4
    initiatives = client.get(reverse("objectives:initiative-list"), {"page": "2"})
    assert len(initiatives.context["initiatives"]) == 5
    departments = client.get(reverse("departments:department-list"))
    assert len(departments.context["departments"]) == 6
    assert "Page 1 of" not in departments.text  # one page: no page links
    assert client.get(reverse("departments:goal-list"), {"page": "x"}).status_code == 200


def page_links(html: str) -> list[str]:
    return [
        href.replace("&amp;", "&") for href in re.findall(r'class="page-link" href="([^"]+)"', html)
    ]


def test_goal_pages_keep_the_department_and_status_filters(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, settings: Any
) -> None:
    settings.PAGE_SIZE = 3
    for i in range(8):
        factories.GoalFactory(department=dept_a, title=f"Risky {i}", status=GoalStatus.AT_RISK)
    factories.GoalFactory(department=dept_a, title="Fine", status=GoalStatus.ON_TRACK)
    factories.GoalFactory(department=dept_b, title="Elsewhere", status=GoalStatus.AT_RISK)
    client.force_login(ciso)
    path = reverse("departments:goal-list")
    first = client.get(path, {"department": "infrastructure", "status": "at_risk"})
    [next_link] = page_links(first.text)
    assert next_link == "?department=infrastructure&status=at_risk&page=2"
    second = client.get(path + next_link)
    [previous_link, next_link] = page_links(second.text)
    assert previous_link == "?department=infrastructure&status=at_risk&page=1"
    titles = [g.title for page in (first, second) for g in page.context["goals"]]
    third = client.get(path + next_link)
    titles += [g.title for g in third.context["goals"]]
    assert sorted(titles) == [f"Risky {i}" for i in range(8)]  # every one once, nothing else
    assert 'value="infrastructure" selected' in third.text


def test_initiative_pages_keep_the_status_filter(client: Any, ciso: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    for i in range(5):
        factories.InitiativeFactory(title=f"Planned {i}", status=InitiativeStatus.PLANNED)
    factories.InitiativeFactory(title="Doing", status=InitiativeStatus.IN_PROGRESS)
    client.force_login(ciso)
    first = client.get(reverse("objectives:initiative-list"), {"status": "planned"})
    assert page_links(first.text) == ["?status=planned&page=2"]
    last = client.get(reverse("objectives:initiative-list"), {"status": "planned", "page": "3"})
    assert [i.title for i in last.context["initiatives"]] == ["Planned 4"]


def test_objective_pages_keep_their_place_when_one_moves(
    client: Any, ciso: Any, settings: Any
) -> None:
    settings.PAGE_SIZE = 2
    objectives = [factories.ObjectiveFactory(title=f"O{i}", position=i) for i in range(5)]
    client.force_login(ciso)
    second = client.get(reverse("objectives:objective-list"), {"page": "2"})
    # The first of page 2 still moves up (onto page 1); the last of all does not move down.
    assert f"/objectives/{objectives[2].pk}/move/up/?page=2" in second.text
    move = reverse("objectives:objective-move", args=[objectives[2].pk, "up"])
    response = client.post(move + "?page=2")
    assert response.status_code == 302 and response["Location"].endswith("/objectives/?page=2")
    fragment = client.post(move + "?page=2", HTTP_HX_REQUEST="true")
    assert [o.title for o in fragment.context["objectives"]] == ["O1", "O3"]


def test_goal_list_filters_by_department(client: Any, ciso: Any, dept_a: Any, dept_b: Any) -> None:
    factories.GoalFactory(department=dept_a, title="Uptime")
    factories.GoalFactory(department=dept_b, title="Revenue")
    client.force_login(ciso)
    response = client.get(reverse("departments:goal-list"), {"department": "sales"})
    assert [g.title for g in response.context["goals"]] == ["Revenue"]
    assert [d.slug for d in response.context["departments"]] == ["infrastructure", "sales"]


def test_head_cannot_see_another_department_through_the_department_filter(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    factories.GoalFactory(department=dept_a, title="Uptime")
    factories.GoalFactory(department=dept_b, title="Secret revenue target")
    client.force_login(head_a)
    response = client.get(reverse("departments:goal-list"), {"department": "sales"})
    assert response.status_code == 200
    assert list(response.context["goals"]) == []
    assert "Secret revenue target" not in response.text
    assert [d.slug for d in response.context["departments"]] == ["infrastructure"]
    assert 'value="sales"' not in response.text
    assert "No goal matches these filters." in response.text


def test_an_empty_goal_list_says_whether_a_filter_hid_the_goals(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    url = reverse("departments:goal-list")
    assert "No goals yet." in client.get(url).text
    filtered = client.get(url, {"status": "off_track"}).text
    assert "No goal matches these filters." in filtered and "No goals yet." not in filtered


def owner_options(html: str) -> list[str]:
    select = re.search(r'<select name="owner".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", select.group(0))


def test_goal_owner_dropdown_shows_full_names(client: Any, head_a: Any, dept_a: Any) -> None:
    nameless = get_user_model().objects.create_user("nameless-leader")
    named = factories.UserFactory(username="jdoe", first_name="Jane", last_name="Doe")
    dept_a.key_leaders.add(nameless, named)
    client.force_login(head_a)
    response = client.get(reverse("departments:goal-create", args=[dept_a.slug]))
    options = owner_options(response.text)
    assert head_a.get_full_name() in options and "Jane Doe" in options
    assert "nameless-leader" in options  # no name: the username
    assert "head-infrastructure" not in options and "jdoe" not in options
    goal = factories.GoalFactory(department=dept_a, owner=named)
    edit = client.get(reverse("departments:goal-edit", args=[goal.pk]))
    assert "Jane Doe" in owner_options(edit.text)


@pytest.mark.parametrize("name", ["objectives:objective-create", "objectives:initiative-create"])
def test_security_owner_dropdowns_show_full_names(client: Any, ciso: Any, name: str) -> None:
    ciso.first_name, ciso.last_name = "Ada", "Lovelace"
    ciso.save()
    client.force_login(ciso)
    options = owner_options(client.get(reverse(name)).text)
    assert "Ada Lovelace" in options and "ciso" not in options


def test_a_goal_shows_its_check_ins_a_page_at_a_time(
    client: Any, ciso: Any, dept_a: Any, settings: Any
) -> None:
    settings.PAGE_SIZE = 3
    goal = factories.GoalFactory(department=dept_a)
    today = dt.date.today()
    for n in range(5):
        factories.CheckInFactory(goal=goal, date=today - dt.timedelta(days=n), value=90 + n)
    client.force_login(ciso)
    first = client.get(goal.get_absolute_url())
    assert [c.value for c in first.context["checkins"]] == [90, 91, 92]
    assert first.context["trend"] == [94, 93, 92, 91, 90]
    assert "Page 1 of 2" in first.text
    second = client.get(goal.get_absolute_url(), {"page": 2})
    assert [c.value for c in second.context["checkins"]] == [93, 94]
