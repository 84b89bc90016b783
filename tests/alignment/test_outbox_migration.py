"""Business-case emails join the one outbox with every row: the table is renamed, not copied.

business_cases 0004 forgets its CaseEmail (state only) and alignment 0004 adopts the same
table as alignment.CaseEmail. The test writes rows with the models as they were before,
migrates forward, and checks that the rows kept their ids and state and that the sweep
sends the pending one. It leaves the database fully migrated, whatever happens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from alignment import notifications
from alignment.models import CaseEmail
from alignment.outbox import OutboxStatus

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = {"alignment": "0003_meeting_schedules", "business_cases": "0003_case_email_outbox"}


def leaves() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def before_the_move() -> list[tuple[str, str]]:
    """Every app at its latest migration, except the two apps of the move."""
    return [(app, BEFORE.get(app, name)) for app, name in leaves()]


@pytest.fixture
def migrated_back() -> Iterator[Any]:
    """The apps (historical models) from before the move; fully migrated again afterwards."""
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before_the_move())
        executor.loader.build_graph()
        yield executor.loader.project_state(before_the_move()).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves())


def old_case_emails(apps: Any) -> dict[str, Any]:
    """A submitted case awaiting its decision, with one email pending and one sent."""
    user = apps.get_model(settings.AUTH_USER_MODEL).objects.create(
        username="cfo", email="cfo@example.com"
    )
    objective = apps.get_model("objectives", "SecurityObjective").objects.create(
        title="Protect revenue", pillar="technology"
    )
    initiative = apps.get_model("objectives", "Initiative").objects.create(
        objective=objective, title="SSO + MFA", budget=Decimal("25000.00")
    )
    case = apps.get_model("business_cases", "BusinessCase").objects.create(
        initiative=initiative, title="SSO + MFA", status="submitted", revision=1
    )
    email = apps.get_model("business_cases", "CaseEmail")
    common = {"case": case, "kind": "submitted", "revision": 1, "body_html": "<p>Decide</p>"}
    pending = email.objects.create(
        **common,
        recipient_user=user,
        recipient="cfo@example.com",
        subject="Business case to decide: SSO + MFA (revision 1)",
        body_text="Please decide.",
        message_id="<case-1-submitted-1-cfo@example.com>",
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1),
    )
    sent = email.objects.create(
        **common,
        recipient="ceo@example.com",
        subject="Business case to decide: SSO + MFA (revision 1)",
        body_text="Please decide.",
        message_id="<case-1-submitted-1-ceo@example.com>",
        status="sent",
        attempts=1,
        sent_at=timezone.now() - dt.timedelta(hours=1),
    )
    return {"pending": pending, "sent": sent}


def test_case_emails_keep_their_rows_when_they_join_the_outbox(
    migrated_back: Any, mailoutbox: Any
) -> None:
    old = old_case_emails(migrated_back)

    MigrationExecutor(connection).migrate(leaves())

    rows = {row.pk: row for row in CaseEmail.objects.all()}
    assert {pk: (row.status, row.message_id, row.recipient) for pk, row in rows.items()} == {
        old["pending"].pk: (OutboxStatus.PENDING, old["pending"].message_id, "cfo@example.com"),
        old["sent"].pk: (OutboxStatus.SENT, old["sent"].message_id, "ceo@example.com"),
    }
    assert rows[old["pending"].pk].recipient_user.username == "cfo"

    assert notifications.sweep()["case_emails"] == 1
    assert notifications.sweep()["case_emails"] == 0
    assert [(m.to, m.extra_headers["Message-ID"]) for m in mailoutbox] == [
        (["cfo@example.com"], old["pending"].message_id)
    ]
    assert CaseEmail.objects.get(pk=old["pending"].pk).status == OutboxStatus.SENT
