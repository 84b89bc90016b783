"""Live agendas: built from today's data until the meeting starts, frozen from then on,
and shown to each viewer as their role allows, on the page, in its fragment and in
reminder emails alike (alignment/meetings/agenda_view.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.meetings import agenda_view, materialise, reminders
from alignment.meetings import services as meeting_services
from alignment.meetings.models import (
    ActionItem,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    Reminder,
)
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.meetings.services import Guest
from alignment.models import Agreement, Relation
from business_cases.models import CaseStatus
from departments.models import GoalStatus
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

# What the head of Infrastructure must never read on a joint meeting's agenda.
SALES_SECRETS = [
    "Sales pipeline at risk",
    "Slows every quote",
    "Sales CRM gate",
    "Quote approvals",
    "Sales one-on-one action",
]


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
    """A meeting of `series` that took place `days` ago."""
    start = timezone.now() - dt.timedelta(days=days)
    return Occurrence.objects.create(
        series=series, original_start=start, start=start, end=start + dt.timedelta(hours=1)
    )


def next_meeting(series: MeetingSeries) -> Occurrence:
    return series.occurrences.filter(start__gt=timezone.now()).order_by("start").first()


def department_data(dept: Any, name: str, *, conflict: str, process: str) -> None:
    goal = factories.GoalFactory(
        department=dept, title=f"{name} pipeline at risk", status=GoalStatus.AT_RISK
    )
    factories.LinkFactory(
        goal=goal,
        initiative=factories.InitiativeFactory(title=f"{name} CRM gate"),
        relation=Relation.CONFLICTS,
        rationale=conflict,
    )
    factories.AssessmentFactory(department=dept, processes_touched=process)


@pytest.fixture
def joint(ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any) -> Occurrence:
    """A joint meeting of both heads, with data in both departments, an open action of its
    own series and one of the CISO's one-on-one with the head of Sales."""
    department_data(dept_a, "Infra", conflict="Blocks hotfixes", process="Change board")
    department_data(dept_b, "Sales", conflict="Slows every quote", process="Quote approvals")
    series = weekly(ciso, MeetingKind.JOINT, [head_a, head_b])
    ActionItem.objects.create(occurrence=earlier(series), title="Joint follow-up")
    one = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b, now=timezone.now())
    ActionItem.objects.create(occurrence=earlier(one), title="Sales one-on-one action")
    return next_meeting(series)


def agenda_html(body: str) -> str:
    found = re.search(r'<section id="agenda".*?</section>', body, re.S)
    assert found is not None
    return found.group(0)


def agenda_links(body: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', agenda_html(body))


def reminder_for(occurrence: Occurrence, user: Any | None, email: str = "") -> Any:
    attendee = occurrence.series.attendees.get(**({"user": user} if user else {"email": email}))
    # The nearest lead time: the farther ones are superseded an hour before the start.
    row = Reminder.objects.filter(occurrence=occurrence, attendee=attendee).order_by(
        "lead_minutes"
    )[0]
    message = reminders.reminder_email(row, occurrence.start - dt.timedelta(hours=1))
    assert not isinstance(message, str), message
    return message


# --- Live until the start -------------------------------------------------------------------


def test_a_changed_assessment_shows_its_new_hours_without_a_rebuild(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    assessment = factories.AssessmentFactory(department=dept_b, hours_per_week=Decimal("2.5"))
    series = factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, now=timezone.now()
    )
    meeting = next_meeting(series)
    client = client_for(head_b)
    assert ": 2.5 h/week" in agenda_html(client.get(meeting.get_absolute_url()).text)
    assessment.hours_per_week = Decimal("1.0")
    assessment.save()
    body = agenda_html(client.get(meeting.get_absolute_url()).text)
    assert ": 1.0 h/week" in body and "2.5 h/week" not in body
    fragment = client.get(reverse("alignment:meeting-agenda", args=[meeting.pk]), **HTMX).text
    assert ": 1.0 h/week" in fragment


def test_an_action_item_added_shows_on_the_next_meeting_and_in_its_reminder(
    ciso: Any, head_b: Any, dept_b: Any
) -> None:
    series = factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, now=timezone.now()
    )
    first, second = list(series.occurrences.order_by("start")[:2])
    url = second.get_absolute_url()
    assert "Send the runbook" not in client_for(head_b).get(url).text
    ActionItem.objects.create(occurrence=first, title="Send the runbook", owner=head_b)
    assert "Send the runbook" in agenda_html(client_for(head_b).get(url).text)
    assert "Send the runbook" in reminder_for(second, head_b).body


