"""Requests from the business: a head asks, the security team accepts or declines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from alignment.models.commitments import Commitment, RequestStatus, SupportRequest
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEED = "We need a vault for the deploy pipeline."


def ask(department: Any, by: Any = None, need: str = NEED) -> SupportRequest:
    return SupportRequest.objects.create(
        department=department,
        need=need,
        due_date=TODAY + dt.timedelta(days=60),
        requested_by=by,
    )


def accept_data(support: SupportRequest, **extra: Any) -> dict[str, Any]:
    data = {"title": "Vault for the deploy pipeline", "due_date": "2027-03-01"}
    return {**data, "request_version": support.version, **extra}


def test_head_asks_for_help(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    url = reverse("alignment:request-create", args=[dept_a.slug])
    assert client.get(url).status_code == 200
    due = (TODAY + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"need": NEED, "due_date": due})
    support = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == support.get_absolute_url()
    assert support.requested_by == head_a
    assert support.status == RequestStatus.OPEN
    assert NEED in client.get(reverse("home")).text


def test_key_leader_asks_too(client: Any, dept_a: Any) -> None:
    leader = factories.UserFactory(username="sre-lead")
    dept_a.key_leaders.add(leader)
    client.force_login(leader)
    url = reverse("alignment:request-create", args=[dept_a.slug])
    due = (TODAY + dt.timedelta(days=30)).isoformat()
    assert client.post(url, {"need": NEED, "due_date": due}).status_code == 302


def test_invalid_request_re_renders_with_errors(client: Any, head_a: Any, dept_a: Any) -> None:
    client.force_login(head_a)
    url = reverse("alignment:request-create", args=[dept_a.slug])
    response = client.post(url, {"need": "", "due_date": "2001-01-01"})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert "Choose a date between" in response.text
    assert not SupportRequest.objects.exists()


def test_nobody_asks_for_another_department(
    client: Any, head_a: Any, ciso: Any, executive: Any, dept_b: Any
) -> None:
    url = reverse("alignment:request-create", args=[dept_b.slug])
    data = {"need": NEED, "due_date": (TODAY + dt.timedelta(days=3)).isoformat()}
    client.force_login(head_a)
    assert client.post(url, data).status_code == 404
    for user in (ciso, executive):
        client.force_login(user)
        assert client.post(url, data).status_code == 403
    assert not SupportRequest.objects.exists()


def test_ciso_accepts_a_request_which_becomes_a_commitment(
    client: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    support = ask(dept_a, by=head_a)
    client.force_login(ciso)
    page = client.get(support.get_absolute_url())
    assert "Accept as a commitment" in page.text
    url = reverse("alignment:request-accept", args=[support.pk])
    response = client.post(url, accept_data(support, owner=ciso.pk))
    commitment = Commitment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == commitment.get_absolute_url()
    assert commitment.request == support
    assert commitment.department == dept_a
    assert commitment.owner == ciso
    support.refresh_from_db()
    assert support.status == RequestStatus.ACCEPTED
    assert support.answered_by == ciso


def test_an_invalid_accept_changes_nothing(client: Any, ciso: Any, dept_a: Any) -> None:
    support = ask(dept_a)
    client.force_login(ciso)
    url = reverse("alignment:request-accept", args=[support.pk])
    response = client.post(url, accept_data(support, title=""))
    assert response.status_code == 422
    assert not Commitment.objects.exists()
    support.refresh_from_db()
    assert support.status == RequestStatus.OPEN


def test_a_request_is_answered_once(client: Any, ciso: Any, dept_a: Any) -> None:
    support = ask(dept_a)
    client.force_login(ciso)
    accept = reverse("alignment:request-accept", args=[support.pk])
    assert client.post(accept, accept_data(support)).status_code == 302
    again = client.post(accept, accept_data(support), follow=True)
    assert "accepted meanwhile" in again.text
    decline = reverse("alignment:request-decline", args=[support.pk])
    client.post(decline, {"reason": "No", "version": support.version})
    assert Commitment.objects.count() == 1
    support.refresh_from_db()
    assert support.status == RequestStatus.ACCEPTED


def test_ciso_declines_with_a_reason(client: Any, ciso: Any, head_a: Any, dept_a: Any) -> None:
    support = ask(dept_a)
    client.force_login(ciso)
    url = reverse("alignment:request-decline", args=[support.pk])
    response = client.post(url, {"reason": "", "version": support.version})
    assert response.status_code == 422
    response = client.post(url, {"reason": "The platform team owns this.", "version": 1})
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.status == RequestStatus.DECLINED
    client.force_login(head_a)
    assert "The platform team owns this." in client.get(support.get_absolute_url()).text


def test_the_database_refuses_a_decline_without_reason(dept_a: Any) -> None:
    support = ask(dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportRequest.objects.filter(pk=support.pk).update(status="declined")
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportRequest.objects.filter(pk=support.pk).update(status="maybe")


@pytest.mark.parametrize("role", ["head_a", "executive"])
def test_only_the_security_team_answers(
    client: Any, request: pytest.FixtureRequest, role: str, dept_a: Any
) -> None:
    support = ask(dept_a)
    client.force_login(request.getfixturevalue(role))
    accept = reverse("alignment:request-accept", args=[support.pk])
    decline = reverse("alignment:request-decline", args=[support.pk])
    assert client.post(accept, accept_data(support)).status_code == 403
    assert client.post(decline, {"reason": "x", "version": 1}).status_code == 403
    assert client.get(accept).status_code == 403
    support.refresh_from_db()
    assert support.status == RequestStatus.OPEN


def test_another_department_s_requests_are_hidden(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    ask(dept_a, need="Ours: a vault")
    theirs = ask(dept_b, need="Theirs: hardware keys")
    client.force_login(head_a)
    listed = client.get(reverse("alignment:request-list"))
    assert "Ours: a vault" in listed.text
    assert "Theirs" not in listed.text
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("alignment:request-decline", args=[theirs.pk])).status_code == 404


def test_ciso_sees_open_requests_on_the_dashboard(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any
) -> None:
    ask(dept_a)
    answered = ask(dept_b, need="Already answered")
    SupportRequest.objects.filter(pk=answered.pk).update(status="declined", decline_reason="No")
    client.force_login(ciso)
    section = client.get(reverse("home")).text.split('id="dashboard-commitments"')[1]
    assert NEED in section
    assert "Already answered" not in section


def test_request_list_refuses_post(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert client.post(reverse("alignment:request-list")).status_code == 405


def test_request_list_queries_do_not_grow(
    client: Any, ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ciso)
    url = reverse("alignment:request-list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    ask(dept_a)
    small = queries()
    for i in range(30):
        ask(dept_a, need=f"Need {i}")
    with django_assert_max_num_queries(12):
        assert queries() == small
