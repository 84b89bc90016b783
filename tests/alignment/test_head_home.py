"""A head's home: their goals with the initiatives that support or conflict with each
(and the mitigation), what awaits their answer, their next meetings with the security
team and their open action items, in one screen and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alignment.meetings.models import ActionItem
from alignment.models import Relation
from departments import budgets
from tests import factories

pytestmark = pytest.mark.django_db


def home(user: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def test_it_shows_each_goal_with_the_initiatives_that_support_or_conflict(
    head_a: Any, dept_a: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, title="Close the books in 3 days")
    factories.LinkFactory(goal=goal, initiative__title="Single sign-on")
    factories.LinkFactory(
        goal=goal,
        initiative__title="DLP for finance data",
        relation=Relation.CONFLICTS,
        mitigation="Allow-list the auditors' share.",
    )
    factories.LinkFactory(
        goal=goal, initiative__title="USB lockdown", relation=Relation.CONFLICTS, mitigation=""
    )
    factories.LinkFactory(goal=goal, initiative__title="Quiet one", relation=Relation.NEUTRAL)
    lonely = factories.GoalFactory(department=dept_a, title="Hire two analysts")
    page = home(head_a)
    assert "Close the books in 3 days" in page and lonely.title in page
    assert "Single sign-on" in page
    assert "mitigation: Allow-list the auditors&#x27; share." in page
    assert "USB lockdown" in page and "No mitigation yet" in page
    assert "Quiet one" not in page  # neutral links are not news
    assert "No security initiative touches this goal yet." in page


def test_it_shows_the_heads_next_meetings_and_not_other_peoples(
    ciso: Any, head_a: Any, dept_a: Any, head_b: Any, dept_b: Any
) -> None:
    now = timezone.now()
    first = timezone.localdate() + dt.timedelta(days=3)
    mine = factories.one_on_one(
        organiser=ciso, leader=head_a, department=dept_a, first=first, now=now
    )
    factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b, first=first, now=now)
    page = home(head_a)
    assert mine.title in page
    assert f"One-on-one with {head_b.username}" not in page
    next_meeting = mine.occurrences.order_by("start").first()
    assert next_meeting is not None and next_meeting.get_absolute_url() in page


@pytest.fixture
def meeting(ciso: Any, head_a: Any, dept_a: Any) -> Any:
    series = factories.one_on_one(organiser=ciso, leader=head_a, department=dept_a)
    return series.occurrences.order_by("start").first()


def test_it_lists_open_action_items_overdue_first_and_only_the_heads_own(
    head_a: Any, head_b: Any, meeting: Any
) -> None:
    today = timezone.localdate()
    item = {"occurrence": meeting}
    ActionItem.objects.create(title="Send the change list", owner=head_a, due_date=today, **item)
    ActionItem.objects.create(
        title="Review the vendor list",
        owner=head_a,
        due_date=today - dt.timedelta(days=2),
        **item,
    )
    ActionItem.objects.create(
        title="Already done", owner=head_a, done=True, done_at=timezone.now(), **item
    )
    ActionItem.objects.create(title="Head B's item", owner=head_b, **item)
    page = home(head_a)
    assert page.index("Review the vendor list") < page.index("Send the change list")
    assert "(overdue)" in page
    assert "Already done" not in page and "Head B&#x27;s item" not in page


def test_a_head_with_nothing_yet_sees_what_would_appear(head_a: Any, dept_a: Any) -> None:
    page = home(head_a)
    assert "No meeting in the next 60 days." in page
    assert "No open action items." in page


def test_the_home_does_bounded_work_whatever_the_number_of_goals(
    head_a: Any, dept_a: Any, meeting: Any, django_assert_max_num_queries: Any
) -> None:
    def add_goals(count: int) -> None:
        for _ in range(count):
            goal = factories.GoalFactory(department=dept_a)
            factories.LinkFactory(goal=goal)
            factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS, mitigation="")
            ActionItem.objects.create(title="Item", owner=head_a, occurrence=meeting)

    client = Client()
    client.force_login(head_a)
    add_goals(2)
    with django_assert_max_num_queries(40) as few:
        client.get("/")
    add_goals(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/").text
    # Twenty goals and items shown, with the way to the rest.
    assert "More goals on" in page and "Showing the first 20" in page


def test_a_budget_proposed_by_the_security_team_awaits_the_head_on_their_home(
    ciso: Any, head_a: Any, dept_a: Any
) -> None:
    proposal = budgets.propose(dept_a, hours=Decimal("12"), comment="", by=ciso)
    page = home(head_a)
    assert "Friction budget of Infrastructure</a>: 12 h/week proposed by" in page
    budgets.accept(dept_a, proposal.pk, by=head_a)
    page = home(head_a)
    assert "Friction budget of Infrastructure</a>" not in page
    assert "Nothing awaits your answer." in page
