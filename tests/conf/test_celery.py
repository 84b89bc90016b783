"""The Celery app finds every task, and beat's schedule only names tasks it has.

A schedule row names its task by a string: a task that the worker never registered is
only noticed when beat fires it ("Received unregistered task"), so these tests check
the names against the app as a worker builds it.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from django.apps import apps
from django_celery_beat.models import PeriodicTask

REPO_ROOT = Path(__file__).resolve().parents[2]
MEETING_TASKS = {
    "alignment.tasks.materialise_meetings",
    "alignment.tasks.materialise_series",
    "alignment.tasks.queue_overdue_digests",
}

# A fresh process, so that no test has imported a task module already: what the worker
# registers at start-up is what its discovery imports (import_default_modules is the
# step of worker start-up that sends the signal autodiscover_tasks waits for).
DISCOVER = """
import json
{make_app}
app.loader.import_default_modules()
print(json.dumps(sorted(name for name in app.tasks if not name.startswith("celery."))))
"""


def discovered_tasks(make_app: str) -> set[str]:
    """The task names an app registers at worker start-up; `make_app` binds `app`."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "alignment.conf.settings"}
    result = subprocess.run(
        [sys.executable, "-c", DISCOVER.format(make_app=make_app)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def worker_tasks() -> set[str]:
    """What a worker of alignment.conf.celery registers. Not this process's `app.tasks`:
    any task module a test happened to import is registered there, discovered or not."""
    return discovered_tasks("from alignment.conf.celery import app")


def test_the_worker_discovers_the_sweep_and_the_meetings_tasks(worker_tasks: set[str]) -> None:
    assert worker_tasks >= {"alignment.tasks.sweep_outbox", *MEETING_TASKS}


def test_the_check_catches_an_app_that_does_not_search_the_meetings_package() -> None:
    # Discovery of the installed apps alone imports alignment.tasks, never
    # alignment.meetings.tasks: the meetings' tasks would be missing.
    found = discovered_tasks(
        "from celery import Celery\n"
        "app = Celery('probe')\n"
        "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
        "app.autodiscover_tasks()"
    )
    assert "alignment.tasks.sweep_outbox" in found
    assert found.isdisjoint(MEETING_TASKS)


@pytest.fixture
def schedules(db: None) -> None:
    """The schedule rows of alignment's migration 0003, as a fresh database has them.

    A transactional test (the browser tests) empties every table, and pytest's grouping
    of the browser-parametrised tests can run one before this test: the migration's own
    function puts the rows back (by name, so an existing row is kept as it is).
    """
    migration = importlib.import_module("alignment.migrations.0003_meeting_schedules")
    migration.create_schedules(apps, None)


def test_every_scheduled_task_is_a_registered_task(schedules: None, worker_tasks: set[str]) -> None:
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert scheduled >= {"alignment.tasks.sweep_outbox", "alignment.tasks.materialise_meetings"}
    assert scheduled - worker_tasks == set()


def test_the_check_catches_a_schedule_naming_an_unknown_task(
    schedules: None, worker_tasks: set[str]
) -> None:
    PeriodicTask.objects.filter(task="alignment.tasks.sweep_outbox").update(
        task="alignment.meetings.tasks.sweep_outbox"
    )
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert "alignment.meetings.tasks.sweep_outbox" in scheduled - worker_tasks


@pytest.mark.parametrize("signal", [signals.worker_process_init, signals.worker_ready])
def test_a_started_worker_keeps_its_startup_heap_out_of_full_collections(signal: Any) -> None:
    """A prefork child once forked, or a solo worker once ready, freezes what it loaded:
    a full collection during a sweep then scans only what the sweep made."""
    before = gc.get_freeze_count()
    try:
        signal.send(sender=None)
        assert gc.get_freeze_count() > before
        scanned = len(gc.get_objects())  # what a full collection goes through
        gc.unfreeze()
        assert len(gc.get_objects()) > scanned + 100_000
    finally:
        gc.unfreeze()
