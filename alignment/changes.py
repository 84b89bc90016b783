"""Figures cached until the programme changes: the version of the programme and the
triggers that move it.

Every table of the four apps and the accounts gets a trigger that adds a row to
`alignment_change` (alignment/models/changes.py) whenever it is written — on PostgreSQL
once per statement (insert, update, delete, truncate), on SQLite once per row. The
programme's version is its newest row, read in one indexed query; a figure is cached
under the version read *before* it is computed, so whatever it holds is at least as new
as its key, and the first read after a commit that wrote anything finds a new key. The
database, not the code, decides: a bulk update, an import, a worker or a shell move the
version as a page's save does, and every process sharing the database agrees on it
(each may keep its own cache: local memory, or Redis in production).

Figures that depend on the clock as well (what is overdue, the next meetings) carry the
minute in their key, so they are at most a minute behind the clock, never behind a save.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

from django.apps import apps
from django.core.cache import cache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils.functional import SimpleLazyObject

from alignment.models import Change
from alignment.portability.kinds import LEFT_OUT

T = TypeVar("T")

WATCHED_APPS = ("departments", "objectives", "business_cases", "alignment", "auth")
TRIGGER = "programme_changed"
# Cached figures also expire, so a cache never holds versions long past.
SECONDS = 120


def _tables() -> dict[str, bool]:
    """Every table of the watched apps (many-to-many ones too): watched or not."""
    tables = {}
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed:
                table = model._meta.db_table
                left_out = model._meta.label_lower in LEFT_OUT
                tables[table] = not left_out and "historical" not in table
    return tables


def watched_tables() -> list[str]:
    """The tables whose writes change the programme's version: every table of the four
    apps and the accounts but the edit history and what is not the programme (the export
    leaves it out: outboxes, notices, tokens, this log), which workers write every minute
    and no figure reads."""
    return sorted(table for table, watched in _tables().items() if watched)


def _sqlite_names(table: str) -> Iterator[tuple[str, str]]:
    for event in ("INSERT", "UPDATE", "DELETE"):
        yield f"{TRIGGER}_{event.lower()}_{table}", event


def _drop(cursor: CursorWrapper, vendor: str, table: str) -> None:
    quote = cursor.db.ops.quote_name
    if vendor == "postgresql":
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quote(table)}")
    elif vendor == "sqlite":
        for name, _ in _sqlite_names(table):
            cursor.execute(f"DROP TRIGGER IF EXISTS {quote(name)}")


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create the triggers on every watched table, and drop them from the others:
    after every migrate, since a migration may add a table, or rebuild one (SQLite) and
    drop its triggers with it."""
    quote = connection.ops.quote_name
    change = quote(Change._meta.db_table)
    existing = set(connection.introspection.table_names())
    if Change._meta.db_table not in existing:  # migrated back before the log
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$ BEGIN "
                f"INSERT INTO {change} (token) VALUES ((random() * 9e18)::bigint); "
                "RETURN NULL; END $$ LANGUAGE plpgsql"
            )
        for table, watched in sorted(_tables().items()):
            if table not in existing:
                continue
            if not watched or connection.vendor == "postgresql":
                _drop(cursor, connection.vendor, table)
            if not watched:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                )
            elif connection.vendor == "sqlite":
                for name, event in _sqlite_names(table):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {quote(name)} AFTER {event} ON "
                        f"{quote(table)} BEGIN INSERT INTO {change} (token) "
                        "VALUES (random()); END"
                    )


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (before the change log's table goes, migrating backwards)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in _tables():
            if table in existing:
                _drop(cursor, connection.vendor, table)
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


def install_after_migrate(using: str, **kwargs: object) -> None:
    """post_migrate receiver (alignment/apps.py)."""
    install(connections[using])


# The version a reading request has read once (`reading`): its parts ask no more.
_read: ContextVar[str | None] = ContextVar("programme_version", default=None)


def version() -> str:
    """The programme's version: its newest change (one indexed query), or the one read
    for the reading request being answered."""
    read = _read.get()
    if read is not None:
        return read
    newest = Change.objects.order_by("-pk").values_list("pk", "token").first()
    return "0" if newest is None else f"{newest[0]}.{newest[1]}"


@contextmanager
def reading() -> Iterator[str]:
    """Answer a request that only reads (a GET page) under one version, read once."""
    read = version()
    token = _read.set(read)
    try:
        yield read
    finally:
        _read.reset(token)


def key(name: str, *parts: object) -> str:
    """A cache key for figures named `name` as the programme is now, this minute, for
    the given parts (a reader's time zone, role, …)."""
    minute = int(time.time() // 60)
    return ":".join(["figures", name, version(), str(minute), *map(str, parts)])


def remembered(cache_key: str, compute: Callable[[], T]) -> T:
    """What `compute()` gave under `cache_key` (made by `key`), else `compute()`, kept."""
    found: T | None = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, SECONDS)
    return found


def lazily(compute: Callable[[], T]) -> T:
    """`compute()`, on first use: for a template that may find its fragment cached under
    `key` and then never asks."""
    return cast(T, SimpleLazyObject(compute))


def prune() -> int:
    """Forget every change but the newest (the version): the log only needs its top."""
    newest = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
    if newest is None:
        return 0
    deleted, _ = Change.objects.filter(pk__lt=newest).delete()
    return deleted
