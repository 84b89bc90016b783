"""Production settings: refuse to start half-configured, pass Django's deploy checks.

The production checks run `manage.py` in a subprocess with DJANGO_DEBUG=0, because the
test process itself runs with the development defaults (alignment/conf/pytest_plugin.py).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO_ROOT = Path(__file__).resolve().parents[2]


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path),
    }
    # The test run sets DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright); production does not.
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environ.pop(name, None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def test_it_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", DJANGO_ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in last_line(result.stderr)
    assert "Traceback" not in result.stderr


def test_it_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "Set the DJANGO_ALLOWED_HOSTS environment variable" in last_line(result.stderr)
    assert "Traceback" not in result.stderr


def test_it_refuses_a_malformed_debug_flag(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in last_line(result.stderr)
    assert "'maybe'" in last_line(result.stderr)


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_login_page_has_a_strict_nonce_based_csp(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    directives = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    header_nonce = re.search(r"'nonce-([^']+)'", script_src)
    assert header_nonce is not None
    htmx_tag = re.search(r'<script[^>]*src="[^"]*htmx[^"]*\.js"[^>]*>', response.content.decode())
    assert htmx_tag is not None
    assert f'nonce="{header_nonce.group(1)}"' in htmx_tag.group(0)
