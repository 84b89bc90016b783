"""The agenda: built from live data, department-scoped for one-on-ones, cross-department
for joint meetings (who sees what, and freezing at the start: test_live_agenda.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from alignment.meetings import agenda, agenda_view
from alignment.meetings.models import ActionItem, Occurrence
from alignment.models import Agreement, Commitment, Relation
from departments.models import Goal, GoalStatus
from objectives.models import InitiativeStatus
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db


def texts(table: Any, key: str) -> list[str]:
    section = next(s for s in table["sections"] if s["key"] == key)
    return [item["text"] for item in section["items"]]


def shown(occurrence: Occurrence, viewer: Any) -> agenda_view.ShownAgenda:
    """The agenda as `viewer` sees it on the tests' clock (before the first meeting)."""
    return agenda_view.agenda_for(occurrence, viewer, now=NOW)


@pytest.fixture
def live_data(dept_a: Any, dept_b: Any) -> dict[str, Any]:
    """In each department: an open conflict, a mitigated one, goals at risk, assessments."""
    data = {}
    for dept, name in ((dept_a, "infra"), (dept_b, "sales")):
        risky = factories.GoalFactory(
            department=dept, title=f"{name} at risk", status=GoalStatus.AT_RISK
        )
        factories.GoalFactory(department=dept, title=f"{name} off", status=GoalStatus.OFF_TRACK)
        factories.GoalFactory(department=dept, title=f"{name} fine", status=GoalStatus.ON_TRACK)
        factories.LinkFactory(
            goal=risky,
            initiative=factories.InitiativeFactory(title=f"{name} gate"),
            relation=Relation.CONFLICTS,
        )
        factories.LinkFactory(
            goal=risky,
            initiative=factories.InitiativeFactory(title=f"{name} softened"),
            relation=Relation.CONFLICTS,
            mitigation="Pre-approved changes skip the gate.",
        )
        factories.AssessmentFactory(
            department=dept, initiative=factories.InitiativeFactory(title=f"{name} pending")
        )
        factories.AssessmentFactory(
            department=dept,
            initiative=factories.InitiativeFactory(title=f"{name} agreed"),
            head_agreement=Agreement.AGREED,
        )
        factories.AssessmentFactory(
            department=dept,
            initiative=factories.InitiativeFactory(
                title=f"{name} dropped", status=InitiativeStatus.CANCELLED
            ),
        )
        data[name] = risky
    return data


