"""Who may open and read a meeting's agenda (issue 11), on the seeded demo company.

- Every link an agenda shows opens for the person it is shown to: every attendee of
  every series (and the CISO, an executive, an administrator), on the next meeting and
  on the last one held (frozen), on the page and in its fragment.
- The permission matrix: a head reads, on the joint meeting and on the meetings they
  attend, their own department's goals, conflicts, assessments and their own series'
  action items, and of any other department only the figures; on the page, in the
  fragment and in the reminder email alike.

The demo is seeded by its command, then every department gets a goal at risk, an
unmitigated conflict and an assessment awaiting its head, and every series open action
items from an earlier meeting, all with titles that appear nowhere else (MARK).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment.meetings import reminders
from alignment.meetings.models import (
    ActionItem,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    Reminder,
)
from alignment.models import Relation
from departments.demo import DEPARTMENTS
from departments.models import Department, GoalStatus
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

# In every title made here, and in nothing the demo makes: a substring check means something.
MARK = "Qx7"
FIGURES = "Other departments, in figures"
# Long before the demo's history (92 days): the earliest meeting of every series.
LONG_AGO = dt.timedelta(days=100, minutes=7)
LAST_WEEK = dt.timedelta(days=5, minutes=7)


# --- The agenda section, read with the standard library's parser ----------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _AgendaReader(HTMLParser):
    """The links and the text inside the element with id="agenda"."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside the agenda element
        self.found = False
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0 and values.get("id") == "agenda":
            self.found = True
            self.depth = 1
            return
        if self.depth:
            if tag == "a" and values.get("href"):
                self.links.append(values["href"] or "")
            if tag not in VOID:
                self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth and tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def read_agenda(body: str) -> _AgendaReader:
    reader = _AgendaReader()
    reader.feed(body)
    reader.close()
    assert reader.found, "no element with id=agenda"
    return reader


# --- The demo company, with distinctive data ------------------------------------------------


@dataclass
class Demo:
    ciso: Any
    executive: Any
    admin: Any
    joint: MeetingSeries
    # Department pk → what only its readers (and the security team, executives,
    # administrators) may read of it.
    secrets: dict[int, list[str]] = field(default_factory=dict)
    # Series pk → the title of its open action item from an earlier meeting.
    actions: dict[int, str] = field(default_factory=dict)


def past_meeting(series: MeetingSeries, ago: dt.timedelta) -> Occurrence:
    """A meeting of `series` held `ago` (off its rule's minutes: never a clash with a row)."""
    start = timezone.now() - ago
    return Occurrence.objects.create(
        series=series, original_start=start, start=start, end=start + series.duration
    )


def department_secrets(department: Department) -> list[str]:
    """A goal at risk, an unmitigated conflict with it and an assessment awaiting the
    head: every text the agenda shows of them (goal, initiative, rationale, initiative,
    processes touched)."""
    texts = [
        f"{MARK} {department.slug} {what}"
        for what in (
            "goal marker",
            "gate initiative",
            "conflict rationale",
            "assessed initiative",
            "processes touched",
        )
    ]
    goal_title, gate_title, rationale, assessed_title, processes = texts
    goal = factories.GoalFactory(department=department, title=goal_title, status=GoalStatus.AT_RISK)
    factories.LinkFactory(
        goal=goal,
        initiative=factories.InitiativeFactory(title=gate_title),
        relation=Relation.CONFLICTS,
        rationale=rationale,
        mitigation="",
    )
    factories.AssessmentFactory(
        department=department,
        initiative=factories.InitiativeFactory(title=assessed_title),
        processes_touched=processes,
    )
    return texts


@pytest.fixture
def demo(settings: Any) -> Demo:
    settings.DEBUG = True  # the command refuses to run without it, on purpose
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    users = get_user_model().objects
    demo = Demo(
        ciso=users.get(username="ciso"),
        executive=users.get(username="exec"),
        admin=users.get(username="admin"),
        joint=MeetingSeries.objects.get(kind=MeetingKind.JOINT),
    )
    departments = list(Department.objects.order_by("name"))
    assert len(departments) >= 3
    for department in departments:
        demo.secrets[department.pk] = department_secrets(department)
    for series in MeetingSeries.objects.all():
        # Each series: an open action item from its earliest meeting; a series without a
        # meeting held yet (joint, senior, key leaders' one-on-ones) gets one held last
        # week too, so that every kind has a frozen agenda to read.
        title = f"{MARK} action of series {series.pk} end"
        demo.actions[series.pk] = title
        ActionItem.objects.create(
            occurrence=past_meeting(series, LONG_AGO), title=title, owner=series.leader
        )
        now = timezone.now()
        if not series.occurrences.filter(start__lt=now, start__gt=now - LONG_AGO / 2).exists():
            past_meeting(series, LAST_WEEK)
    return demo


