"""A programme moved to a brand-new PostgreSQL instance with the commands an operator
runs: `migrate`, `import_programme FILE --yes`, `export_programme FILE`, each its own
process, on a database created for the test. The second export holds the same rows and
the same document bytes as the first."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from alignment.portability.export import export_programme
from departments.models import ProcessDocument
from tests.conftest import PDF, require_services, skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db]
REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 300


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def manage(*args: str, database: str, var: Path) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alignment.conf.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database,
        "VAR_DIR": str(var),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def empty_postgres() -> Any:
    """A new, empty PostgreSQL database beside the test database; dropped after."""
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not point at PostgreSQL", required=require_services())
    db = connection.settings_dict
    name = f"mom_round_trip_{os.getpid()}"
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"] or "postgres"
    admin = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_export_import_into_a_new_postgresql_instance_and_export_again(
    programme: ProcessDocument, empty_postgres: str, tmp_path: Path
) -> None:
    first = export_programme().content
    exported, again = tmp_path / "programme.zip", tmp_path / "again.zip"
    exported.write_bytes(first)

    manage("migrate", "--noinput", database=empty_postgres, var=tmp_path / "var")
    out = manage(
        "import_programme", str(exported), "--yes", database=empty_postgres, var=tmp_path / "var"
    )
    assert "Imported:" in out
    manage("export_programme", str(again), database=empty_postgres, var=tmp_path / "var")

    before, after = members(first), members(again.read_bytes())
    assert before.keys() == after.keys()
    assert before["data.json"] == after["data.json"]
    files = [name for name in before if name.startswith("files/")]
    assert len(files) >= 3  # the document, the board pack's PDF and its workbook
    assert all(before[name] == after[name] for name in files)
    assert PDF in (before[name] for name in files)
    assert (
        json.loads(after["manifest.json"])["files"] == json.loads(before["manifest.json"])["files"]
    )
