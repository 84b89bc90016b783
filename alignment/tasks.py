"""The outbox sweep and the samples of computed measures (meetings: meetings/tasks.py).

Tasks take ids (or nothing) and are idempotent: the work itself is recorded in the
database (alignment/outbox.py), so a task that runs twice, or never because the broker
lost it, changes nothing that the next beat-driven sweep would not do anyway. None uses
an ETA or a countdown: Redis would redeliver those after its visibility timeout.

The schedules live in django-celery-beat's tables (created by a migration, editable in
the admin): the sweep every minute, materialisation and samples daily, the digest on
Mondays.
"""

from __future__ import annotations

from celery import shared_task

from alignment import changes, notifications, reviews
from alignment.meetings import materialise
from alignment.outbox import SWEEP_TASK
from objectives import computations


@shared_task(name=SWEEP_TASK)
def sweep_outbox() -> dict[str, int]:
    """Send every due invite, reminder, digest and business-case email (exactly once),
    after materialising the big series changes whose own task never ran."""
    materialised = materialise.materialise_forgotten()
    return {**notifications.sweep(), "materialised": materialised}


@shared_task(name="alignment.tasks.take_measure_samples")
def take_measure_samples() -> int:
    """One computed sample per computed measure and period (objectives/computations.py)."""
    return computations.take_samples()


@shared_task(name="alignment.tasks.open_programme_review")
def open_programme_review() -> bool:
    """Open this quarter's programme review (once, however often beat runs it)."""
    return reviews.open_review()[1]


@shared_task(name="alignment.tasks.prune_changes")
def prune_changes() -> int:
    """Keep only the newest row of the programme's change log (alignment/changes.py)."""
    return changes.prune()
