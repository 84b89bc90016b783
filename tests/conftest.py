"""Fixed users and two departments: the cast every test plays with.

- `ciso`: security team; `executive`: senior leadership; `admin_user`: superuser;
- `head_a` heads `dept_a` (Infrastructure), `head_b` heads `dept_b` (Sales);
- `outsider`: logged in, no role at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from alignment.portability.export import export_programme
from alignment.portability.restore import restore
from business_cases.models.rates import FALLBACK_HOURLY_RATE, LoadedRate
from departments.models import Department, ProcessDocument
from tests import factories
from tests.smtp_server import Inbox, SmtpServer, free_port

# Extra request headers that make the test client's request an htmx one.
HTMX = {"HTTP_HX_REQUEST": "true"}


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def skip_or_fail(reason: str, *, required: bool) -> None:
    """Skip when a service is missing, unless the run requires it: then fail."""
    if required:
        pytest.fail(f"{reason} (required by this run)")
    pytest.skip(reason)


def database_url() -> str:
    """The PostgreSQL test database (test_<name>), for processes started by a test (a
    worker, a second client) to see what the test committed."""
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}{'@' if auth else ''}{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness is for attackers, not for a test suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Uploads land in a throwaway folder, never in var/media.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and the outbox sending to it through the
    SMTP backend the settings select for smtp:// (integration tests have their own)."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    settings.EMAIL_BACKEND = "alignment.conf.mail.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


@pytest.fixture
def page_cache_off(settings: Any) -> None:
    """For a test counting what a page itself does on every request: the page cache
    (alignment/conf/page_cache.py, counted in tests/conf/test_page_cache.py) would answer
    a repeated request in three queries."""
    settings.PAGE_CACHE = False


@pytest.fixture
def ciso(db: Any) -> Any:
    return factories.security_user("ciso")


@pytest.fixture
def executive(db: Any) -> Any:
    return factories.executive_user("exec")


@pytest.fixture
def admin_user(db: Any) -> Any:
    return factories.UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def head_a(db: Any) -> Any:
    return factories.UserFactory(username="head-infrastructure")


@pytest.fixture
def head_b(db: Any) -> Any:
    return factories.UserFactory(username="head-sales")


@pytest.fixture
def outsider(db: Any) -> Any:
    return factories.UserFactory(username="outsider")


@pytest.fixture
def dept_a(head_a: Any) -> Any:
    return factories.DepartmentFactory(name="Infrastructure", slug="infrastructure", head=head_a)


@pytest.fixture
def dept_b(head_b: Any) -> Any:
    return factories.DepartmentFactory(name="Sales", slug="sales", head=head_b)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- the whole programme (tests of alignment/portability/) ---

PDF = b"%PDF-1.4\n% a process document\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _as_migrated() -> None:
    """Make the database what a migrated instance is: a test that flushes the tables
    (transactional tests) also removes the default loaded rate the migrations give."""
    LoadedRate.objects.get_or_create(
        department=None, defaults={"hourly_rate": FALLBACK_HOURLY_RATE}
    )


@pytest.fixture(scope="session")
def demo_export(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> bytes:
    """The demo organisation's export, seeded once for the session (seeding renders a
    board pack and takes a while) in a transaction that is then rolled back."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        _as_migrated()
        call_command("seed_demo", stdout=StringIO())
        content = export_programme().content
        transaction.set_rollback(True)
    return content


@pytest.fixture
def programme(demo_export: bytes) -> ProcessDocument:
    """The demo organisation, imported into this test's empty database, and a document.

    Both this database and the one the export was taken from are first what a migrated
    instance is, whichever tests ran before, so that a round trip finds the same rows."""
    _as_migrated()
    restore(demo_export, merge=False, dry_run=False)
    finance = Department.objects.get(slug="finance")
    document = ProcessDocument(
        department=finance,
        title="Month-end close",
        original_name="close.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=finance.head,
    )
    document.file.save("close.pdf", ContentFile(PDF), save=False)
    document.save()
    return document
