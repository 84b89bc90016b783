"""Sharing a joint meeting's department item with all heads (issue 11): the security team
marks an item shared, every head then reads it in full (without a link to a department
they do not read); until then, and after, other departments are figures only. One-on-one
action items never leave their series."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.meetings import agenda, agenda_view, reminders
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    ActionItem,
    JointShare,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    Reminder,
)
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.views.shares import NOT_ON_AGENDA, STARTED
from alignment.models import Agreement, Relation
from departments.models import GoalStatus
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

# What the head of Sales reads of Infrastructure only once it is shared.
GOAL = "Infra pipeline at risk"
CONFLICT = "Blocks hotfixes"
ASSESSMENT = "Change board"
FIGURES = "Infrastructure: 1 goal at risk or off track, 1 unmitigated conflict"
BADGE = "Shared with all heads</span>"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def weekly(organiser: Any, kind: str, users: list[Any], **extra: Any) -> MeetingSeries:
    """A weekly series starting in a week (real clock), made by the service the pages use."""
    first = timezone.localdate() + dt.timedelta(days=7)
    return meeting_services.series_create(
        organiser=organiser,
        kind=kind,
        title=f"{kind} meeting",
        rule=preset_rule(Preset.WEEKLY, first),
        start_date=first,
        start_time=dt.time(10, 0),
        time_zone="Europe/Berlin",
        users=users,
        **extra,
    )


def earlier(series: MeetingSeries, days: int = 3) -> Occurrence:
    start = timezone.now() - dt.timedelta(days=days)
    return Occurrence.objects.create(
        series=series, original_start=start, start=start, end=start + dt.timedelta(hours=1)
    )


def next_meeting(series: MeetingSeries) -> Occurrence:
    return series.occurrences.filter(start__gt=timezone.now()).order_by("start").first()


def agenda_html(body: str) -> str:
    found = re.search(r'<section id="agenda".*?</section>', body, re.S)
    assert found is not None
    return found.group(0)


def agenda_links(body: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', agenda_html(body))


def share_url(occurrence: Occurrence) -> str:
    return reverse("alignment:agenda-share", args=[occurrence.pk])


def fragment_url(occurrence: Occurrence) -> str:
    return reverse("alignment:meeting-agenda", args=[occurrence.pk])


def reminder_body(occurrence: Occurrence, user: Any) -> str:
    attendee = occurrence.series.attendees.get(user=user)
    row = Reminder.objects.filter(occurrence=occurrence, attendee=attendee).order_by(
        "lead_minutes"
    )[0]
    message = reminders.reminder_email(row, occurrence.start - dt.timedelta(hours=1))
    assert not isinstance(message, str), message
    return message.body + str(message.alternatives[0].content)


def seen_by(user: Any, occurrence: Occurrence) -> list[str]:
    """The agenda as `user` reads it: on the page, in its fragment, in the reminder."""
    client = client_for(user)
    return [
        agenda_html(client.get(occurrence.get_absolute_url()).text),
        client.get(fragment_url(occurrence), **HTMX).text,
        reminder_body(occurrence, user),
    ]


@pytest.fixture
def infra(dept_a: Any) -> dict[str, Any]:
    """Infrastructure's goal at risk, its unmitigated conflict, an assessment awaiting it."""
    goal = factories.GoalFactory(department=dept_a, title=GOAL, status=GoalStatus.AT_RISK)
    link = factories.LinkFactory(
        goal=goal,
        initiative=factories.InitiativeFactory(title="Infra CRM gate"),
        relation=Relation.CONFLICTS,
        rationale=CONFLICT,
    )
    assessment = factories.AssessmentFactory(department=dept_a, processes_touched=ASSESSMENT)
    return {"goal": goal, "link": link, "assessment": assessment}


@pytest.fixture
def head_c(db: Any) -> Any:
    return factories.UserFactory(username="head-finance")


@pytest.fixture
def joint(
    ciso: Any, head_a: Any, head_b: Any, head_c: Any, dept_b: Any, infra: dict[str, Any]
) -> Occurrence:
    """The next joint meeting of three heads (Infrastructure, Sales, Finance), with an
    action item of its own series and one of the CISO's one-on-one with the head of Sales."""
    factories.DepartmentFactory(name="Finance", slug="finance", head=head_c)
    factories.GoalFactory(department=dept_b, title="Sales quota", status=GoalStatus.OFF_TRACK)
    series = weekly(ciso, MeetingKind.JOINT, [head_a, head_b, head_c])
    ActionItem.objects.create(occurrence=earlier(series), title="Joint follow-up")
    one = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b, now=timezone.now())
    ActionItem.objects.create(occurrence=earlier(one), title="Sales one-on-one action")
    return next_meeting(series)


