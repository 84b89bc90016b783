"""The stakeholder engagement map: private to the security team, append-only, readable at
any earlier date, with signals from the data and a dashboard flag."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import engagement
from alignment.meetings.models import Attendance, MeetingSeries, Occurrence, OccurrenceStatus
from alignment.models import (
    Agreement,
    Commitment,
    Engagement,
    ReadingSource,
    Relation,
    StakeholderReading,
    StakeLevel,
)
from departments.models import TEXT_MAX_LENGTH
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()
READING = {
    "current_engagement": str(Engagement.NEUTRAL),
    "desired_engagement": str(Engagement.SUPPORTIVE),
    "influence": str(StakeLevel.HIGH),
    "interest": str(StakeLevel.MEDIUM),
    "note": "Asked good questions about SSO.",
}


def read(
    leader: Any,
    *,
    days_ago: float = 0,
    current: int = Engagement.NEUTRAL,
    desired: int = Engagement.SUPPORTIVE,
    influence: int = StakeLevel.HIGH,
    interest: int = StakeLevel.MEDIUM,
    **extra: Any,
) -> StakeholderReading:
    return StakeholderReading.objects.create(
        leader=leader,
        current_engagement=current,
        desired_engagement=desired,
        influence=influence,
        interest=interest,
        recorded_at=timezone.now() - dt.timedelta(days=days_ago),
        **extra,
    )


def day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


@pytest.fixture
def key_leader(dept_b: Any) -> Any:
    user = factories.UserFactory(username="sales-emea", first_name="Chloe", last_name="Martin")
    dept_b.key_leaders.add(user)
    return user


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    """A monthly one-on-one with the head of Sales, from next month (no meeting held yet)."""
    return factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=TODAY + dt.timedelta(days=30),
        now=timezone.now(),
    )


def meeting(series: MeetingSeries, days_ago: int, *, held: bool = True) -> Occurrence:
    """A past meeting of the series: held (minutes written) or a no-show (attendance
    taken, only the organiser there)."""
    start = timezone.now() - dt.timedelta(days=days_ago)
    occurrence = Occurrence.objects.create(
        series=series,
        original_start=start,
        start=start,
        end=start + dt.timedelta(minutes=45),
        minutes="Talked." if held else "",
    )
    if not held:
        for attendee in series.attendees.all():
            Attendance.objects.create(
                occurrence=occurrence,
                attendee=attendee,
                present=attendee.user_id == series.organiser_id,
            )
    return occurrence


def urls(occurrence: Occurrence, leader: Any) -> list[str]:
    return [
        reverse("alignment:engagement-matrix"),
        reverse("alignment:engagement-grid") + f"?on={day(3)}",
        reverse("alignment:engagement-movement") + f"?from={day(30)}&to={day(0)}",
        reverse("alignment:engagement-leader", args=[leader.pk]),
        reverse("alignment:engagement-meeting", args=[occurrence.pk]),
    ]


# --- Who may see it ------------------------------------------------------------------


def test_heads_key_leaders_and_executives_get_403_on_every_engagement_url(
    client: Any, head_a: Any, head_b: Any, key_leader: Any, executive: Any, series: Any
) -> None:
    read(head_b, days_ago=5)
    occurrence = meeting(series, 3)
    for user in (head_a, head_b, key_leader, executive):
        client.force_login(user)
        posts = [client.post(url, READING) for url in urls(occurrence, head_b)[3:]]
        assert [r.status_code for r in posts] == [403, 403]
        for url in urls(occurrence, head_b):
            assert client.get(url).status_code == 403, (user, url)
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 403, url
            # The GET-only pages refuse the method itself, before anything else.
            assert client.post(url, READING, **HTMX).status_code in {403, 405}, (user, url)
    assert StakeholderReading.objects.count() == 1


def test_the_meeting_page_gives_the_panel_only_to_the_security_team(
    client: Any, ciso: Any, head_b: Any, executive: Any, series: Any
) -> None:
    read(head_b, days_ago=5, note="Sceptical about MFA prompts.")
    occurrence = meeting(series, 2)
    for user in (head_b, executive):
        client.force_login(user)
        response = client.get(occurrence.get_absolute_url())
        assert response.status_code == 200
        assert response.context["engagement"] is None
        assert b"engagement-meeting" not in response.content
    client.force_login(ciso)
    response = client.get(occurrence.get_absolute_url())
    assert b'id="engagement-meeting"' in response.content
    assert b"Record engagement" in response.content


def test_the_dashboard_shows_the_flags_only_to_the_security_team(
    client: Any, ciso: Any, executive: Any, head_b: Any, dept_b: Any
) -> None:
    read(head_b, current=Engagement.RESISTANT, desired=Engagement.SUPPORTIVE)
    client.force_login(executive)
    response = client.get(reverse("home"))
    assert response.context["engagement_flags"] is None
    assert b"engagement-flags" not in response.content
    client.force_login(ciso)
    assert b'id="engagement-flags"' in client.get(reverse("home")).content


def test_it_refuses_the_wrong_method(client: Any, ciso: Any, head_b: Any, series: Any) -> None:
    client.force_login(ciso)
    for name in ("engagement-matrix", "engagement-grid", "engagement-movement"):
        assert client.post(reverse(f"alignment:{name}"), READING).status_code == 405
    leader_url = reverse("alignment:engagement-leader", args=[head_b.pk])
    assert client.put(leader_url).status_code == 405
    assert client.delete(leader_url).status_code == 405
    assert StakeholderReading.objects.count() == 0


def test_a_user_who_leads_nothing_has_no_leader_page(
    client: Any, ciso: Any, outsider: Any, head_b: Any, dept_b: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:engagement-leader", args=[outsider.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, READING).status_code == 404
    assert client.get(reverse("alignment:engagement-leader", args=[head_b.pk])).status_code == 200


# --- Recording: never an edit ------------------------------------------------------------


def test_ciso_records_readings_on_the_leaders_page_and_keeps_each(
    client: Any, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:engagement-leader", args=[head_b.pk])
    assert client.post(url, READING).status_code == 302
    moved = READING | {"current_engagement": str(Engagement.SUPPORTIVE), "note": "Won over."}
    assert client.post(url, moved).status_code == 302
    first, second = StakeholderReading.objects.order_by("pk")
    assert (first.current_engagement, first.note) == (Engagement.NEUTRAL, READING["note"])
    assert second.current_engagement == Engagement.SUPPORTIVE
    assert second.department == dept_b and second.recorded_by == ciso
    assert second.source == ReadingSource.OTHER
    page = client.get(url)
    assert page.context["latest"] == second
    assert list(page.context["history"]) == [second, first]
    # The form starts from the latest reading: only what moved needs changing.
    assert page.context["form"].initial["current_engagement"] == Engagement.SUPPORTIVE


def test_a_reading_can_cite_the_heads_answer_to_an_assessment(
    client: Any, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    answer = factories.AssessmentFactory(
        department=dept_b, head_agreement=Agreement.DISAGREED, head_comment="Too slow."
    )
    client.force_login(ciso)
    url = reverse("alignment:engagement-leader", args=[head_b.pk])
    response = client.post(url, READING | {"assessment": answer.pk}, **HTMX)
    assert response.status_code == 200
    assert b'id="engagement-history"' in response.content
    reading = StakeholderReading.objects.get()
    assert (reading.source, reading.assessment) == (ReadingSource.ASSESSMENT, answer)


def test_an_invalid_reading_answers_422_with_its_errors_and_saves_nothing(
    client: Any, ciso: Any, head_b: Any, series: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:engagement-leader", args=[head_b.pk])
    response = client.post(url, READING | {"current_engagement": "9"}, **HTMX)
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content
    too_long = READING | {"note": "x" * (TEXT_MAX_LENGTH + 1)}
    assert client.post(url, too_long).status_code == 422
    meeting_url = reverse("alignment:engagement-meeting", args=[meeting(series, 1).pk])
    assert client.post(meeting_url, {"influence": "3"}, **HTMX).status_code == 422
    assert client.post(meeting_url, {"influence": "3"}).status_code == 422
    assert StakeholderReading.objects.count() == 0


def test_ciso_records_in_place_from_a_one_on_one(
    client: Any, ciso: Any, head_b: Any, dept_b: Any, series: Any
) -> None:
    occurrence = meeting(series, 1)
    client.force_login(ciso)
    url = reverse("alignment:engagement-meeting", args=[occurrence.pk])
    response = client.post(url, READING, **HTMX)
    assert response.status_code == 200
    assert b"Recorded: " in response.content
    reading = StakeholderReading.objects.get()
    assert (reading.leader, reading.department) == (head_b, dept_b)
    assert (reading.source, reading.occurrence) == (ReadingSource.MEETING, occurrence)
    # Without htmx: back to the meeting page.
    response = client.post(url, READING)
    assert response.status_code == 302 and response["Location"] == occurrence.get_absolute_url()
    assert client.get(url).status_code == 200  # the panel on a page of its own


def test_a_joint_meeting_asks_which_leader_the_reading_is_about(
    client: Any, ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    joint = factories.joint(organiser=ciso, heads=[head_a, head_b], now=timezone.now())
    occurrence = meeting(joint, 1)
    client.force_login(ciso)
    url = reverse("alignment:engagement-meeting", args=[occurrence.pk])
    assert client.post(url, READING, **HTMX).status_code == 422
    assert client.post(url, READING | {"leader": head_a.pk}, **HTMX).status_code == 200
    reading = StakeholderReading.objects.get()
    assert (reading.leader, reading.department, reading.occurrence) == (head_a, dept_a, occurrence)


def test_a_meeting_without_leaders_refuses_a_reading_with_the_reason(
    client: Any, ciso: Any
) -> None:
    alone = factories.joint(organiser=ciso, heads=[], now=timezone.now())
    client.force_login(ciso)
    url = reverse("alignment:engagement-meeting", args=[meeting(alone, 1).pk])
    assert b"Nobody in this meeting" in client.get(url).content
    response = client.post(url, READING, **HTMX)
    assert response.status_code == 422
    assert b"Nobody in this meeting heads or leads a department." in response.content
    assert StakeholderReading.objects.count() == 0


# --- History: an earlier date shows what was recorded by then ----------------------------


def test_an_earlier_date_shows_what_had_been_recorded_by_then(
    client: Any, ciso: Any, head_b: Any
) -> None:
    read(head_b, days_ago=40, current=Engagement.RESISTANT)
    read(head_b, days_ago=10, current=Engagement.SUPPORTIVE)
    client.force_login(ciso)
    url = reverse("alignment:engagement-matrix")

    def standing(on: str) -> int | None:
        rows = client.get(url, {"on": on}).context["rows"]
        reading = next(r.reading for r in rows if r.leader == head_b)
        return None if reading is None else reading.current_engagement

    before = {d: standing(day(d)) for d in (50, 20, 0)}
    assert before == {50: None, 20: Engagement.RESISTANT, 0: Engagement.SUPPORTIVE}
    # Recording today changes today, never what an earlier day showed.
    leader_url = reverse("alignment:engagement-leader", args=[head_b.pk])
    client.post(leader_url, READING | {"current_engagement": str(Engagement.LEADING)})
    assert standing(day(20)) == Engagement.RESISTANT
    assert standing(day(0)) == Engagement.LEADING


def test_the_grid_places_leaders_by_influence_and_interest(
    client: Any, ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    read(head_b, influence=StakeLevel.HIGH, interest=StakeLevel.LOW)
    read(head_a, influence=StakeLevel.LOW, interest=StakeLevel.HIGH, days_ago=20)
    client.force_login(ciso)
    grid = client.get(reverse("alignment:engagement-grid")).context["grid"]
    assert [r.leader for r in grid[0][0].rows] == [head_b]  # high influence, low interest
    assert grid[0][0].advice == "Keep satisfied"
    assert [r.leader for r in grid[2][2].rows] == [head_a]  # low influence, high interest
    earlier = client.get(reverse("alignment:engagement-grid"), {"on": day(30)})
    assert all(not cell.rows for line in earlier.context["grid"] for cell in line)


def test_movement_shows_who_moved_between_two_dates(
    client: Any, ciso: Any, head_a: Any, head_b: Any, key_leader: Any, dept_a: Any
) -> None:
    read(head_b, days_ago=100, current=Engagement.RESISTANT)
    read(head_b, days_ago=5, current=Engagement.SUPPORTIVE)
    read(head_a, days_ago=100, current=Engagement.LEADING)
    read(key_leader, days_ago=3, current=Engagement.NEUTRAL)
    client.force_login(ciso)
    url = reverse("alignment:engagement-movement")
    response = client.get(url, {"from": day(60), "to": day(0)})
    moves = {m.leader: m for m in response.context["moves"]}
    assert moves[head_b].change == 2
    assert moves[head_a].change == 0 and not moves[head_a].changed
    assert moves[key_leader].before is None
    assert response.context["moves"][0].leader == head_b  # the biggest move first
    assert b"Up 2" in response.content and b"First reading" in response.content


def test_bad_dates_answer_422_with_the_reason(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = client.get(reverse("alignment:engagement-matrix"), {"on": future}, **HTMX)
    assert response.status_code == 422 and b"no future" in response.content
    assert client.get(reverse("alignment:engagement-grid"), {"on": "soon"}).status_code == 422
    movement = reverse("alignment:engagement-movement")
    response = client.get(movement, {"from": day(1), "to": day(5)})
    assert response.status_code == 422 and b"before the end" in response.content


# --- Signals and the dashboard flag ------------------------------------------------------


def test_signals_come_from_the_data_beside_each_leader(
    client: Any, ciso: Any, head_b: Any, dept_b: Any, key_leader: Any, series: Any
) -> None:
    factories.AssessmentFactory(department=dept_b, head_agreement=Agreement.DISAGREED)
    goal = factories.GoalFactory(department=dept_b)
    factories.LinkFactory(goal=goal, relation=Relation.CONFLICTS, mitigation="")
    meeting(series, 10, held=False)
    meeting(series, 80)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Commitment.objects.create(department=dept_b, title="Keys", due_date=yesterday)
    Commitment.objects.create(
        department=dept_b, title="Later", due_date=yesterday + dt.timedelta(days=30)
    )
    client.force_login(ciso)
    response = client.get(reverse("alignment:engagement-matrix"))
    signals = {r.leader: r.signals for r in response.context["rows"]}
    head = signals[head_b]
    assert (head.refused, head.conflicts, head.missed, head.overdue) == (1, 1, 1, 1)
    assert "1 commitment overdue" in response.content.decode()
    assert head.has_one_on_one and head.quiet and head.last_held is not None
    # A key leader shares the department's conflicts, not the head's answers.
    assert (signals[key_leader].refused, signals[key_leader].conflicts) == (0, 1)
    content = response.content.decode()
    assert "1 assessment refused" in content and "1 one-on-one missed" in content
    assert "No one-on-one held in 60 days" in content


def test_the_dashboard_flag_follows_the_rule_on_worked_examples(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any, head_a: Any, head_b: Any
) -> None:
    people = {
        name: factories.UserFactory(username=name, last_name=name.title())
        for name in ("qualifies", "at-desired", "medium-influence", "met", "met-long-ago", "won")
    }
    dept_a.key_leaders.add(*people.values())
    below = {"current": Engagement.RESISTANT, "desired": Engagement.SUPPORTIVE}
    read(people["qualifies"], **below)
    read(people["at-desired"], current=Engagement.SUPPORTIVE, desired=Engagement.SUPPORTIVE)
    read(people["medium-influence"], influence=StakeLevel.MEDIUM, **below)
    read(people["met"], **below)
    read(people["met-long-ago"], **below)
    read(people["won"], days_ago=30, **below)
    read(people["won"], current=Engagement.SUPPORTIVE, desired=Engagement.SUPPORTIVE)
    for name, days_ago in (("met", 20), ("met-long-ago", 75)):
        one = factories.one_on_one(
            organiser=ciso, leader=people[name], department=dept_a, now=timezone.now()
        )
        meeting(one, days_ago)
    flagged = [r.leader.username for r in engagement.flagged()]
    assert flagged == ["met-long-ago", "qualifies"]
    client.force_login(ciso)
    response = client.get(reverse("home"))
    assert [r.leader for r in response.context["engagement_flags"]] == [
        people["met-long-ago"],
        people["qualifies"],
    ]


def test_a_cancelled_meeting_does_not_count_as_held(ciso: Any, dept_a: Any) -> None:
    leader = factories.UserFactory(username="cancelled")
    dept_a.key_leaders.add(leader)
    read(leader, current=Engagement.UNAWARE, desired=Engagement.LEADING)
    one = factories.one_on_one(organiser=ciso, leader=leader, department=dept_a, now=timezone.now())
    cancelled = meeting(one, 10)
    cancelled.status = OccurrenceStatus.CANCELLED
    cancelled.save()
    assert [r.leader for r in engagement.flagged()] == [leader]


def test_the_map_and_the_flag_take_a_bounded_number_of_queries(
    django_assert_max_num_queries: Any, ciso: Any, dept_a: Any
) -> None:
    for index in range(12):
        leader = factories.UserFactory(username=f"leader-{index}")
        dept_a.key_leaders.add(leader)
        read(leader, days_ago=index, current=Engagement.RESISTANT)
        factories.one_on_one(organiser=ciso, leader=leader, department=dept_a, now=NOW)
    with django_assert_max_num_queries(1):
        assert len(engagement.flagged()) == 12
    with django_assert_max_num_queries(10):  # leaders (3), readings, six signals
        rows = engagement.engagement_map(TODAY)
        assert sum(1 for r in rows if r.reading) == 12
    with django_assert_max_num_queries(2):
        assert len(engagement.movement(TODAY - dt.timedelta(days=5), TODAY)) == 12


# --- The database keeps the rules --------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"current": 6},
        {"desired": 0},
        {"influence": 4},
        {"interest": 0},
        {"source": "rumour"},
        {"note": "x" * (TEXT_MAX_LENGTH + 1)},
        {"source": ReadingSource.OTHER, "with_occurrence": True},
    ],
)
def test_the_database_refuses_a_reading_out_of_range(
    bad: dict[str, Any], head_b: Any, series: Any
) -> None:
    if bad.pop("with_occurrence", False):
        bad["occurrence"] = meeting(series, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        read(head_b, **bad)


# --- The demo ---------------------------------------------------------------------------


def test_the_demo_map_tells_a_story_and_a_rerun_adds_nothing(settings: Any) -> None:
    settings.DEBUG = True  # seed_demo refuses to run without it
    call_command("seed_demo", stdout=StringIO())
    today = {
        r.leader.username: r for r in engagement.as_of(timezone.now()).select_related("leader")
    }
    assert today["head-sales"].current_engagement == Engagement.LEADING  # the champion
    assert today["head-finance"].current_engagement == Engagement.RESISTANT  # the sceptic
    moves = {
        m.leader.username: m for m in engagement.movement(TODAY - dt.timedelta(days=300), TODAY)
    }
    assert moves["head-infrastructure"].change == 2  # resistant to supportive
    assert today["head-infrastructure"].occurrence is not None  # read at her one-on-one
    assert StakeholderReading.objects.filter(source=ReadingSource.ASSESSMENT).exists()
    assert StakeholderReading.objects.order_by("recorded_at").first().recorded_at < (
        timezone.now() - dt.timedelta(days=300)
    )
    assert [r.leader.username for r in engagement.flagged()] == ["sre-lead"]
    count = StakeholderReading.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert StakeholderReading.objects.count() == count


def test_the_matrix_shows_a_page_of_leaders_with_a_constant_number_of_queries(
    client: Any, ciso: Any, settings: Any
) -> None:
    """600 leaders are a large company's normal: the matrix reads one page of them, and
    costs the same queries for 3 leaders as for 30."""
    settings.PAGE_SIZE = 2
    client.force_login(ciso)
    url = reverse("alignment:engagement-matrix")

    def leaders(n: int, start: int) -> None:
        for i in range(start, start + n):
            head = factories.UserFactory(
                username=f"lead{i:02}", first_name="Lee", last_name=f"{i:02}"
            )
            factories.DepartmentFactory(name=f"Unit {i:02}", slug=f"unit-{i:02}", head=head)
            read(head)

    leaders(3, 0)
    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    assert [r.leader.username for r in first.context["rows"]] == ["lead00", "lead01"]
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert [r.leader.username for r in second.context["rows"]] == ["lead02"]
    leaders(27, 3)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