def test_nothing_is_stored_before_the_start(joint: Occurrence, ciso: Any) -> None:
    client_for(ciso).get(joint.get_absolute_url())
    joint.refresh_from_db()
    assert joint.agenda == {} and joint.agenda_built_at is None


def test_the_rebuild_button_is_gone_and_the_agenda_url_answers_get_only(
    joint: Occurrence, ciso: Any
) -> None:
    client = client_for(ciso)
    assert "Rebuild" not in client.get(joint.get_absolute_url()).text
    url = reverse("alignment:meeting-agenda", args=[joint.pk])
    assert client.post(url).status_code == 405
    assert client.get(url).status_code == 302
    fragment = client.get(url, **HTMX)
    assert fragment.text.strip().startswith('<section id="agenda"')
    assert 'hx-trigger="every 60s"' in fragment.text  # live: fetched again


# --- Frozen at the start --------------------------------------------------------------------


def test_from_the_start_the_agenda_is_frozen(joint: Occurrence, ciso: Any, dept_a: Any) -> None:
    client = client_for(ciso)
    start = timezone.now() - dt.timedelta(minutes=5)
    Occurrence.objects.filter(pk=joint.pk).update(start=start, end=start + dt.timedelta(hours=1))
    first = agenda_html(client.get(joint.get_absolute_url()).text)
    assert "Infra pipeline at risk" in first and "As it stood when the meeting started" in first
    joint.refresh_from_db()
    assert joint.agenda_built_at is not None and joint.agenda_built_at >= joint.start

    factories.GoalFactory(department=dept_a, title="Raised later", status=GoalStatus.AT_RISK)
    dept_a.goals.filter(title="Infra pipeline at risk").update(status=GoalStatus.ON_TRACK)
    for body in (
        client.get(joint.get_absolute_url()).text,
        client.get(reverse("alignment:meeting-agenda", args=[joint.pk]), **HTMX).text,
    ):
        assert agenda_html(body) == first  # hx-trigger is gone too: nothing to fetch


def test_the_daily_job_freezes_meetings_that_started_and_only_those(
    joint: Occurrence, dept_a: Any
) -> None:
    later = joint.series.occurrences.filter(start__gt=joint.start).first()
    materialise.materialise_all(now=joint.start + dt.timedelta(hours=2))
    joint.refresh_from_db()
    later.refresh_from_db()
    assert joint.agenda_built_at == joint.start + dt.timedelta(hours=2)
    assert later.agenda == {} and later.agenda_built_at is None
    frozen = joint.agenda
    factories.GoalFactory(department=dept_a, title="Raised later", status=GoalStatus.AT_RISK)
    # Read or frozen again, a frozen agenda is never rebuilt.
    assert agenda_view.freeze(joint, now=joint.start + dt.timedelta(hours=3)) == frozen
    assert agenda_view.current_agenda(joint, now=joint.start + dt.timedelta(days=30)) == frozen


def test_a_meeting_long_over_keeps_the_agenda_stored_before_its_start(
    joint: Occurrence, ciso: Any
) -> None:
    """Stored by the old "Rebuild": what was on the table then, not today's data."""
    old = {"scope": "All departments", "sections": [], "departments": []}
    built = joint.start - dt.timedelta(days=1)
    Occurrence.objects.filter(pk=joint.pk).update(agenda=old, agenda_built_at=built)
    joint.refresh_from_db()
    assert agenda_view.current_agenda(joint, now=joint.end + dt.timedelta(days=3)) == old


# --- Each viewer sees what their role allows ------------------------------------------------


def test_a_head_on_a_joint_meeting_sees_only_counts_of_the_other_departments(
    joint: Occurrence, head_a: Any
) -> None:
    client = client_for(head_a)
    page = agenda_html(client.get(joint.get_absolute_url()).text)
    fragment = client.get(reverse("alignment:meeting-agenda", args=[joint.pk]), **HTMX).text
    email = reminder_for(joint, head_a)
    for body in (page, fragment, email.body, email.alternatives[0].content):
        for secret in SALES_SECRETS:
            assert secret not in body, secret
        assert "Infra pipeline at risk" in body and "Blocks hotfixes" in body
        assert "Change board" in body and "Joint follow-up" in body
        assert (
            "Sales: 1 goal at risk or off track, 1 unmitigated conflict, "
            "4.0 of 20.0 h/week friction budget" in body
        )