def next_and_last(series: MeetingSeries) -> list[Occurrence]:
    """The next meeting (live agenda) and the last one held (frozen agenda)."""
    now = timezone.now()
    scheduled = series.occurrences.filter(status=OccurrenceStatus.SCHEDULED)
    upcoming = scheduled.filter(start__gt=now).order_by("start").first()
    held = scheduled.filter(start__lt=now).order_by("-start").first()
    return [o for o in (upcoming, held) if o is not None]


def attendees(series: MeetingSeries) -> list[Any]:
    return [a.user for a in series.attendees.select_related("user") if a.user is not None]


class Clients:
    """One logged-in test client per person, made once."""

    def __init__(self) -> None:
        self._clients: dict[int, Client] = {}

    def __call__(self, user: Any) -> Client:
        if user.pk not in self._clients:
            client = Client()
            client.force_login(user)
            self._clients[user.pk] = client
        return self._clients[user.pk]


def agenda_url(occurrence: Occurrence) -> str:
    return reverse("alignment:meeting-agenda", args=[occurrence.pk])


# --- (a) No agenda link answers an error to anyone it is shown to ---------------------------


def test_no_agenda_link_answers_an_error_to_any_attendee(demo: Demo) -> None:
    clients = Clients()
    answered: dict[tuple[int, str], int] = {}  # (viewer, link) → final status
    failures: list[str] = []
    covered: set[tuple[str, bool]] = set()  # (kind, held)
    for series in MeetingSeries.objects.order_by("kind", "title"):
        viewers = {u.pk: u for u in [*attendees(series), demo.ciso, demo.executive, demo.admin]}
        for occurrence in next_and_last(series):
            covered.add((series.kind, occurrence.start < timezone.now()))
            for viewer in viewers.values():
                client = clients(viewer)
                page = client.get(occurrence.get_absolute_url())
                fragment = client.get(agenda_url(occurrence), **HTMX)
                for name, response in (("page", page), ("fragment", fragment)):
                    if response.status_code != 200:
                        failures.append(
                            f"{viewer.username}: {name} of {series.title} "
                            f"({occurrence.start:%d %b %Y}) answers {response.status_code}"
                        )
                        continue
                    for link in read_agenda(response.text).links:
                        key = (viewer.pk, link.split("#")[0])
                        if key not in answered:
                            answered[key] = status_of(client, key[1])
                        if answered[key] != 200:
                            failures.append(
                                f"{viewer.username}: {link} on the agenda of {series.title} "
                                f"({occurrence.start:%d %b %Y}) answers {answered[key]}"
                            )
    assert not failures, "\n".join(sorted(set(failures)))
    kinds = {MeetingKind.ONE_ON_ONE, MeetingKind.JOINT, MeetingKind.SENIOR}
    assert covered == {(kind, held) for kind in kinds for held in (True, False)}
    # The crawl really crawled: links to goals, initiatives, meetings, for many people.
    assert len(answered) > 200, len(answered)
    assert len({viewer for viewer, _link in answered}) > 10


def status_of(client: Client, link: str) -> int:
    """The status a link ends on: a redirect to a page that opens is fine, a redirect to
    the login page is not."""
    assert link.startswith("/"), f"an agenda link leaves the site: {link}"
    response = client.get(link, follow=True)
    if response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]:
        return 401
    return response.status_code


# --- (b) The permission matrix: contents of one's own department, figures of the others -----