def share(
    client: Client, occurrence: Occurrence, key: str, shared: bool = True, **headers: Any
) -> Any:
    return client.post(
        share_url(occurrence), {"item": key, "shared": "true" if shared else "false"}, **headers
    )


def start_now(occurrence: Occurrence) -> None:
    start = timezone.now() - dt.timedelta(minutes=5)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        start=start, end=start + dt.timedelta(hours=1)
    )
    occurrence.refresh_from_db()


# --- Before sharing: counts only ------------------------------------------------------------


def test_before_sharing_a_head_sees_other_departments_as_figures_only(
    joint: Occurrence, head_b: Any
) -> None:
    for body in seen_by(head_b, joint):
        for secret in (GOAL, CONFLICT, ASSESSMENT, "Infra CRM gate"):
            assert secret not in body, secret
        assert FIGURES in body
        assert "Sales quota" in body  # their own department in full
        assert "Shared with all heads" not in body


def test_the_joint_agenda_gives_each_department_item_its_key(
    joint: Occurrence, infra: dict[str, Any]
) -> None:
    table = agenda.build_agenda(joint)
    keys = agenda.item_keys(table)
    assert {
        f"goal:{infra['goal'].pk}",
        f"conflict:{infra['link'].pk}",
        f"assessment:{infra['assessment'].pk}",
    } <= keys
    assert all(agenda.SHARE_KEY.fullmatch(key) for key in keys)
    goals = next(s for s in table["sections"] if s["key"] == "goals")["items"]
    assert {item.get("shared") for item in goals} == {False}
    actions = next(s for s in table["sections"] if s["key"] == "actions")["items"]
    assert all("key" not in item for item in actions)


def test_the_security_team_sees_share_buttons_on_the_live_joint_agenda_only(
    joint: Occurrence, ciso: Any, head_a: Any, head_b: Any, infra: dict[str, Any]
) -> None:
    page = agenda_html(client_for(ciso).get(joint.get_absolute_url()).text)
    assert page.count(f'action="{share_url(joint)}"') == 4  # two goals, a conflict, an assessment
    assert f'value="goal:{infra["goal"].pk}"' in page and "Share with all heads" in page
    for head in (head_a, head_b):
        assert "Share with all heads" not in client_for(head).get(joint.get_absolute_url()).text
    one = next_meeting(MeetingSeries.objects.get(kind=MeetingKind.ONE_ON_ONE))
    assert "Share with all heads" not in client_for(ciso).get(one.get_absolute_url()).text


# --- Sharing --------------------------------------------------------------------------------


def test_a_shared_goal_is_read_in_full_by_every_head_without_a_dead_link(
    joint: Occurrence, ciso: Any, head_a: Any, head_b: Any, head_c: Any, infra: dict[str, Any]
) -> None:
    goal = infra["goal"]
    response = share(client_for(ciso), joint, f"goal:{goal.pk}", **HTMX)
    assert response.status_code == 200
    assert response.text.strip().startswith('<section id="agenda"')
    assert "Stop sharing" in response.text and BADGE in response.text
    row = JointShare.objects.get()
    assert (row.series, row.item, row.shared_by) == (joint.series, f"goal:{goal.pk}", ciso)

    detail = f"{goal.get_status_display()}, {goal.progress_percent} % of the way"
    for head in (head_b, head_c):
        for body in seen_by(head, joint):
            assert f"{GOAL} (Infrastructure)" in body and detail in body
            assert CONFLICT not in body and ASSESSMENT not in body  # not shared
            assert FIGURES in body  # the figures stay
        client = client_for(head)
        page = client.get(joint.get_absolute_url()).text
        assert BADGE in agenda_html(page)
        assert goal.get_absolute_url() not in agenda_links(page)
        for link in agenda_links(page):
            assert client.get(link).status_code == 200, (head, link)
    # Its own head keeps the link, which opens for them.
    page = client_for(head_a).get(joint.get_absolute_url()).text
    assert goal.get_absolute_url() in agenda_links(page) and BADGE in page