def test_the_security_team_sees_the_whole_joint_agenda(joint: Occurrence, ciso: Any) -> None:
    page = agenda_html(client_for(ciso).get(joint.get_absolute_url()).text)
    one_on_one = "Sales one-on-one action"
    for text in [*SALES_SECRETS, "Infra pipeline at risk", "Joint follow-up"]:
        if text != one_on_one:
            assert text in page, text
    # The action items of a one-on-one stay in its series, even for the security team.
    assert one_on_one not in page
    assert "Other departments, in figures" not in page


def test_a_guest_reads_figures_only(ciso: Any, head_b: Any, dept_b: Any) -> None:
    department_data(dept_b, "Sales", conflict="Slows every quote", process="Quote approvals")
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        guests=(Guest("ada@example.org", "Ada Lovelace"),),
        now=timezone.now(),
    )
    message = reminder_for(next_meeting(series), None, email="ada@example.org")
    for secret in SALES_SECRETS:
        assert secret not in message.body
    assert "Sales: 1 goal at risk or off track" in message.body


@pytest.fixture
def senior(ciso: Any, executive: Any, head_a: Any, dept_a: Any, dept_b: Any) -> Occurrence:
    """A senior-leadership meeting to which the head of Infrastructure is invited."""
    factories.CaseFactory(title="SIEM renewal", status=CaseStatus.SUBMITTED)
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("26.0"))
    factories.AssessmentFactory(department=dept_b, hours_per_week=Decimal("26.0"))
    factories.AssessmentFactory(
        department=dept_b, head_agreement=Agreement.DISAGREED, head_comment="Sales refuses"
    )
    factories.ObjectiveFactory(
        title="Resilience", next_review=timezone.localdate() - dt.timedelta(days=1)
    )
    series = weekly(ciso, MeetingKind.SENIOR, [executive, head_a])
    ActionItem.objects.create(occurrence=earlier(series), title="Leadership follow-up")
    return next_meeting(series)


def test_a_head_at_a_senior_meeting_sees_only_what_they_can_open(
    senior: Occurrence, head_a: Any, executive: Any
) -> None:
    body = agenda_html(client_for(head_a).get(senior.get_absolute_url()).text)
    assert "Infrastructure: 26.0 h/week" in body and "Resilience needs review" in body
    assert "Leadership follow-up" in body
    for hidden in ("SIEM renewal", "Sales: 30.0 h/week", "Sales refuses"):
        assert hidden not in body, hidden
    full = agenda_html(client_for(executive).get(senior.get_absolute_url()).text)
    for shown in ("SIEM renewal", "Sales: 30.0 h/week", "Sales refuses"):
        assert shown in full, shown


def test_every_agenda_link_opens_for_every_attendee(
    joint: Occurrence,
    senior: Occurrence,
    ciso: Any,
    executive: Any,
    head_a: Any,
    head_b: Any,
    dept_b: Any,
) -> None:
    # The CISO's deputy (the CISO already meets head B one-on-one), with head A invited.
    deputy = factories.security_user("deputy")
    one = next_meeting(
        factories.one_on_one(
            organiser=deputy, leader=head_b, department=dept_b, now=timezone.now(), users=(head_a,)
        )
    )
    meetings = {joint: [ciso, head_a, head_b], senior: [ciso, executive, head_a]}
    meetings[one] = [ciso, head_b, head_a]  # head A invited, but reads no Sales data
    crawled = 0
    for meeting, viewers in meetings.items():
        for viewer in viewers:
            client = client_for(viewer)
            page = client.get(meeting.get_absolute_url())
            fragment = client.get(reverse("alignment:meeting-agenda", args=[meeting.pk]), **HTMX)
            for body in (page.text, fragment.text):
                for link in agenda_links(body):
                    status = client.get(link).status_code
                    assert status == 200, (meeting, viewer, link, status)
                    crawled += 1
    assert crawled > 40


def test_the_meeting_page_takes_the_same_queries_for_ten_times_the_data(
    joint: Occurrence, head_a: Any, ciso: Any
) -> None:
    series = joint.series
    one = factories.one_on_one(
        organiser=ciso,
        leader=head_a,
        department=head_a.headed_departments.get(),
        now=timezone.now(),
    )

    counter = iter(range(1, 1000))

    def grow(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            dept = factories.DepartmentFactory()
            for d in (dept, head_a.headed_departments.get()):
                department_data(d, f"More {i}", conflict="c", process="p")
            ActionItem.objects.create(occurrence=earlier(series, 1 + i), title=f"J {i}")
            ActionItem.objects.create(occurrence=earlier(one, 1 + i), title=f"O {i}")

    def count() -> int:
        client = client_for(head_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(joint.get_absolute_url()).status_code == 200
        return len(queries)

    grow(1)
    once = count()
    grow(10)
    assert count() == once
