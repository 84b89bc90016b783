"""The programme's activity feed: sentences from the history, filters, older pages, CSV,
and a head who sees their own departments only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment import outbox
from alignment.models import Agreement, Commitment
from departments import budgets
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/activity/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def story(ciso: Any, head_a: Any, dept_a: Any, head_b: Any, dept_b: Any) -> dict[str, Any]:
    """Infrastructure's head disagrees with an assessment and agrees to a budget; Sales
    gets a goal of its own."""
    gate = factories.AssessmentFactory(
        department=dept_a, initiative__title="Change-approval gate", hours_per_week=Decimal("2.5")
    )
    url = reverse("alignment:assessment-answer", args=[gate.pk])
    data = {"head_agreement": Agreement.DISAGREED, "head_comment": "Too slow", "version": 1}
    assert client_for(head_a).post(url, data).status_code == 302
    proposal = budgets.propose(dept_a, hours=Decimal("12"), comment="", by=ciso)
    budgets.accept(dept_a, proposal.pk, by=head_a)
    sales_goal = factories.GoalFactory(department=dept_b, title="Close 40 deals")
    return {"gate": gate, "sales_goal": sales_goal}


def feed(user: Any, **query: str) -> str:
    response = client_for(user).get(URL, query)
    assert response.status_code == 200
    return response.text


def test_it_tells_who_changed_what_as_sentences(
    ciso: Any, head_a: Any, story: dict[str, Any]
) -> None:
    page = feed(ciso)
    who = head_a.get_full_name()
    assert f"{who} disagreed with Change-approval gate on Infrastructure: 2.5 h/week" in page
    assert "proposed a friction budget of 12 h/week for Infrastructure" in page
    assert f"{who} agreed to a friction budget of 12 h/week for Infrastructure" in page
    assert "added the goal “Close 40 deals” to Sales" in page
    # Newest first: the budget came after the disagreement.
    assert page.index("agreed to a friction budget") < page.index("disagreed with")


def test_a_head_sees_their_own_departments_only(
    head_a: Any, head_b: Any, story: dict[str, Any]
) -> None:
    page = feed(head_a)
    assert "disagreed with Change-approval gate" in page
    assert "Close 40 deals" not in page
    assert "started the initiative" not in page  # no department: not a head's
    other = feed(head_b)
    assert "Close 40 deals" in other and "Change-approval gate" not in other
    # Asking for another department by its filter shows nothing of it either.
    response = client_for(head_a).get(URL, {"department": "sales"})
    assert response.status_code == 422 and "Close 40 deals" not in response.text


def test_the_filters_narrow_by_department_person_objective_and_date(
    ciso: Any, head_a: Any, story: dict[str, Any]
) -> None:
    assert "Close 40 deals" not in feed(ciso, department="infrastructure")
    assert "Close 40 deals" in feed(ciso, department="sales")
    by_head = feed(ciso, person=str(head_a.pk))
    assert "disagreed with" in by_head and "Close 40 deals" not in by_head
    objective = story["gate"].initiative.objective
    by_objective = feed(ciso, objective=str(objective.pk))
    assert "disagreed with Change-approval gate" in by_objective
    assert "Close 40 deals" not in by_objective
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "Nothing to show." in feed(ciso, since=tomorrow)


def test_older_pages_follow_on_without_repeats_in_bounded_queries(
    ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    factories.GoalFactory.create_batch(3, department=dept_a)
    client = client_for(ciso)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    factories.GoalFactory.create_batch(120, department=dept_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(URL)
    assert first.text.count("added the goal") == 50
    older = first.context["older"]
    assert older
    second = client.get(f"{URL}?{older}").text
    assert second.count("added the goal") == 50
    titles = [line for line in first.text.splitlines() if "added the goal" in line]
    assert not any(line in second for line in titles)


def test_the_csv_holds_the_same_events_and_is_safe_in_a_spreadsheet(
    ciso: Any, head_a: Any, dept_a: Any, story: dict[str, Any]
) -> None:
    factories.GoalFactory(department=dept_a, title="=HYPERLINK(1)")
    response = client_for(head_a).get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when", "who", "department", "what", "link"]
    assert any("disagreed with Change-approval gate" in row[3] for row in rows[1:])
    assert not any("Close 40 deals" in row[3] for row in rows[1:])
    assert all(not row[3].startswith("=") for row in rows[1:])
    assert {row[2] for row in rows[1:]} == {"Infrastructure"}


@pytest.mark.parametrize(
    "query",
    [{"since": "yesterday"}, {"before": "garbage"}, {"person": "9" * 30}, {"objective": "x"}],
)
def test_bad_filters_answer_with_a_message_not_a_500(ciso: Any, query: dict[str, str]) -> None:
    response = client_for(ciso).get(URL, query)
    assert response.status_code in (200, 422)


def test_it_takes_only_gets(ciso: Any) -> None:
    assert client_for(ciso).post(URL).status_code == 405


def test_commitments_and_requests_tell_their_steps(
    ciso: Any, head_a: Any, dept_a: Any, head_b: Any
) -> None:
    commitment = Commitment.objects.create(
        department=dept_a, title="Hardware keys", due_date=dt.date(2030, 1, 31)
    )
    move = reverse("alignment:commitment-move", args=[commitment.pk])
    client_for(ciso).post(move, {"status": "delivered", "version": 1}, **HTMX)
    confirm = reverse("alignment:commitment-confirm", args=[commitment.pk])
    data = {"verdict": "helped", "comment": "Night deploys again.", "version": 2}
    assert client_for(head_a).post(confirm, data, **HTMX).status_code == 200
    ask = reverse("alignment:request-create", args=[dept_a.slug])
    client_for(head_a).post(ask, {"need": "A vault for the pipeline", "due_date": "2030-01-31"})
    page = feed(ciso)
    assert "committed to “Hardware keys” for Infrastructure, due 31 Jan 2030" in page
    assert f"{ciso.get_full_name()} delivered “Hardware keys” to Infrastructure" in page
    assert f"{head_a.get_full_name()} said “Hardware keys” helped" in page
    assert "asked the security team for Infrastructure: A vault for the pipeline" in page
    assert "Hardware keys" not in feed(head_b)