def reminder_texts(occurrence: Occurrence, user: Any) -> list[str]:
    """The text and HTML of the reminder `user` gets for `occurrence`, a minute before."""
    attendee = occurrence.series.attendees.get(user=user)
    row, _ = Reminder.objects.get_or_create(
        occurrence=occurrence,
        attendee=attendee,
        lead_minutes=1,  # the nearest lead: never superseded by another row
        defaults={
            "due_at": occurrence.start - dt.timedelta(minutes=1),
            "next_attempt_at": occurrence.start - dt.timedelta(minutes=1),
        },
    )
    message = reminders.reminder_email(row, occurrence.start - dt.timedelta(minutes=1))
    assert not isinstance(message, str), message
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    return [str(message.body), html]


def readings(client: Client, occurrence: Occurrence, user: Any) -> Iterator[tuple[str, str]]:
    """(where, text) for every way a person reads the agenda of `occurrence`."""
    page = client.get(occurrence.get_absolute_url())
    assert page.status_code == 200
    yield "page", page.text
    fragment = client.get(agenda_url(occurrence), **HTMX)
    assert fragment.status_code == 200
    yield "fragment", fragment.text
    if occurrence.start > timezone.now():  # a meeting held sends no reminder
        text, html = reminder_texts(occurrence, user)
        yield "email text", text
        yield "email HTML", html


@pytest.mark.parametrize("slug", sorted(DEPARTMENTS))
def test_a_head_reads_only_their_own_department_on_every_agenda(demo: Demo, slug: str) -> None:
    department = Department.objects.select_related("head").get(slug=slug)
    head = department.head
    assert head is not None
    own_series = MeetingSeries.objects.get(kind=MeetingKind.ONE_ON_ONE, leader=head)
    attended = MeetingSeries.objects.filter(attendees__user=head).distinct()
    assert {demo.joint.pk, own_series.pk} <= {s.pk for s in attended}
    client = Client()
    client.force_login(head)
    others = [text for pk, texts in demo.secrets.items() if pk != department.pk for text in texts]
    own = demo.secrets[department.pk]
    leaks: list[str] = []
    missing: list[str] = []
    read = 0
    for series in attended:
        # The action items of every other series, one-on-ones of the same department too.
        forbidden = [*others, *(t for pk, t in demo.actions.items() if pk != series.pk)]
        for occurrence in next_and_last(series):
            for where, text in readings(client, occurrence, head):
                read += 1
                leaks += [
                    f"{where} of {series.title} ({occurrence.start:%d %b %Y}): {secret}"
                    for secret in forbidden
                    if secret in text
                ]
                if series.kind == MeetingKind.SENIOR:
                    continue  # it looks at leadership's questions, not at departments
                # So that the test can fail: what the head must see is there.
                expected = [*own, demo.actions[series.pk]]
                if series.pk == demo.joint.pk:
                    expected.append(FIGURES)
                missing += [
                    f"{where} of {series.title} ({occurrence.start:%d %b %Y}): {shown}"
                    for shown in expected
                    if shown not in text
                ]
    assert not leaks, "a head reads another department's or series' data:\n" + "\n".join(leaks)
    assert not missing, "a head misses their own items:\n" + "\n".join(missing)
    assert read >= 10


def test_the_joint_agenda_gives_a_head_the_other_departments_in_figures(demo: Demo) -> None:
    head = Department.objects.get(slug="infrastructure").head
    assert head is not None
    client = Client()
    client.force_login(head)
    occurrence = next_and_last(demo.joint)[0]
    reader = read_agenda(client.get(occurrence.get_absolute_url()).text)
    text = " ".join(" ".join(reader.text).split())
    for department in Department.objects.exclude(slug="infrastructure"):
        assert f"{department.name}: " in text and " at risk or off track, " in text
        # Figures have no page: no link of the agenda leads into another department.
        assert not [link for link in reader.links if f"/{department.slug}/" in link]
    assert FIGURES in text


def test_the_security_team_reads_every_department_on_the_joint_agenda(demo: Demo) -> None:
    """The other side of the matrix: the same agenda hides nothing from the CISO."""
    client = Client()
    client.force_login(demo.ciso)
    occurrence = next_and_last(demo.joint)[0]
    text = client.get(occurrence.get_absolute_url()).text
    # The conflicts: fewer than a section holds (the goals at risk of six departments are
    # more, and the section is capped).
    rationales = [texts[2] for texts in demo.secrets.values()]
    assert [rationale for rationale in rationales if rationale not in text] == []
    assert demo.actions[demo.joint.pk] in text
    assert FIGURES not in text
