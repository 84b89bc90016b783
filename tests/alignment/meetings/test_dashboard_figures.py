"""The dashboard's meeting figures: what is coming, cadence per leader, overdue actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment.meetings import after, materialise
from alignment.meetings.models import ActionItem, OccurrenceStatus
from tests import factories

pytestmark = pytest.mark.django_db


def monthly_with_history(ciso: Any, leader: Any, department: Any) -> Any:
    """A monthly one-on-one that started four months ago: history and a future."""
    now = timezone.now()
    then = now - dt.timedelta(days=120)
    series = factories.one_on_one(
        organiser=ciso, leader=leader, department=department, first=then.date(), now=now
    )
    # The past four months as well, as if the app had planned them back then.
    materialise.materialise_series(series, now=now, since=then)
    return series


def test_dashboard_lists_meetings_cadence_and_overdue_actions(
    client: Any, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    series = monthly_with_history(ciso, head_b, dept_b)
    now = timezone.now()
    past = list(series.occurrences.filter(end__lte=now, start__gte=now - dt.timedelta(days=90)))
    assert len(past) >= 2
    past[0].status = OccurrenceStatus.CANCELLED
    past[0].save()
    everyone = {a.pk for a in series.attendees.all()}
    for occurrence in past[1:]:
        after.record_attendance(occurrence, everyone, ciso)
    ActionItem.objects.create(
        occurrence=past[-1],
        title="Send the break-glass runbook",
        owner=head_b,
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    client.force_login(ciso)

    page = client.get("/")

    meetings = page.context["meetings"]
    row = next(s for s in meetings.cadence if s.pk == series.pk)
    assert (row.planned, row.held) == (len(past), len(past) - 1)
    assert "Behind" in page.text
    assert "Send the break-glass runbook" in page.text
    assert meetings.overdue_count == 1
    soon = series.occurrences.filter(start__gt=now, start__lt=now + dt.timedelta(days=14))
    assert meetings.upcoming_count == soon.count()


def test_meeting_figures_do_not_add_queries_per_series(client: Any, ciso: Any) -> None:
    client.force_login(ciso)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries)

    department = factories.DepartmentFactory()
    monthly_with_history(ciso, factories.UserFactory(), department)
    small = count()
    for _ in range(5):
        monthly_with_history(ciso, factories.UserFactory(), factories.DepartmentFactory())
    assert count() == small


def test_empty_dashboard_says_so(client: Any, executive: Any) -> None:
    client.force_login(executive)
    text = client.get("/").text
    assert "No meeting in the next 14 days." in text
    assert "No overdue action." in text
