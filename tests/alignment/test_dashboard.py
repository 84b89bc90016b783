"""The CISO's dashboard, read-only for executives, and the lists behind its figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import charts, figures, friction
from alignment.meetings import figures as meeting_figures
from alignment.models import Agreement, Relation
from alignment.views.dashboard import CADENCE_ROWS
from departments.models import GoalStatus
from objectives.models import InitiativeStatus
from tests import factories

pytestmark = pytest.mark.django_db


def grow(count: int) -> None:
    """`count` departments, each with goals, an objective, initiatives, links, assessments."""
    for _ in range(count):
        department = factories.DepartmentFactory(head=factories.UserFactory())
        objective = factories.ObjectiveFactory()
        supporting, conflicting = factories.InitiativeFactory.create_batch(2, objective=objective)
        at_risk, off_track = (
            factories.GoalFactory(department=department, status=GoalStatus.AT_RISK),
            factories.GoalFactory(department=department, status=GoalStatus.OFF_TRACK),
        )
        factories.LinkFactory(initiative=supporting, goal=at_risk, relation=Relation.SUPPORTS)
        factories.LinkFactory(initiative=conflicting, goal=off_track, relation=Relation.CONFLICTS)
        factories.AssessmentFactory(initiative=supporting, department=department)
        factories.AssessmentFactory(
            initiative=conflicting,
            department=department,
            head_agreement=Agreement.DISAGREED,
            head_comment="Not this quarter.",
            hours_per_week=Decimal("30"),
        )


def queries_for(client: Any, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


# --- Who sees what ---------------------------------------------------------------------


def test_dashboard_on_an_empty_database(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 200
    text = response.text
    assert "Security &amp; business at a glance" in text
    assert "No departments yet" in text
    assert "None: every conflict has a mitigation." in text
    assert "No goal is at risk or off track." in text
    assert "No assessment awaits a head's answer." in text
    assert "No head has refused an assessment." in text
    assert "No security initiative yet." in text
    assert "0 of 0 active goals supported" in text


@pytest.mark.parametrize("who", ["ciso", "executive", "admin_user"])
def test_everyone_who_reads_everything_gets_the_dashboard(
    client: Any, request: pytest.FixtureRequest, who: str
) -> None:
    grow(1)
    client.force_login(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 200
    assert "Added workflow hours per week" in response.text


def test_heads_keep_their_home_page(client: Any, head_a: Any, dept_a: Any) -> None:
    factories.AssessmentFactory(department=dept_a, initiative__title="EDR everywhere")
    client.force_login(head_a)
    response = client.get("/")
    assert "Added workflow hours per week" not in response.text
    assert "Awaiting your answer" in response.text
    assert "EDR everywhere" in response.text
    assert "Within budget" in response.text


def test_executive_sees_the_same_figures_without_edit_buttons(
    client: Any, ciso: Any, executive: Any
) -> None:
    grow(2)
    client.force_login(ciso)
    ciso_page = client.get("/").text
    client.force_login(executive)
    exec_page = client.get("/").text
    assert "/friction-budget/" in ciso_page and "/edit/" in ciso_page
    assert "/friction-budget/" not in exec_page
    assert "/edit/" not in exec_page
    assert ">Set budget<" not in exec_page and ">Edit<" not in exec_page
    for figure in ("Goal coverage", "Unmitigated conflicts", "Initiatives by status"):
        assert figure in exec_page


def test_dashboard_wrong_method(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert client.post("/").status_code == 405


# --- The figures -----------------------------------------------------------------------


def test_goal_coverage_counts_active_goals_with_a_supporting_initiative(dept_a: Any) -> None:
    covered = factories.GoalFactory(department=dept_a)
    factories.LinkFactory(goal=covered, relation=Relation.SUPPORTS)
    neutral = factories.GoalFactory(department=dept_a)
    factories.LinkFactory(goal=neutral, relation=Relation.NEUTRAL)
    cancelled_support = factories.GoalFactory(department=dept_a)
    factories.LinkFactory(
        goal=cancelled_support,
        relation=Relation.SUPPORTS,
        initiative__status=InitiativeStatus.CANCELLED,
    )
    done = factories.GoalFactory(department=dept_a, status=GoalStatus.DONE)
    factories.LinkFactory(goal=done, relation=Relation.SUPPORTS)

    coverage = figures.goal_coverage()

    assert (coverage.active, coverage.covered, coverage.percent) == (3, 1, 33)
    assert figures.Coverage(0, 0).percent is None
    listed = {g.pk: g.supporting_count for g in figures.goals_with_support()}
    assert listed == {covered.pk: 1, neutral.pk: 0, cancelled_support.pk: 0}


def test_unmitigated_conflicts_leave_out_mitigated_and_cancelled(dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    open_conflict = factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS)
    factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS, mitigation="Pre-approved.")
    factories.LinkFactory(
        goal=goal, relation=Relation.CONFLICTS, initiative__status=InitiativeStatus.CANCELLED
    )
    assert list(figures.unmitigated_conflicts()) == [open_conflict]


def test_initiatives_by_status_lists_every_status() -> None:
    factories.InitiativeFactory.create_batch(2, status=InitiativeStatus.PLANNED)
    counts = {value: count for value, _, count in figures.initiatives_by_status()}
    assert counts[InitiativeStatus.PLANNED] == 2
    assert counts[InitiativeStatus.CANCELLED] == 0
    assert list(counts) == list(InitiativeStatus.values)


def test_every_figure_links_to_the_list_behind_it(client: Any, ciso: Any) -> None:
    grow(1)
    client.force_login(ciso)
    page = client.get("/").text
    for href in (
        reverse("alignment:coverage"),
        reverse("alignment:conflict-list") + "?unmitigated=1",
        reverse("departments:goal-list") + "?status=at_risk_or_off_track",
        reverse("alignment:assessment-list") + "?agreement=pending",
        reverse("alignment:assessment-list") + "?agreement=disagreed",
        reverse("objectives:initiative-list") + "?status=in_progress",
        reverse("alignment:assessment-list") + "?department=department-",
    ):
        assert f'href="{href}' in page, href
    assert reverse("alignment:matrix", args=["department-x"]).rsplit("department-x", 1)[0] in page


def test_dashboard_shows_the_figures(client: Any, ciso: Any, dept_a: Any) -> None:
    dept_a.friction_budget_hours = Decimal("3")
    dept_a.save()
    goal = factories.GoalFactory(department=dept_a, status=GoalStatus.AT_RISK, title="p95 deploy")
    factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS, initiative__title="Approval gate")
    factories.AssessmentFactory(
        department=dept_a,
        hours_per_week=Decimal("4"),
        head_agreement=Agreement.DISAGREED,
        head_comment="Too slow for us.",
    )
    client.force_login(ciso)
    response = client.get("/")
    board = response.context["board"]
    assert board.conflict_count == 1
    assert board.goals_at_risk_count == 1
    assert board.refused_count == 1
    assert [f.department for f in board.over_budget] == [dept_a]
    text = response.text
    assert "Approval gate" in text and "p95 deploy" in text
    assert "Too slow for us." in text
    assert "Over budget by 1 h" in text


def test_chart_names_every_department_with_its_hours(client: Any, ciso: Any, dept_a: Any) -> None:
    dept_b = factories.DepartmentFactory(name="Sales", slug="sales", friction_budget_hours=2)
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("2.5"))
    factories.AssessmentFactory(department=dept_b, hours_per_week=Decimal("6"))
    client.force_login(ciso)
    chart = str(client.get("/").context["chart"])
    assert chart.startswith('<svg class="chart"') and 'role="img"' in chart
    assert 'aria-labelledby="friction-chart-title friction-chart-desc"' in chart
    assert "<title id=" in chart and "<desc id=" in chart
    assert ">Infrastructure</text>" in chart and ">2.5 of 20 h/week</text>" in chart
    assert ">Sales</text>" in chart and ">6 of 2 h/week — over budget</text>" in chart
    assert "Sales: 6 of 2 h/week — over budget" in chart  # in the description too


def test_chart_escapes_names_and_handles_no_departments(dept_a: Any) -> None:
    dept_a.name = "<script>alert(1)</script>"
    row = friction.Friction(dept_a, Decimal("1"), Decimal("0"))
    svg = str(charts.friction_chart([row]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "No departments yet" in str(charts.friction_chart([]))


def test_chart_with_only_zeros_draws_empty_bars(dept_a: Any) -> None:
    row = friction.Friction(dept_a, Decimal("0"), Decimal("0"))
    svg = str(charts.friction_chart([row]))
    assert ">0 of 0 h/week</text>" in svg
    assert 'width="0.0"' in svg


def test_dashboard_query_count_does_not_grow_tenfold(
    client: Any, ciso: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    grow(2)
    # Computed (the cache is cold): 22 for the alignment figures, 5 for the meetings
    # (upcoming, cadence, overdue), 4 for support commitments and requests (figures, open
    # requests, overdue commitments) and the engagement flags, 3 for the security budget
    # (envelope, committed, actual), 1 for the programme's version.
    cache.clear()
    with django_assert_max_num_queries(34):
        client.get("/")
    cache.clear()
    small = queries_for(client, "/")
    grow(18)
    cache.clear()
    assert queries_for(client, "/") == small


# --- The lists behind the figures ------------------------------------------------------


def test_conflict_list_filters_unmitigated_and_department(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any
) -> None:
    open_a = factories.LinkFactory(
        goal=factories.GoalFactory(department=dept_a), relation=Relation.CONFLICTS
    )
    mitigated_b = factories.LinkFactory(
        goal=factories.GoalFactory(department=dept_b),
        relation=Relation.CONFLICTS,
        mitigation="Done in chat.",
    )
    factories.LinkFactory(goal=factories.GoalFactory(department=dept_a))  # supports
    client.force_login(ciso)
    url = reverse("alignment:conflict-list")

    def listed(**params: str) -> list[Any]:
        return list(client.get(url, params).context["page"].object_list)

    assert set(listed()) == {open_a, mitigated_b}
    assert listed(unmitigated="1") == [open_a]
    assert listed(department="sales") == [mitigated_b]
    assert listed(unmitigated="1", department="sales") == []
    assert (
        "No unmitigated conflict"
        in client.get(url, {"unmitigated": "1", "department": "sales"}).text
    )


def test_a_head_lists_only_conflicts_with_their_goals(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    mine = factories.LinkFactory(
        goal=factories.GoalFactory(department=dept_a), relation=Relation.CONFLICTS
    )
    factories.LinkFactory(
        goal=factories.GoalFactory(department=dept_b), relation=Relation.CONFLICTS
    )
    client.force_login(head_a)
    page = client.get(reverse("alignment:conflict-list")).context["page"]
    assert list(page.object_list) == [mine]


def test_coverage_lists_goals_with_and_without_support(client: Any, ciso: Any, dept_a: Any) -> None:
    supported = factories.GoalFactory(department=dept_a, title="Supported goal")
    factories.LinkFactory(goal=supported, relation=Relation.SUPPORTS)
    factories.LinkFactory(goal=supported, relation=Relation.SUPPORTS)
    alone = factories.GoalFactory(department=dept_a, title="Lonely goal")
    factories.GoalFactory(department=dept_a, status=GoalStatus.DONE, title="Finished goal")
    client.force_login(ciso)
    url = reverse("alignment:coverage")

    response = client.get(url)
    assert response.context["coverage"].percent == 50
    assert "2 initiatives" in response.text and "Finished goal" not in response.text
    assert [g.pk for g in client.get(url, {"supported": "1"}).context["page"]] == [supported.pk]
    assert [g.pk for g in client.get(url, {"supported": "0"}).context["page"]] == [alone.pk]


def test_a_head_sees_coverage_of_their_own_goals(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    mine = factories.GoalFactory(department=dept_a)
    factories.GoalFactory(department=dept_b)
    client.force_login(head_a)
    response = client.get(reverse("alignment:coverage"))
    assert [g.pk for g in response.context["page"]] == [mine.pk]
    assert response.context["coverage"].active == 1


@pytest.mark.parametrize("name", ["alignment:conflict-list", "alignment:coverage"])
def test_lists_wrong_method(client: Any, ciso: Any, name: str) -> None:
    client.force_login(ciso)
    assert client.post(reverse(name)).status_code == 405


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("alignment:conflict-list", {"unmitigated": "1"}),
        ("alignment:coverage", {"supported": "0"}),
        ("alignment:assessment-list", {"agreement": "disagreed"}),
    ],
)
def test_list_query_counts_do_not_grow_tenfold(
    client: Any, ciso: Any, name: str, params: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    url = reverse(name)
    grow(2)
    with django_assert_max_num_queries(10):
        client.get(url, params)
    small = queries_for(client, url, **params)
    grow(18)
    assert queries_for(client, url, **params) == small


def test_lists_paginate(client: Any, ciso: Any, dept_a: Any) -> None:
    goal = factories.GoalFactory(department=dept_a)
    for _ in range(51):
        factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS)
    client.force_login(ciso)
    url = reverse("alignment:conflict-list")
    first = client.get(url, {"unmitigated": "1"})
    assert len(first.context["page"].object_list) == 50
    assert "?unmitigated=1&amp;page=2" in first.text
    assert len(client.get(url, {"unmitigated": "1", "page": "2"}).context["page"]) == 1


def test_the_cadence_table_names_the_one_on_ones_furthest_behind(ciso: Any) -> None:
    """The database ranks every one-on-one: held ÷ planned lowest first, nothing planned
    counts as on track; the dashboard names CADENCE_ROWS and says how many there are."""
    now = timezone.now()

    def series(name: str, held: int, planned: int) -> Any:
        leader = factories.UserFactory(username=f"lead-{name.lower().replace(' ', '-')}")
        department = factories.DepartmentFactory(name=name, head=leader)
        one = factories.one_on_one(organiser=ciso, leader=leader, department=department)
        one.occurrences.all().delete()
        for n in range(planned):
            start = now - dt.timedelta(days=7 * (n + 1))
            occurrence = one.occurrences.create(
                original_start=start, start=start, end=start + dt.timedelta(minutes=30)
            )
            if n < held:
                occurrence.minutes = "Held."
                occurrence.save()
        return one

    for n in range(CADENCE_ROWS):
        series(f"On time {n:02}", 3, 3)
    series("Half", 1, 2)
    series("Never", 0, 3)
    series("Nothing planned", 0, 0)
    overview = meeting_figures.meetings_overview(now=now, cadence_rows=CADENCE_ROWS)
    shown = [s.department.name for s in overview.cadence]
    assert len(shown) == CADENCE_ROWS
    assert shown[:2] == ["Never", "Half"]
    assert "Nothing planned" not in shown
    assert overview.cadence_count == CADENCE_ROWS + 3
