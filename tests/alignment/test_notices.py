"""Everyone told what awaits them, exactly once, only the right person, never when they
switched it off, and in one weekly digest when they chose the digest; the pages say only
what really happens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment import notifications, outbox
from alignment.meetings import tasks as meeting_tasks
from alignment.meetings.models import UserProfile
from alignment.models import Agreement, Commitment, Notice, NoticeEmail
from alignment.outbox import OutboxStatus
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "request_sweep", lambda: None)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def choose(user: Any, **choices: str) -> None:
    UserProfile.objects.update_or_create(user=user, defaults=choices)


def assess(ciso: Any, department: Any, hours: str = "3", title: str = "DLP") -> Any:
    initiative = factories.InitiativeFactory(title=title, owner=ciso)
    url = reverse("alignment:assessment-create", args=[initiative.pk])
    data = {
        "department": department.pk,
        "hours_per_week": hours,
        "people_affected": "4",
        "processes_touched": "Tagging customer files",
    }
    response = client_for(ciso).post(url, data, follow=True)
    assert response.status_code == 200, response.content[:2000]
    return response


def delivered(mailoutbox: list[Any]) -> list[tuple[str, str]]:
    notifications.sweep()
    return [(m.to[0], m.subject) for m in mailoutbox]


def test_the_head_is_emailed_once_when_an_assessment_awaits_their_answer(
    ciso: Any, head_a: Any, dept_a: Any, head_b: Any, dept_b: Any, mailoutbox: list[Any]
) -> None:
    page = assess(ciso, dept_a).text
    assert "Its head is told that it awaits their answer." in page
    assert delivered(mailoutbox) == [(head_a.email, "Your answer: DLP on Infrastructure")]
    assert "would add 3 h/week to Infrastructure" in mailoutbox[0].body
    assert delivered(mailoutbox) == [(head_a.email, "Your answer: DLP on Infrastructure")]
    assert not Notice.objects.filter(user=head_b).exists()


def test_a_head_who_switched_it_off_gets_nothing_and_the_page_says_so(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    choose(head_a, notify_assessments="off")
    page = assess(ciso, dept_a).text
    assert "they get no email about it" in page
    assert delivered(mailoutbox) == []
    assert not Notice.objects.exists()


def test_a_disagreement_reaches_the_security_team_and_an_agreement_nobody(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    analyst = factories.security_user("security-analyst")
    choose(head_a, notify_assessments="off")
    agreed = factories.AssessmentFactory(department=dept_a, initiative__title="SSO")
    refused = factories.AssessmentFactory(department=dept_a, initiative__title="USB lockdown")
    head = client_for(head_a)

    def answer(assessment: Any, agreement: str, comment: str = "") -> str:
        url = reverse("alignment:assessment-answer", args=[assessment.pk])
        data = {"head_agreement": agreement, "head_comment": comment}
        response = head.post(url, {**data, "version": assessment.version}, **HTMX)
        assert response.status_code == 200
        return response.text

    assert "the security team sees it on the assessment" in answer(agreed, Agreement.AGREED)
    assert delivered(mailoutbox) == []
    text = answer(refused, Agreement.DISAGREED, "Month-end close")
    assert "the security team is told that you disagree" in text
    subject = f"{head_a.get_full_name()} disagrees: USB lockdown on Infrastructure"
    assert sorted(delivered(mailoutbox)) == sorted(
        [(ciso.email, subject), (analyst.email, subject)]
    )
    assert "“Month-end close”" in mailoutbox[0].body


def test_nobody_told_means_the_head_reads_that_nobody_is_told(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    choose(ciso, notify_disagreements="off")
    refused = factories.AssessmentFactory(department=dept_a)
    url = reverse("alignment:assessment-answer", args=[refused.pk])
    data = {
        "head_agreement": Agreement.DISAGREED,
        "head_comment": "Too much",
        "version": refused.version,
    }
    text = client_for(head_a).post(url, data, **HTMX).text
    assert "the security team sees it on the assessment list" in text
    assert "is told" not in text
    assert delivered(mailoutbox) == []


def test_the_digest_gathers_a_weeks_notices_into_one_email_once(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    choose(head_a, notify_assessments="digest", notify_budgets="digest")
    assess(ciso, dept_a, title="DLP")
    assess(ciso, dept_a, title="USB lockdown")
    budget_url = reverse("alignment:friction-budget", args=[dept_a.slug])
    dept_a.refresh_from_db()
    data = {"friction_budget_hours": "12", "version": dept_a.version}
    client_for(ciso).post(budget_url, data, **HTMX)
    assert delivered(mailoutbox) == []  # nothing at once

    meeting_tasks.queue_overdue_digests()  # Mondays
    assert delivered(mailoutbox) == [(head_a.email, "This week: 3 things await you")]
    body = mailoutbox[0].body
    assert "DLP would add" in body and "USB lockdown would add" in body
    assert "friction budget of 12 h/week for Infrastructure" in body
    meeting_tasks.queue_overdue_digests()
    assert len(delivered(mailoutbox)) == 1  # each notice in one digest only


def test_budget_proposals_reach_the_other_side(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    url = reverse("alignment:friction-budget", args=[dept_a.slug])

    def propose(user: Any, hours: str) -> None:
        dept_a.refresh_from_db()
        data = {"friction_budget_hours": hours, "version": dept_a.version}
        assert client_for(user).post(url, data, **HTMX).status_code == 200

    propose(ciso, "12")
    assert delivered(mailoutbox) == [
        (head_a.email, "Friction budget for Infrastructure: 12 h/week proposed")
    ]
    propose(head_a, "14.5")
    assert delivered(mailoutbox)[1:] == [
        (ciso.email, "Friction budget for Infrastructure: 14.5 h/week proposed")
    ]


def test_a_person_who_left_is_not_emailed(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    assess(ciso, dept_a)
    head_a.is_active = False
    head_a.save()
    assert delivered(mailoutbox) == []
    assert NoticeEmail.objects.get().status == OutboxStatus.SKIPPED


def test_the_profile_keeps_each_choice_and_an_older_page_changes_none(head_a: Any) -> None:
    client = client_for(head_a)
    url = reverse("alignment:meeting-profile")
    page = client.get(url).text
    assert "What awaits me" in page and "an impact assessment awaits my answer" in page.lower()
    base = {
        "time_zone": "Europe/London",
        "work_start_hour": "9",
        "work_end_hour": "17",
        "work_days": ["0", "1", "2", "3", "4"],
        "use_series_leads": "on",
        "action_reminder_days": "2",
    }
    assert client.post(url, {**base, "notify_assessments": "digest"}).status_code == 302
    profile = UserProfile.objects.get(user=head_a)
    assert (profile.notify_assessments, profile.notify_budgets) == ("digest", "now")
    assert client.post(url, base).status_code == 302  # a page without the choices
    profile.refresh_from_db()
    assert profile.notify_assessments == "digest"
    bad = client.post(url, {**base, "notify_assessments": "hourly"})
    assert bad.status_code == 422
    assert UserProfile.objects.get(user=head_a).notify_assessments == "digest"


def test_a_delivered_commitment_asks_its_head_to_confirm_once(
    ciso: Any, head_a: Any, dept_a: Any, head_b: Any, mailoutbox: list[Any]
) -> None:
    commitment = Commitment.objects.create(
        department=dept_a,
        title="Hardware keys for the on-call team",
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    url = reverse("alignment:commitment-move", args=[commitment.pk])
    started = {"status": "in_progress", "version": commitment.version}
    assert client_for(ciso).post(url, started, **HTMX).status_code == 200
    assert delivered(mailoutbox) == []  # only delivery awaits the head
    commitment.refresh_from_db()
    data = {"status": "delivered", "version": commitment.version}
    assert client_for(ciso).post(url, data, **HTMX).status_code == 200
    assert delivered(mailoutbox) == [
        (head_a.email, "Delivered: Hardware keys for the on-call team")
    ]
    assert "Did it help?" in mailoutbox[0].body
    assert not Notice.objects.filter(user=head_b).exists()


def test_a_request_from_a_department_reaches_the_security_team(
    ciso: Any, head_a: Any, dept_a: Any, mailoutbox: list[Any]
) -> None:
    executive = factories.executive_user("exec")
    url = reverse("alignment:request-create", args=[dept_a.slug])
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    need = "A vault for the deploy pipeline"
    assert client_for(head_a).post(url, {"need": need, "due_date": due}).status_code == 302
    assert delivered(mailoutbox) == [(ciso.email, f"Infrastructure asks: {need}")]
    assert not Notice.objects.filter(user=executive).exists()
