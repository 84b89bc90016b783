"""The programme's version moves with every write, however it is made, and the dashboard
rendered under it is never shown after a change: the version is read from the database,
which triggers keep up to date (alignment/changes.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment import changes
from alignment.meetings.models.profiles import SESSION_TIMEZONE_KEY
from alignment.models import Change
from departments.models import Department, Goal, GoalStatus
from tests import factories


def _triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [changes.TRIGGER],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [changes.TRIGGER + "%"],
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_programme_table_moves_the_version_and_the_history_does_not(db: Any) -> None:
    watched = set(changes.watched_tables())
    assert {
        "departments_goal",
        "alignment_alignmentlink",
        "auth_user",
        "alignment_occurrence",
    } <= watched
    assert not any("historical" in table for table in watched)
    assert "alignment_change" not in watched
    # What workers write every minute and no figure reads: sending mail keeps caches warm.
    assert not {"alignment_reminder", "alignment_caseemail", "alignment_apitoken"} & watched
    assert _triggered_tables() == watched


def test_a_write_of_any_kind_moves_the_version(db: Any, dept_a: Any) -> None:
    goal: Goal = factories.GoalFactory(department=dept_a)  # type: ignore[assignment]
    seen = [changes.version()]

    def moved() -> None:
        seen.append(changes.version())
        assert seen[-1] != seen[-2]

    goal.title = "Renamed"
    goal.save()
    moved()
    Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.AT_RISK)  # no save(), no signal
    moved()
    factories.GoalFactory(department=dept_a)
    moved()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE departments_department SET charter = 'raw' WHERE id = %s", [dept_a.pk]
        )
    moved()
    Goal.objects.filter(pk=goal.pk).delete()
    moved()


def test_a_version_seen_inside_a_rolled_back_transaction_never_comes_again(
    db: Any, dept_a: Any
) -> None:
    with transaction.atomic():
        factories.GoalFactory(department=dept_a)
        inside = changes.version()
        transaction.set_rollback(True)
    assert changes.version() != inside
    factories.GoalFactory(department=dept_a)  # the same id may come again, not the token
    assert changes.version() != inside


def test_pruning_keeps_the_version(db: Any, dept_a: Any) -> None:
    factories.GoalFactory.create_batch(3, department=dept_a)
    before = changes.version()
    assert changes.prune() > 0
    assert Change.objects.count() == 1
    assert changes.version() == before


def _queries(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_dashboard_is_computed_once_and_shows_every_change_at_once(
    client: Any, ciso: Any, dept_a: Any
) -> None:
    goal: Goal = factories.GoalFactory(  # type: ignore[assignment]
        department=dept_a, title="Close the books in three days"
    )
    client.force_login(ciso)
    cold, page = _queries(client, "/")
    assert "Close the books in three days" not in page  # on track: not at risk
    warm, again = _queries(client, "/")
    main = re.compile(r"<main.*</main>", re.DOTALL)  # outside: a nonce and token each
    assert main.search(again).group() == main.search(page).group()  # type: ignore[union-attr]
    # The session, the user and their groups, the version, the navigation's figures.
    assert warm <= cold // 3
    # A change made without save() (a bulk update, as an import or a script makes them)
    # shows on the next request, however warm the cache.
    Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.AT_RISK)
    _, page = _queries(client, "/")
    assert "Close the books in three days" in page
    Department.objects.filter(pk=dept_a.pk).update(name="Infrastructure and Cloud")
    _, page = _queries(client, "/")
    assert "Infrastructure and Cloud" in page


def test_each_reader_gets_the_dashboard_of_their_role_and_time_zone(
    client: Any, ciso: Any, executive: Any, dept_a: Any
) -> None:
    now = timezone.now()
    factories.one_on_one(
        organiser=ciso,
        leader=dept_a.head,
        department=dept_a,
        first=(now + dt.timedelta(days=2)).date(),
        at=dt.time(9, 0),
        tz="UTC",
        now=now,
    )
    client.force_login(ciso)
    page = client.get("/").content.decode()
    assert "09:00" in page
    assert "Leaders to meet soon" in page
    session = client.session
    session[SESSION_TIMEZONE_KEY] = "America/New_York"
    session.save()
    page = client.get("/").content.decode()
    assert "04:00" in page and "09:00" not in page  # same figures, the reader's clock
    client.force_login(executive)
    page = client.get("/").content.decode()
    assert "Leaders to meet soon" not in page  # the security team's flags, not cached for all
