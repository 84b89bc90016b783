"""`make load`: thirty people at once against the production layout, on loopback.

A throwaway PostgreSQL database gets the 10× organisation (alignment/bench/organisation.py);
gunicorn serves it with production settings (debug off) and two Celery workers and beat
run beside it on Redis. Locust (alignment/bench/locustfile.py) then plays heads logging
check-ins, the CISO editing the matrix, executives reading, and calendar clients polling,
for a bounded time, and the run prints requests per second and p50/p95/p99 per endpoint.
Every process it starts is stopped by its own process id, and the database is dropped.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "load-run-" + secrets.token_hex(6)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, redis_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alignment.conf.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/12",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": "consolemail://",
    }


def prepare(scale: int, plan_path: Path) -> None:
    """Run inside the load database's settings: the organisation, passwords, the plan."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from alignment.bench import organisation
    from alignment.meetings.models import UserProfile
    from alignment.models import AlignmentLink
    from departments.models import Department, Goal

    org = organisation.build(scale)
    with connection.cursor() as cursor:  # statistics, as a database in use has them
        cursor.execute("ANALYZE")
    users = get_user_model()
    org.ciso.set_password(PASSWORD)
    org.ciso.save(update_fields=["password"])
    users.objects.exclude(pk=org.ciso.pk).update(password=org.ciso.password)
    heads = []
    for department in Department.objects.select_related("head").filter(head__isnull=False)[:30]:
        goals = list(Goal.objects.filter(department=department).values_list("pk", flat=True)[:5])
        heads.append(
            {"username": department.head.username if department.head else "", "goals": goals}
        )
    cells = [
        {"slug": slug, "initiative": initiative, "goal": goal}
        for slug, initiative, goal in AlignmentLink.objects.values_list(
            "goal__department__slug", "initiative_id", "goal_id"
        )[:200]
    ]
    UserProfile.objects.bulk_create(
        [UserProfile(user=u) for u in users.objects.filter(meeting_profile__isnull=True)]
    )
    plan = {
        "password": PASSWORD,
        "today": timezone.localdate().isoformat(),
        "ciso": org.ciso.username,
        "executive": org.executive.username,
        "heads": heads,
        "cells": cells,
        "cases": list(org.case.__class__.objects.values_list("pk", flat=True)[:50]),
        "feeds": list(UserProfile.objects.values_list("feed_token", flat=True)[:40]),
    }
    plan_path.write_text(json.dumps(plan), encoding="utf-8")


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for the run, dropped afterwards."""
    import psycopg

    name = f"mom_load_{os.getpid()}"
    base = admin_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str], logs: Path) -> Iterator[None]:
    """Start each command in its own process group; stop each by its own id."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for n, command in enumerate(commands):
            log = open(logs / f"process-{n}.log", "wb")  # noqa: SIM115 - closed with the process
            started.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        yield
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def run(admin_url: str, redis_url: str, *, scale: int, users: int, seconds: int, out: Any) -> int:
    """The whole load run; returns the number of failed requests."""
    python = sys.executable
    bin_dir = Path(python).parent
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="load-") as work, database(admin_url) as url:
        workdir = Path(work)
        env = {**environment(url, redis_url, port), "VAR_DIR": str(workdir / "var")}
        manage = [python, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        plan = workdir / "plan.json"
        started = time.perf_counter()
        subprocess.run(
            [*manage, "load", "--prepare", str(plan), "--scale", str(scale)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        out.write(f"{scale}× organisation ready in {time.perf_counter() - started:.0f} s\n")
        workers = [
            [
                str(bin_dir / "celery"),
                "-A",
                "alignment",
                "worker",
                "--concurrency",
                "2",
                "--hostname",
                f"load{n}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ]
            for n in (1, 2)
        ]
        beat = [
            str(bin_dir / "celery"),
            "-A",
            "alignment",
            "beat",
            "-l",
            "WARNING",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ]
        web = [
            str(bin_dir / "gunicorn"),
            "alignment.conf.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        with processes([web, *workers, beat], env, workdir):
            wait_for(f"http://127.0.0.1:{port}/healthz", 60)
            stats = workdir / "locust"
            subprocess.run(
                [
                    str(bin_dir / "locust"),
                    "-f",
                    str(ROOT / "alignment/bench/locustfile.py"),
                    "--headless",
                    "-u",
                    str(users),
                    "-r",
                    str(max(1, users // 3)),
                    "-t",
                    f"{seconds}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(stats),
                    "--only-summary",
                ],
                cwd=ROOT,
                env={**env, "LOAD_PLAN": str(plan)},
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=seconds + 120,
            )
        return report(Path(f"{stats}_stats.csv"), users, seconds, out)


def report(stats: Path, users: int, seconds: int, out: Any) -> int:
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    out.write(f"\n{users} users for {seconds} s\n")
    out.write(
        f"{'endpoint':<22} {'requests':>9} {'fails':>6} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}\n"
    )
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        failures += int(row["Failure Count"]) if name != "all" else 0
        out.write(
            f"{name:<22} {row['Request Count']:>9} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}\n"
        )
    errors = stats.with_name(stats.name.replace("_stats.csv", "_failures.csv"))
    if errors.exists():
        for row in list(csv.DictReader(errors.open(encoding="utf-8")))[:10]:
            out.write(f"failed: {row['Name']}: {row['Error']} ×{row['Occurrences']}\n")
    return failures
