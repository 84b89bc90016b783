"""Writing the whole programme into one file (alignment/portability/archive.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from alignment.portability import archive, rows
from alignment.portability.kinds import KINDS, Keys


@dataclass(frozen=True)
class Exported:
    content: bytes
    rows: dict[str, int]  # rows of each kind, by its plural name
    files: int


def export_programme() -> Exported:
    """Every row of every kind, ordered by key, with the files they name."""
    keys = Keys()
    blobs: dict[str, bytes] = {}
    written = []
    counts: dict[str, int] = {}
    with _snapshot():
        for kind in KINDS:
            found = rows.read(kind, keys, blobs)
            ordered = sorted(found.items(), key=lambda item: archive.canonical(item[0]))
            written.append({"kind": kind.label, "rows": [[key, row] for key, row in ordered]})
            counts[kind.label] = len(ordered)
    data = {"format": archive.FORMAT, "version": archive.VERSION, "kinds": written}
    content = archive.write(data, blobs, counts)
    named = {kind.name: counts[kind.label] for kind in KINDS}
    return Exported(content=content, rows=named, files=len(blobs))


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for the whole export: on PostgreSQL, a
    read-only repeatable-read transaction (writes made meanwhile are not half in it)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
