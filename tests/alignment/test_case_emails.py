"""Business-case emails go through the outbox: queued with the step, sent once by the sweep."""

from __future__ import annotations

import datetime as dt
import smtplib
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import notifications, outbox, tasks
from alignment.models import CaseEmail, CaseEmailKind
from alignment.outbox import OutboxStatus
from business_cases import services
from business_cases.models import BusinessCase, CaseDecision, CaseStatus
from departments.roles import EXECUTIVE_GROUP
from tests import factories

pytestmark = pytest.mark.django_db
REAL_REQUEST_SWEEP = outbox.request_sweep


class FailsOnceBackend(EmailBackend):
    """The mail server refuses the first message, then accepts (into mail.outbox).

    A stand-in for what cannot fail on demand: a real SMTP server that is down.
    """

    calls = 0

    def send_messages(self, messages: Any) -> int:
        type(self).calls += 1
        if type(self).calls == 1:
            raise smtplib.SMTPException("451 try again later")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> list[bool]:
    """The after-commit "sweep now" is recorded instead of reaching the broker."""
    asked: list[bool] = []
    monkeypatch.setattr(outbox, "request_sweep", lambda: asked.append(True))
    return asked


def fresh(case: BusinessCase) -> BusinessCase:
    return BusinessCase.objects.with_lines().get(pk=case.pk)


def submit(case: BusinessCase, by: Any) -> BusinessCase:
    case = fresh(case)
    services.case_submit(case=case, by=by)
    return case


def decide(case: BusinessCase, by: Any, outcome: str = "approved") -> CaseDecision:
    return services.case_decide(case=fresh(case), outcome=outcome, comment="Go ahead.", by=by)


