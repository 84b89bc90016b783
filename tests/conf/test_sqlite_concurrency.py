"""The SQLite default takes concurrent writers (web, worker, beat) without "database is locked".

Runs against its own SQLite file, whatever database the rest of the run uses: four
processes write at once, each also doing a read-modify-write on one shared row, which
only stays correct (and unlocked) because transactions are IMMEDIATE with a busy timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4
ROUNDS = 40

WRITER = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.db import transaction
from departments.models import Department

n, rounds, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
(folder / f"ready-{n}").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
for i in range(rounds):
    with transaction.atomic():
        Department.objects.create(name=f"p{n}-{i}", slug=f"p{n}-{i}")
    with transaction.atomic():
        shared = Department.objects.select_for_update().get(slug="shared")
        shared.friction_budget_hours += 1
        shared.save(update_fields=["friction_budget_hours"])
"""

REPORT = """
import django
django.setup()
from departments.models import Department
print(Department.objects.count(), Department.objects.get(slug="shared").friction_budget_hours)
"""


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_concurrent_writers_never_see_database_is_locked(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "alignment.conf.settings",
        "VAR_DIR": str(tmp_path),
    }
    migrate = run_python(["manage.py", "migrate", "--no-input"], env)
    assert migrate.returncode == 0, migrate.stderr
    seed = "import django; django.setup(); from departments.models import Department; "
    seed += "Department.objects.create(name='Shared', slug='shared')"
    assert run_python(["-c", seed], env).returncode == 0

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n), str(ROUNDS), str(tmp_path)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    try:
        # Release the writers together, once each has paid its start-up cost.
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < WRITERS and time.monotonic() < deadline:
            time.sleep(0.05)
        (tmp_path / "go").touch()
        outcomes = [(w.communicate(timeout=120)[1], w.returncode) for w in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    for stderr, returncode in outcomes:
        assert "database is locked" not in stderr
        assert returncode == 0, stderr
    report = run_python(["-c", REPORT], env)
    assert report.stdout.split() == [str(WRITERS * ROUNDS + 1), f"{WRITERS * ROUNDS}.0"]
