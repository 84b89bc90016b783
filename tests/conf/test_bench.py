"""`make bench` cannot rot: a small run of it (1× and 2×, one request per page, a few
emails) goes all the way to its summary line, against whatever database the suite uses.

Nothing here asserts a timing; the query counts, however, must not differ between the
two scales.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(
    r"^summary: worst_ratio=(?P<ratio>[\d.]+) worst_growth=(?P<growth>[\d.]+) "
    r"query_growth=(?P<queries>\d+) outbox_ratio=(?P<outbox>[\d.]+)$"
)


def test_bench_runs_to_its_summary_with_constant_queries() -> None:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "alignment.conf.settings"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--scales",
            "1,2",
            "--repeat",
            "1",
            "--emails",
            "30",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-5:]
    assert summary["queries"] == "0", result.stdout
    assert any(line.startswith("dashboard ") for line in lines)
    assert any(line.startswith("calendar feed ") for line in lines)
    outbox = next(line for line in lines if line.startswith("outbox: "))
    assert outbox.startswith("outbox: 30 reminders"), outbox
