"""Computed samples are taken once per measure and period even when beat's job runs many
times at once on two real worker processes (PostgreSQL + Redis)."""

from __future__ import annotations

import time
from collections.abc import Callable

from alignment import tasks
from objectives.models import Computation, Sample, SampleSource
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
RUNS = 6
MEASURES = 25


def finished_runs() -> int:
    """Runs the workers logged as done ("… take_measure_samples[…] succeeded in …")."""
    lines = (line for w in RUNNING for line in w.log.read_text().splitlines())
    return sum("take_measure_samples" in line and "succeeded" in line for line in lines)


def test_two_workers_racing_take_one_sample_per_measure_and_period(
    start_worker: Callable[[], Worker],
) -> None:
    for n in range(MEASURES):
        factories.MeasureFactory(computation=Computation.OVERDUE_ACTIONS, title=f"Overdue {n}")
    start_worker()
    start_worker()
    for _ in range(RUNS):
        tasks.take_measure_samples.delay()
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while finished_runs() < RUNS and time.monotonic() < deadline:
        time.sleep(0.3)
    assert finished_runs() == RUNS, "\n".join(w.log.read_text()[-2000:] for w in RUNNING)
    computed = Sample.objects.filter(source=SampleSource.COMPUTED)
    assert computed.count() == MEASURES
    assert computed.values("measure").distinct().count() == MEASURES
