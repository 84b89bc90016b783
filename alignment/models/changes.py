"""The programme's change log: the database writes a row whenever a programme table
changes, so that figures computed from those tables can be cached under the newest row
and are never read from the cache after a change (alignment/changes.py).

No code writes this table: triggers do (installed after every migrate), on every
statement (PostgreSQL) or row (SQLite) that inserts, updates or deletes — from a view, a
worker, a bulk update, an import or a shell alike.
"""

from __future__ import annotations

from django.db import models


class Change(models.Model):
    id = models.BigAutoField(primary_key=True)
    # Random: after a rollback or a flush an id can come again, the token does not, so a
    # figure cached under a (id, token) that was rolled back is never found again.
    token = models.BigIntegerField()

    class Meta:
        verbose_name = "programme change"

    def __str__(self) -> str:
        return f"change {self.pk}"