def test_stop_sharing_hides_it_again_and_both_are_idempotent(
    joint: Occurrence, ciso: Any, head_b: Any, infra: dict[str, Any]
) -> None:
    client, key = client_for(ciso), f"goal:{infra['goal'].pk}"
    for _ in range(2):
        assert share(client, joint, key, **HTMX).status_code == 200
    assert JointShare.objects.filter(item=key).count() == 1
    for _ in range(2):
        response = share(client, joint, key, shared=False, **HTMX)
        assert response.status_code == 200 and "Stop sharing" not in response.text
    assert not JointShare.objects.exists()
    for body in seen_by(head_b, joint):
        assert GOAL not in body and FIGURES in body


def test_without_htmx_sharing_redirects_to_the_meeting_with_a_message(
    joint: Occurrence, ciso: Any, infra: dict[str, Any]
) -> None:
    response = share(client_for(ciso), joint, f"conflict:{infra['link'].pk}")
    assert response.status_code == 302 and response.url == joint.get_absolute_url()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Shared with all heads."]
    assert JointShare.objects.get().item == f"conflict:{infra['link'].pk}"


def test_a_share_holds_for_the_series_later_meetings_but_not_other_series(
    joint: Occurrence, ciso: Any, head_a: Any, head_b: Any, infra: dict[str, Any]
) -> None:
    share(client_for(ciso), joint, f"goal:{infra['goal'].pk}", **HTMX)
    later = joint.series.occurrences.filter(start__gt=joint.start).first()
    assert GOAL in agenda_html(client_for(head_b).get(later.get_absolute_url()).text)
    other = next_meeting(weekly(ciso, MeetingKind.JOINT, [head_a, head_b]))
    assert GOAL not in agenda_html(client_for(head_b).get(other.get_absolute_url()).text)


# --- Who may share, and what ----------------------------------------------------------------


def test_a_head_cannot_share(
    joint: Occurrence, head_a: Any, outsider: Any, infra: dict[str, Any]
) -> None:
    key = f"goal:{infra['goal'].pk}"
    assert share(client_for(head_a), joint, key, **HTMX).status_code == 403
    assert share(client_for(head_a), joint, key).status_code == 403
    assert share(client_for(outsider), joint, key).status_code == 404  # not their meeting
    assert not JointShare.objects.exists()


def test_sharing_answers_post_only(joint: Occurrence, ciso: Any) -> None:
    assert client_for(ciso).get(share_url(joint)).status_code == 405


def test_a_guest_email_shows_figures_only_even_when_shared(
    ciso: Any, head_b: Any, infra: dict[str, Any]
) -> None:
    series = weekly(
        ciso,
        MeetingKind.JOINT,
        [head_b],
        guests=(meeting_services.Guest("ada@example.org", "Ada Lovelace"),),
    )
    meeting = next_meeting(series)
    JointShare.objects.create(series=series, item=f"goal:{infra['goal'].pk}")
    table = agenda_view.agenda_for(meeting, None)
    lines = "\n".join(agenda_view.agenda_lines(table))
    assert GOAL not in lines and FIGURES in lines
    assert table["can_share"] is False


@pytest.mark.parametrize(
    "key",
    [
        "",
        "goal",
        "goal:",
        "goal:abc",
        "goal:-1",
        "action:{action}",
        "Goal:{goal}",
        " goal:{goal}",
        "goal:{goal}\n",
        "goal:0{goal}",
        "goal:{on_track}",  # on track: not on the agenda
        "conflict:{mitigated}",  # mitigated: not on the agenda
        "assessment:{agreed}",  # agreed: not on the agenda
        "goal:99999",
        "goal:" + "9" * 60,
    ],
)
def test_a_malformed_key_or_one_not_on_the_agenda_is_refused_in_place(
    joint: Occurrence, ciso: Any, dept_a: Any, infra: dict[str, Any], key: str
) -> None:
    on_track = factories.GoalFactory(department=dept_a, status=GoalStatus.ON_TRACK)
    mitigated = factories.LinkFactory(
        goal=infra["goal"], relation=Relation.CONFLICTS, mitigation="A fast lane."
    )
    agreed = factories.AssessmentFactory(department=dept_a, head_agreement=Agreement.AGREED)
    key = key.format(
        goal=infra["goal"].pk,
        action=ActionItem.objects.get(title="Joint follow-up").pk,
        on_track=on_track.pk,
        mitigated=mitigated.pk,
        agreed=agreed.pk,
    )
    client = client_for(ciso)
    response = share(client, joint, key, **HTMX)
    assert response.status_code == 422
    assert response.text.strip().startswith('<section id="agenda"')
    assert NOT_ON_AGENDA.replace("'", "&#x27;") in response.text
    response = share(client, joint, key)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_ON_AGENDA]
    assert not JointShare.objects.exists()


