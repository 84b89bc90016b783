"""Beat's "open the quarter's programme review" run many times at once on two real worker
processes (PostgreSQL + Redis) opens exactly one review, with one item per subject, and
tells each member of the security team once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from django.utils import timezone

from alignment import reviews, tasks
from alignment.models import ProgrammeEmail, ProgrammeEmailKind, ProgrammeReview, ReviewItem
from objectives.models import InitiativeStatus
from tests import factories
from tests.integration.test_meetings_delivery import (  # the workers and services fixtures
    DELIVERY_TIMEOUT,
    RUNNING,
    Worker,
    services,
    smtp,
    start_worker,
)

__all__ = ["services", "smtp", "start_worker"]  # fixtures used by name
RUNS = 8
OBJECTIVES = 12
INITIATIVES = 20


def finished_runs() -> int:
    """Runs the workers logged as done ("… open_programme_review[…] succeeded in …")."""
    lines = (line for w in RUNNING for line in w.log.read_text().splitlines())
    return sum("open_programme_review" in line and "succeeded" in line for line in lines)


def test_two_workers_racing_open_one_review_with_one_item_per_subject(
    start_worker: Callable[[], Worker],
) -> None:
    team = [factories.security_user(f"sec{n}") for n in range(3)]
    team[2].email = ""  # no address: no email
    team[2].save(update_fields=["email"])
    factories.executive_user("exec")  # not the security team: no email
    objectives = [factories.ObjectiveFactory(title=f"Objective {n}") for n in range(OBJECTIVES)]
    for n in range(INITIATIVES):
        factories.InitiativeFactory(objective=objectives[n % OBJECTIVES], title=f"Initiative {n}")
    factories.InitiativeFactory(objective=objectives[0], status=InitiativeStatus.DONE)
    start_worker()
    start_worker()
    for _ in range(RUNS):
        tasks.open_programme_review.delay()
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while finished_runs() < RUNS and time.monotonic() < deadline:
        time.sleep(0.3)
    assert finished_runs() == RUNS, "\n".join(w.log.read_text()[-2000:] for w in RUNNING)
    runs = [
        line
        for w in RUNNING
        for line in w.log.read_text().splitlines()
        if "open_programme_review" in line and "succeeded" in line
    ]
    # One run opened it (returned True); every other one found it and returned False.
    assert sum(line.endswith(": True") for line in runs) == 1, runs
    assert not any("Traceback" in w.log.read_text() for w in RUNNING)

    review = ProgrammeReview.objects.get()
    assert review.period == reviews.quarter_start(timezone.localdate())
    items = ReviewItem.objects.filter(review=review)
    assert items.count() == OBJECTIVES + INITIATIVES
    assert items.exclude(objective=None).values("objective").distinct().count() == OBJECTIVES
    assert items.exclude(initiative=None).values("initiative").distinct().count() == INITIATIVES

    emails = ProgrammeEmail.objects.filter(kind=ProgrammeEmailKind.REVIEW_OPENED, review=review)
    per_user = Counter(emails.values_list("recipient_user", flat=True))
    assert per_user == {team[0].pk: 1, team[1].pk: 1}