def test_a_one_on_one_agenda_holds_its_departments_open_items_only(
    live_data: Any, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    table = shown(series.occurrences.first(), ciso)
    assert table["scope"] == "Sales"
    assert texts(table, "conflicts") == ["sales gate conflicts with “sales at risk”"]
    assert texts(table, "goals") == ["sales at risk", "sales off"]
    assert texts(table, "assessments") == ["sales pending: 4.0 h/week"]
    assert texts(table, "actions") == []


def test_a_joint_agenda_looks_across_departments(
    live_data: Any, ciso: Any, head_a: Any, head_b: Any
) -> None:
    series = factories.joint(organiser=ciso, heads=[head_a, head_b])
    table = shown(series.occurrences.first(), ciso)
    assert table["scope"] == "All departments"
    assert texts(table, "conflicts") == [
        "infra gate conflicts with “infra at risk” (Infrastructure)",
        "sales gate conflicts with “sales at risk” (Sales)",
    ]
    assert len(texts(table, "goals")) == 4
    assert texts(table, "assessments") == [
        "infra pending: 4.0 h/week (Infrastructure)",
        "sales pending: 4.0 h/week (Sales)",
    ]


def test_open_action_items_from_earlier_meetings_of_the_series_come_back(
    ciso: Any, head_b: Any, dept_b: Any, head_a: Any, dept_a: Any
) -> None:
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    other = factories.one_on_one(organiser=ciso, leader=head_a, department=dept_a)
    first, second = list(series.occurrences.order_by("start")[:2])
    ActionItem.objects.create(
        occurrence=first, title="Open item", owner=head_b, due_date=dt.date(2026, 3, 20)
    )
    done = ActionItem.objects.create(occurrence=first, title="Done item")
    done.set_done(True, at=NOW)
    done.save()
    ActionItem.objects.create(occurrence=other.occurrences.first(), title="Other series")
    ActionItem.objects.create(occurrence=second, title="Raised later")

    table = shown(second, head_b)

    assert texts(table, "actions") == ["Open item"]
    item = table["sections"][3]["items"][0]
    assert item["detail"].endswith("due 20 Mar 2026")
    assert item["url"] == first.get_absolute_url()


def test_the_agenda_picks_up_todays_data_without_a_rebuild(
    live_data: Any, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    occurrence = series.occurrences.first()
    assert texts(shown(occurrence, head_b), "conflicts")
    live_data["sales"].links.update(mitigation="Agreed a fast lane.")
    assert texts(shown(occurrence, head_b), "conflicts") == []
    occurrence = Occurrence.objects.get(pk=occurrence.pk)
    assert occurrence.agenda == {} and occurrence.agenda_built_at is None  # nothing stored


def test_a_long_section_is_capped_and_says_there_is_more(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    for n in range(agenda.ITEMS_PER_SECTION + 2):
        factories.GoalFactory(department=dept_b, title=f"Risky {n:02}", status=GoalStatus.AT_RISK)
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    table = shown(series.occurrences.first(), head_b)
    section = table["sections"][1]
    assert len(section["items"]) == agenda.ITEMS_PER_SECTION
    assert section["more"] is True
    lines = agenda_view.agenda_lines(table)
    assert lines[-1].endswith("more on the meeting page")


def test_building_an_agenda_takes_the_same_queries_for_ten_times_the_data(
    ciso: Any, head_b: Any, dept_b: Any, django_assert_num_queries: Any
) -> None:
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    occurrence = series.occurrences.select_related("series__department").first()

    def grow(n: int) -> None:
        for _ in range(n):
            goal = factories.GoalFactory(department=dept_b, status=GoalStatus.AT_RISK)
            factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS)
            factories.AssessmentFactory(department=dept_b)
            ActionItem.objects.create(occurrence=occurrence, title="x", owner=head_b)
            Commitment.objects.create(department=dept_b, title="x", due_date=dt.date(2026, 4, 1))

    # The programme's version; conflicts, goals, assessments, commitments, the departments'
    # figures (a save came before: none of them kept); the series' open actions.
    grow(1)
    with django_assert_num_queries(7):
        agenda.build_agenda(occurrence)
    grow(10)
    with django_assert_num_queries(7):
        agenda.build_agenda(occurrence)


def test_what_an_agenda_shows_of_a_department_is_read_once_and_never_stale(
    ciso: Any, head_b: Any, dept_b: Any, django_assert_num_queries: Any
) -> None:
    series = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    first, second = series.occurrences.select_related("series__department")[:2]
    factories.GoalFactory(department=dept_b, title="Ship the portal", status=GoalStatus.AT_RISK)
    ActionItem.objects.create(occurrence=first, title="Draft the exception", owner=head_b)
    agenda.build_agenda(first)

    # Nothing saved since: the version, and the next meeting's own open actions.
    with django_assert_num_queries(2):
        table = agenda.build_agenda(second)
    assert texts(table, "goals") == ["Ship the portal"]
    assert texts(table, "actions") == ["Draft the exception"]

    factories.GoalFactory(department=dept_b, title="Renew the SOC", status=GoalStatus.OFF_TRACK)
    assert texts(agenda.build_agenda(second), "goals") == ["Ship the portal", "Renew the SOC"]
    Goal.objects.filter(department=dept_b).update(status=GoalStatus.ON_TRACK)  # no signal
    assert texts(agenda.build_agenda(second), "goals") == []