def test_an_item_posted_to_a_meeting_of_another_series_is_refused(
    joint: Occurrence, ciso: Any, head_a: Any, dept_a: Any, infra: dict[str, Any]
) -> None:
    """A one-on-one's agenda shows the goal, but has nothing to share; a senior one
    neither."""
    one = next_meeting(
        factories.one_on_one(organiser=ciso, leader=head_a, department=dept_a, now=timezone.now())
    )
    senior = next_meeting(weekly(ciso, MeetingKind.SENIOR, [head_a]))
    for meeting in (one, senior):
        response = share(client_for(ciso), meeting, f"goal:{infra['goal'].pk}", **HTMX)
        assert response.status_code == 422, meeting
    assert not JointShare.objects.exists()


# --- Started and frozen ---------------------------------------------------------------------


def test_a_started_meeting_refuses_to_share(
    joint: Occurrence, ciso: Any, infra: dict[str, Any]
) -> None:
    start_now(joint)
    client, key = client_for(ciso), f"goal:{infra['goal'].pk}"
    response = share(client, joint, key, **HTMX)
    assert response.status_code == 422
    assert "This meeting has started" in response.text
    assert "Share with all heads" not in response.text  # no buttons on a frozen agenda
    response = share(client, joint, key)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [STARTED]
    assert not JointShare.objects.exists()


def test_the_frozen_agenda_keeps_the_shares_it_had_at_the_start(
    joint: Occurrence, ciso: Any, head_b: Any, infra: dict[str, Any]
) -> None:
    share(client_for(ciso), joint, f"goal:{infra['goal'].pk}", **HTMX)
    start_now(joint)
    client = client_for(head_b)
    frozen = agenda_html(client.get(joint.get_absolute_url()).text)
    assert GOAL in frozen and "As it stood when the meeting started" in frozen
    # Changed later (by the next meeting's page, or the admin): the snapshot stands.
    JointShare.objects.all().delete()
    JointShare.objects.create(series=joint.series, item=f"conflict:{infra['link'].pk}")
    for body in (
        client.get(joint.get_absolute_url()).text,
        client.get(fragment_url(joint), **HTMX).text,
    ):
        assert agenda_html(body) == frozen  # the conflict shared since is not on it
    later = next_meeting(joint.series)
    live = agenda_html(client.get(later.get_absolute_url()).text)
    assert CONFLICT in live and f"{GOAL} (Infrastructure)" not in live  # the goal item


def test_a_snapshot_stored_before_shares_existed_still_reads(
    joint: Occurrence, head_b: Any, infra: dict[str, Any]
) -> None:
    """Frozen before this change: items without `key` or `shared` stay figures only."""
    table = agenda.build_agenda(joint)
    for section in table["sections"]:
        for item in section["items"]:
            item.pop("key", None)
            item.pop("shared", None)
    start_now(joint)
    Occurrence.objects.filter(pk=joint.pk).update(agenda=table, agenda_built_at=timezone.now())
    joint.refresh_from_db()
    body = agenda_html(client_for(head_b).get(joint.get_absolute_url()).text)
    assert GOAL not in body and FIGURES in body


# --- Action items stay in their series ------------------------------------------------------


def test_one_on_one_action_items_never_appear_on_the_joint_agenda(
    joint: Occurrence, ciso: Any, head_b: Any, executive: Any
) -> None:
    for user in (ciso, head_b, executive):
        page = agenda_html(client_for(user).get(joint.get_absolute_url()).text)
        assert "Joint follow-up" in page
        assert "Sales one-on-one action" not in page, user
    for section in agenda.build_agenda(joint)["sections"]:
        assert all(item["text"] != "Sales one-on-one action" for item in section["items"])


# --- Cost -----------------------------------------------------------------------------------


def test_the_agenda_fragment_takes_the_same_queries_for_ten_times_the_shares(
    joint: Occurrence, head_b: Any, dept_a: Any
) -> None:
    goals = [
        factories.GoalFactory(department=dept_a, title=f"Shared {n}", status=GoalStatus.AT_RISK)
        for n in range(10)
    ]

    def count() -> tuple[int, int]:
        client = client_for(head_b)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(fragment_url(joint), **HTMX)
        assert response.status_code == 200
        return len(queries), response.text.count(BADGE)

    JointShare.objects.create(series=joint.series, item=f"goal:{goals[0].pk}")
    once, badges = count()
    assert badges == 1
    for goal in goals[1:]:
        JointShare.objects.create(series=joint.series, item=f"goal:{goal.pk}")
    assert count() == (once, 10)
