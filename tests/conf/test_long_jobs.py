"""A long worker job does not make a concurrent check-in fail, on SQLite and PostgreSQL.

The job is the worker's materialisation of a big series (a hundred people, a daily
meeting, three reminders: about 27,000 reminder rows, several seconds of work). It runs in
one process while a department head posts check-ins from another, as fast as they can,
until the job is done. Both processes wait at most a second for a lock
(SQLITE_BUSY_TIMEOUT=1; a check-in is tried three times), less than the job takes: a
job holding the write lock for its whole length makes the check-ins fail with 503, or
at best wait until it ends. Every check-in must be saved, and many of them (at least
ten, where such a job lets through two or three) while the job was running.

Under the embedded defaults the processes share a SQLite file of their own (migrated
here); with PostgreSQL they share the test database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import database_url

REPO_ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 100
LEADS = [15, 60, 1440]

SETUP = f"""
LEADS = {LEADS!r}
import datetime as dt, json
import django
django.setup()
from django.conf import settings
from django.utils import timezone
from alignment.meetings import services
from tests import factories

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users

ciso = factories.security_user("ciso")
head = factories.UserFactory(username="head-sales")
department = factories.DepartmentFactory(name="Sales", slug="sales", head=head)
goal = factories.GoalFactory(department=department)
people = [factories.UserFactory(username=f"person{{n}}") for n in range({PEOPLE})]
series = services.series_create(
    organiser=ciso, kind="senior", title="Daily", rule="FREQ=DAILY",
    start_date=timezone.localdate() + dt.timedelta(days=1), start_time=dt.time(9),
    time_zone="Europe/Paris", users=people, reminder_leads=LEADS,
)
assert series.materialise_requested_at is not None, "the series should be left to the worker"
print(json.dumps({{"series": series.pk, "goal": goal.pk, "head": head.pk}}))
"""

JOB = """
import sys, time
from pathlib import Path
import django
django.setup()
from alignment.meetings import materialise

series_id, folder = int(sys.argv[1]), Path(sys.argv[2])
deadline = time.monotonic() + 60
while not (folder / "ready").exists() and time.monotonic() < deadline:
    time.sleep(0.01)  # the head is logged in and about to post
(folder / "started").touch()
result = materialise.materialise_requested(series_id)
(folder / "done").touch()
print(len(result.created))
"""

CHECKINS = """
import json, sys, time
from pathlib import Path
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone

setup_test_environment()  # the test client's host and the in-memory email backend
goal_id, head_id, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
client = Client(raise_request_exception=False)
client.force_login(get_user_model().objects.get(pk=head_id))
(folder / "ready").touch()
deadline = time.monotonic() + 60
while not (folder / "started").exists() and time.monotonic() < deadline:
    time.sleep(0.01)
answers, during = [], 0
while not (folder / "done").exists() and len(answers) < 300 and time.monotonic() < deadline:
    response = client.post(
        f"/goals/{goal_id}/checkins/new/",
        {"date": timezone.localdate().isoformat(), "value": str(len(answers)), "confidence": "3"},
    )
    answers.append(response.status_code)
    during += not (folder / "done").exists()
print(json.dumps({"answers": answers, "during": during}))
"""

COUNT = """
import django
django.setup()
from departments.models import CheckIn
from alignment.meetings.models import Reminder
print(CheckIn.objects.count(), Reminder.objects.count())
"""


def run_python(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def shared_database(tmp_path: Path) -> str:
    if connection.vendor == "postgresql":
        return database_url()
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.mark.django_db(transaction=True)
def test_a_long_worker_job_does_not_make_a_concurrent_check_in_fail(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
        "DATABASE_URL": shared_database(tmp_path),
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "alignment.conf.settings",
        "VAR_DIR": str(tmp_path),  # the embedded broker too: no worker reads these tasks
        "SQLITE_BUSY_TIMEOUT": "1",
    }
    if connection.vendor != "postgresql":
        run_python(["manage.py", "migrate", "--no-input"], env)
    ids: dict[str, Any] = json.loads(run_python(["-c", SETUP], env))

    job = subprocess.Popen(
        [sys.executable, "-c", JOB, str(ids["series"]), str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        report = json.loads(
            run_python(["-c", CHECKINS, str(ids["goal"]), str(ids["head"]), str(tmp_path)], env)
        )
        created, errors = job.communicate(timeout=300)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()

    assert job.returncode == 0, errors[-3000:]
    assert int(created) >= 80
    answers = report["answers"]
    # Every check-in was saved (a redirect to the goal), none answered 503 or 500…
    assert answers and set(answers) == {302}, answers
    # …several while the job was still running…
    assert report["during"] >= 10, report
    checkins, reminders = map(int, run_python(["-c", COUNT], env).split())
    assert checkins == len(answers)
    # …and the job did all its work: every meeting, every person (and the organiser), both leads.
    assert reminders == int(created) * (PEOPLE + 1) * len(LEADS)
