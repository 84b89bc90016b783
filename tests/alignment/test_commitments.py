"""Support commitments: the security team commits, moves them on; the head confirms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import commitments as workflow
from alignment.meetings.agenda import build_agenda
from alignment.models.commitments import Commitment, CommitmentStatus, HeadVerdict
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def make(department: Any, **kwargs: Any) -> Commitment:
    kwargs.setdefault("title", "Hardware keys for the on-call team")
    kwargs.setdefault("due_date", TODAY + dt.timedelta(days=30))
    return Commitment.objects.create(department=department, **kwargs)


def url(name: str, commitment: Commitment) -> str:
    return reverse(f"alignment:{name}", args=[commitment.pk])


@pytest.fixture
def assessment(dept_a: Any) -> Any:
    return factories.AssessmentFactory(
        department=dept_a, support_offered="An engineer on the deploy rota.\nFor a month."
    )


# --- making a commitment ------------------------------------------------------------------


def test_ciso_makes_a_commitment_from_an_assessment(
    client: Any, ciso: Any, assessment: Any
) -> None:
    client.force_login(ciso)
    create = reverse("alignment:commitment-create") + f"?assessment={assessment.pk}"
    page = client.get(create)
    assert page.status_code == 200
    assert "An engineer on the deploy rota." in page.text  # the support offered, as the title
    data = {
        "title": "Engineer on the rota",
        "detail": "",
        "owner": ciso.pk,
        "due_date": "2027-01-15",
    }
    response = client.post(create, data)
    commitment = Commitment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == commitment.get_absolute_url()
    assert commitment.assessment == assessment
    assert commitment.department == assessment.department
    assert commitment.status == CommitmentStatus.PLANNED
    assert commitment.created_by == ciso


def test_a_commitment_from_a_conflict_takes_the_goal_s_department(
    client: Any, ciso: Any, dept_b: Any
) -> None:
    goal = factories.GoalFactory(department=dept_b)
    link = factories.LinkFactory(goal=goal, relation="conflicts", mitigation="Pre-approved changes")
    client.force_login(ciso)
    create = reverse("alignment:commitment-create") + f"?link={link.pk}"
    response = client.post(create, {"title": "Pre-approved changes", "due_date": "2027-01-15"})
    assert response.status_code == 302
    assert Commitment.objects.get().department == dept_b


def test_invalid_commitment_re_renders_with_errors(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    data = {"title": "Two\nlines", "department": dept_a.pk, "due_date": "9999-12-31"}
    response = client.post(reverse("alignment:commitment-create"), data)
    assert response.status_code == 422
    assert "without line breaks" in response.text
    assert "Choose a date between" in response.text
    assert not Commitment.objects.exists()


def test_unknown_source_is_a_404(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert (
        client.get(reverse("alignment:commitment-create") + "?assessment=99999").status_code == 404
    )
    assert client.get(reverse("alignment:commitment-create") + "?link=x").status_code == 404


@pytest.mark.parametrize("role", ["head_a", "executive"])
def test_only_the_security_team_makes_commitments(
    client: Any, request: pytest.FixtureRequest, role: str, dept_a: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    data = {"title": "x", "department": dept_a.pk, "due_date": "2027-01-15"}
    assert client.post(reverse("alignment:commitment-create"), data).status_code == 403
    assert not Commitment.objects.exists()


def test_edit_refuses_a_stale_save(client: Any, ciso: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(ciso)
    data = {"title": "New title", "due_date": "2027-02-01", "version": commitment.version}
    assert client.post(url("commitment-edit", commitment), data).status_code == 302
    stale = client.post(url("commitment-edit", commitment), {**data, "title": "Older"})
    assert stale.status_code == 422
    assert "review and retry" in stale.text
    commitment.refresh_from_db()
    assert commitment.title == "New title"


# --- moving it on ---------------------------------------------------------------------------


def test_ciso_delivers_a_commitment_in_place(client: Any, ciso: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(ciso)
    data = {"status": "delivered", "version": commitment.version}
    response = client.post(url("commitment-move", commitment), data, **HTMX)
    assert response.status_code == 200
    assert f'id="commitment-card-{commitment.pk}"' in response.text
    assert "<html" not in response.text
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DELIVERED
    assert commitment.delivered_at is not None


def test_dropping_needs_a_reason(client: Any, ciso: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(ciso)
    data = {"status": "dropped", "reason": "  ", "version": commitment.version}
    response = client.post(url("commitment-move", commitment), data)
    assert response.status_code == 422
    assert "Say why it is dropped" in response.text
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.PLANNED
    data["reason"] = "The vendor withdrew the product."
    assert client.post(url("commitment-move", commitment), data).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DROPPED
    assert commitment.drop_reason == "The vendor withdrew the product."


def test_a_delivered_commitment_is_final(ciso: Any, dept_a: Any) -> None:
    commitment = make(dept_a, status=CommitmentStatus.DELIVERED, delivered_at=timezone.now())
    with pytest.raises(Exception, match="final"):
        workflow.move(commitment, "in_progress", by=ciso, expected=commitment.version)


def test_stale_move_is_refused(client: Any, ciso: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(ciso)
    data = {"status": "in_progress", "version": commitment.version}
    assert client.post(url("commitment-move", commitment), data).status_code == 302
    stale = client.post(url("commitment-move", commitment), {**data, "status": "delivered"})
    assert stale.status_code == 422
    assert "review and retry" in stale.text
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.IN_PROGRESS


def test_a_head_cannot_move_a_commitment(client: Any, head_a: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(head_a)
    data = {"status": "delivered", "version": commitment.version}
    assert client.post(url("commitment-move", commitment), data).status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.PLANNED


def test_move_refuses_delete(client: Any, ciso: Any, dept_a: Any) -> None:
    client.force_login(ciso)
    assert client.delete(url("commitment-move", make(dept_a))).status_code == 405


# --- the head's confirmation ----------------------------------------------------------------


def delivered(department: Any) -> Commitment:
    return make(department, status=CommitmentStatus.DELIVERED, delivered_at=timezone.now())


def test_head_confirms_it_helped_in_place(client: Any, head_a: Any, dept_a: Any) -> None:
    commitment = delivered(dept_a)
    client.force_login(head_a)
    page = client.get(commitment.get_absolute_url())
    assert "Did it help?" in page.text
    data = {"verdict": "helped", "comment": "Deploys at night again.", "version": 1}
    response = client.post(url("commitment-confirm", commitment), data, **HTMX)
    assert response.status_code == 200
    assert "Deploys at night again." in response.text
    commitment.refresh_from_db()
    assert commitment.verdict == HeadVerdict.HELPED
    assert commitment.confirmed_by == head_a


def test_it_did_not_help_needs_a_comment(client: Any, head_a: Any, dept_a: Any) -> None:
    commitment = delivered(dept_a)
    client.force_login(head_a)
    data = {"verdict": "did_not_help", "comment": "", "version": 1}
    response = client.post(url("commitment-confirm", commitment), data)
    assert response.status_code == 422
    assert "Say what was missing" in response.text
    commitment.refresh_from_db()
    assert commitment.verdict == HeadVerdict.PENDING


def test_an_open_commitment_cannot_be_confirmed(client: Any, head_a: Any, dept_a: Any) -> None:
    commitment = make(dept_a)
    client.force_login(head_a)
    data = {"verdict": "helped", "version": 1}
    response = client.post(url("commitment-confirm", commitment), data)
    assert response.status_code == 422
    assert "Only a delivered commitment is confirmed" in response.text


def test_only_the_head_confirms(
    client: Any, ciso: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    ours, theirs = delivered(dept_a), delivered(dept_b)
    data = {"verdict": "helped", "version": 1}
    client.force_login(ciso)
    assert client.post(url("commitment-confirm", ours), data).status_code == 403
    client.force_login(head_a)
    assert client.post(url("commitment-confirm", theirs), data).status_code == 404
    assert client.get(theirs.get_absolute_url()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.verdict == HeadVerdict.PENDING


# --- the database's own rules ---------------------------------------------------------------


def test_the_database_refuses_a_dropped_commitment_without_reason(dept_a: Any) -> None:
    commitment = make(dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status="dropped")


def test_the_database_refuses_two_sources(dept_a: Any, assessment: Any) -> None:
    link = factories.LinkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        make(dept_a, assessment=assessment, link=link)


@pytest.mark.parametrize(
    "change",
    [{"status": "lost"}, {"verdict": "helped"}, {"verdict": "maybe"}],
    ids=["status", "verdict-before-delivery", "verdict"],
)
def test_the_database_refuses_impossible_states(dept_a: Any, change: dict[str, str]) -> None:
    commitment = make(dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(**change)


# --- where commitments show -----------------------------------------------------------------


def test_department_page_and_home_show_the_department_s_commitments_only(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    make(dept_a, title="Vault for the deploy pipeline")
    make(dept_b, title="Hardware keys for the field team")
    awaiting = delivered(dept_a)
    client.force_login(head_a)
    page = client.get(dept_a.get_absolute_url())
    assert "Vault for the deploy pipeline" in page.text
    assert "Hardware keys for the field team" not in page.text
    home = client.get(reverse("home"))
    assert "Vault for the deploy pipeline" in home.text
    assert "Hardware keys for the field team" not in home.text
    assert "did it help?" in home.text
    assert awaiting.get_absolute_url() in home.text


def test_list_shows_only_visible_commitments(
    client: Any, head_a: Any, ciso: Any, dept_a: Any, dept_b: Any
) -> None:
    make(dept_a, title="Ours")
    make(dept_b, title="Theirs")
    client.force_login(head_a)
    listed = client.get(reverse("alignment:commitment-list"))
    assert "Ours" in listed.text and "Theirs" not in listed.text
    client.force_login(ciso)
    listed = client.get(reverse("alignment:commitment-list"), {"department": "sales"})
    assert "Theirs" in listed.text and "Ours" not in listed.text


def test_assessment_row_shows_its_commitments_beside_the_hours(
    client: Any, head_a: Any, assessment: Any
) -> None:
    make(assessment.department, title="Engineer on the rota", assessment=assessment)
    client.force_login(head_a)
    page = client.get(assessment.department.get_absolute_url())
    row = page.text.split(f'id="assessment-row-{assessment.pk}"')[1].split("</li>")[0]
    assert "Hours added per week" in row
    assert "Engineer on the rota" in row


def test_dashboard_figures(client: Any, ciso: Any, dept_a: Any) -> None:
    make(dept_a, title="Late one", due_date=TODAY - dt.timedelta(days=3))
    make(dept_a, title="On time")
    helped = delivered(dept_a)
    Commitment.objects.filter(pk=helped.pk).update(verdict="helped")
    figures = workflow.figures(TODAY)
    assert (figures.open, figures.overdue, figures.delivered_this_quarter) == (2, 1, 1)
    assert (figures.confirmed, figures.helped) == (1, 1)
    client.force_login(ciso)
    page = client.get(reverse("home"))
    section = page.text.split('id="dashboard-commitments"')[1]
    assert "Late one" in section and "On time" not in section


def test_one_on_one_agenda_lists_the_department_s_open_commitments(
    ciso: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    make(dept_a, title="Vault for the deploy pipeline")
    delivered(dept_a)
    make(dept_b, title="Not ours")
    series = factories.one_on_one(organiser=ciso, leader=head_a, department=dept_a)
    agenda = build_agenda(series.occurrences.order_by("start").first())
    section = next(s for s in agenda["sections"] if s["key"] == "commitments")
    assert [item["text"].split(":")[0] for item in section["items"]] == [
        "Vault for the deploy pipeline"
    ]


def count(client: Any, path: str) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_pages_cost_the_same_queries_with_many_commitments(
    client: Any, ciso: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        make(dept_a, title=f"c{i}", due_date=TODAY - dt.timedelta(days=i))
    pages = [reverse("home"), reverse("alignment:commitment-list"), dept_a.get_absolute_url()]
    small = {}
    for user in (ciso, head_a):
        client.force_login(user)
        small[user.pk] = [count(client, page) for page in pages]
    for i in range(30):
        make(dept_a, title=f"more {i}", due_date=TODAY - dt.timedelta(days=i))
        delivered(dept_a)
    for user in (ciso, head_a):
        client.force_login(user)
        assert [count(client, page) for page in pages] == small[user.pk]
    with django_assert_max_num_queries(40):
        client.get(reverse("home"))


# --- the demo -------------------------------------------------------------------------------


def test_seed_demo_gives_commitments_in_every_state_and_two_requests(settings: Any) -> None:
    from django.core.management import call_command

    from alignment.models.commitments import SupportRequest

    settings.DEBUG = True  # the command refuses to run without it
    call_command("seed_demo", stdout=None)
    rows = set(Commitment.objects.values_list("status", "verdict"))
    assert {
        ("planned", "pending"),
        ("in_progress", "pending"),
        ("delivered", "pending"),
        ("delivered", "helped"),
        ("delivered", "did_not_help"),
        ("dropped", "pending"),
    } <= rows
    assert Commitment.objects.overdue(TODAY).exists()
    assert Commitment.objects.exclude(drop_reason="").filter(status="dropped").exists()
    for source in ("assessment", "link", "occurrence", "request"):
        assert Commitment.objects.filter(**{f"{source}__isnull": False}).exists(), source
    requests = SupportRequest.objects.order_by("status")
    assert [(r.department.slug, r.status) for r in requests] == [
        ("infrastructure", "accepted"),
        ("infrastructure", "open"),
    ]
    assert requests[0].commitment.status == CommitmentStatus.IN_PROGRESS
    before = (
        Commitment.objects.count(),
        Commitment.history.count(),
        SupportRequest.objects.count(),
    )
    call_command("seed_demo", stdout=None)
    after = (Commitment.objects.count(), Commitment.history.count(), SupportRequest.objects.count())
    assert after == before


def test_a_mitigated_conflict_offers_to_become_a_commitment(
    client: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    link = factories.LinkFactory(
        goal__department=dept_a, relation="conflicts", mitigation="Pre-approved changes."
    )
    create = reverse("alignment:commitment-create") + f"?link={link.pk}"
    client.force_login(ciso)
    assert create in client.get(reverse("alignment:conflict-list")).text
    assert client.get(create).status_code == 200
    client.force_login(head_a)
    assert create not in client.get(reverse("alignment:conflict-list")).text