def test_submission_queues_one_row_per_executive_and_sends_nothing_yet(
    ciso: Any, executive: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://mind.example.com:8443/app"
    cfo = factories.executive_user("cfo")
    factories.UserFactory(username="nomail", email="", groups=[EXECUTIVE_GROUP])
    case = submit(factories.sso_case(author=ciso, title="SSO + MFA"), ciso)
    rows = CaseEmail.objects.order_by("recipient")
    assert [(r.recipient, r.kind, r.revision, r.status) for r in rows] == [
        (cfo.email, CaseEmailKind.SUBMITTED, 1, OutboxStatus.PENDING),
        (executive.email, CaseEmailKind.SUBMITTED, 1, OutboxStatus.PENDING),
    ]
    assert "SSO + MFA" in rows[0].subject and "ROSI: 79.9 %" in rows[0].body_text
    assert rows[0].message_id == f"<case-{case.pk}-submitted-1-{cfo.pk}@mind.example.com>"
    assert mailoutbox == []


def test_the_sweep_sends_each_email_exactly_once(
    ciso: Any, executive: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://mind.example.com"
    cfo = factories.executive_user("cfo")
    case = submit(factories.sso_case(author=ciso), ciso)
    assert notifications.sweep()["case_emails"] == 2
    assert notifications.sweep()["case_emails"] == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted([executive.email, cfo.email])
    ids = {m.to[0]: m.extra_headers["Message-ID"] for m in mailoutbox}
    assert ids[cfo.email] == f"<case-{case.pk}-submitted-1-{cfo.pk}@mind.example.com>"
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    assert set(CaseEmail.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
    assert not CaseEmail.objects.filter(sent_at=None).exists()


def test_a_decision_queues_one_email_for_the_author(
    ciso: Any, executive: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.SITE_URL = "http://localhost:8000"
    case = factories.sso_case(author=ciso, title="SSO + MFA", status=CaseStatus.SUBMITTED)
    decision = decide(case, executive, "rejected")
    row = CaseEmail.objects.get()
    assert (row.kind, row.decision, row.recipient_user, row.recipient) == (
        CaseEmailKind.DECIDED,
        decision,
        ciso,
        ciso.email,
    )
    assert mailoutbox == []
    notifications.sweep()
    (message,) = mailoutbox
    assert message.subject == "Business case rejected: SSO + MFA"
    assert "Go ahead." in message.body
    assert message.extra_headers["Message-ID"] == (
        f"<case-{case.pk}-decided-{decision.pk}-{ciso.pk}@localhost>"
    )


def test_a_request_for_a_decision_already_taken_is_skipped(
    ciso: Any, executive: Any, mailoutbox: Any
) -> None:
    case = submit(factories.sso_case(author=ciso), ciso)
    decide(case, executive)  # before the sweep got to the executives' emails
    notifications.sweep()
    assert [m.to for m in mailoutbox] == [[ciso.email]]
    assert dict(CaseEmail.objects.values_list("kind", "status")) == {
        CaseEmailKind.SUBMITTED: OutboxStatus.SKIPPED,
        CaseEmailKind.DECIDED: OutboxStatus.SENT,
    }


def test_an_smtp_failure_is_retried_by_a_later_sweep(
    ciso: Any, executive: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceBackend"
    FailsOnceBackend.calls = 0
    submit(factories.sso_case(author=ciso), ciso)
    now = timezone.now()
    assert notifications.sweep(now=now)["case_emails"] == 0
    row = CaseEmail.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "451 try again later" in row.last_error and row.next_attempt_at > now
    assert notifications.sweep(now=now)["case_emails"] == 0  # not due yet
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    assert notifications.sweep(now=later)["case_emails"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, "")
    assert [m.to for m in mailoutbox] == [[executive.email]]


def test_a_submission_that_rolls_back_leaves_no_email(
    ciso: Any, executive: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = factories.sso_case(author=ciso)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(case, ciso)
        assert CaseEmail.objects.count() == 1
        raise RuntimeError("something later in the same transaction failed")
    assert not CaseEmail.objects.exists() and callbacks == []
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_the_sweep_is_asked_for_by_the_name_of_the_real_task(
    monkeypatch: Any, django_capture_on_commit_callbacks: Any, ciso: Any, executive: Any
) -> None:
    monkeypatch.setattr(outbox, "request_sweep", REAL_REQUEST_SWEEP)  # with a fake broker
    sent: list[str] = []
    monkeypatch.setattr(outbox, "current_app", SimpleNamespace(send_task=sent.append))
    with django_capture_on_commit_callbacks(execute=True):
        submit(factories.sso_case(author=ciso), ciso)
    assert sent == [tasks.sweep_outbox.name]


def test_a_broker_outage_does_not_fail_the_submission(
    client: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
    ciso: Any,
    executive: Any,
) -> None:
    monkeypatch.setattr(outbox, "request_sweep", REAL_REQUEST_SWEEP)

    def down(name: str) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(outbox, "current_app", SimpleNamespace(send_task=down))
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("business_cases:case-submit", args=[case.pk])).status_code == 302
    assert CaseEmail.objects.filter(status=OutboxStatus.PENDING).count() == 1


def submit_queries(client: Any, ciso: Any) -> int:
    case = factories.sso_case(author=ciso)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("business_cases:case-submit", args=[case.pk]))
    assert response.status_code == 302
    return len(captured)


def test_submit_and_decide_queries_do_not_grow_with_the_executives(
    client: Any, ciso: Any, executive: Any, django_assert_max_num_queries: Any
) -> None:
    """Queueing costs two queries (the executives, one bulk insert) however many, and four
    for the trade-off's warnings the email carries."""
    client.force_login(ciso)
    few = submit_queries(client, ciso)
    assert few <= 24
    for n in range(10):
        factories.executive_user(f"exec{n}")
    assert submit_queries(client, ciso) == few
    assert CaseEmail.objects.count() == 1 + 11

    case = factories.sso_case(author=ciso, status=CaseStatus.SUBMITTED)
    client.force_login(executive)
    path = reverse("business_cases:case-decide", args=[case.pk])
    # The decision, its snapshot and email, the trade-off's warnings (4), the envelope's
    # lock and the draw, and the initiative planned with its history: a fixed number.
    with django_assert_max_num_queries(40):
        response = client.post(path, {"outcome": "approved", "comment": "Yes."})
    assert response.status_code == 302
