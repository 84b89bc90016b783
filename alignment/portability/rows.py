"""The rows of one kind as the file holds them: `{key: {field: value}}`, with files and
binary columns written as the SHA-256 of their bytes (the bytes travel beside the rows).

The export writes these; the import reads the instance's own rows the same way to tell
what a file would create, update or leave alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.files.storage import default_storage
from django.db import models

from alignment.portability.kinds import FILE_FIELDS, Key, Keys, Kind, digest, through_of

Fields = dict[str, Any]


def read(kind: Kind, keys: Keys, blobs: dict[str, bytes] | None = None) -> dict[Key, Fields]:
    """Every row of `kind`; the bytes of its files go into `blobs` by their digest when
    given (the export), else only their digest is read (the comparison)."""
    model = kind.model
    own = keys.of(model)
    fields = [f for f in kind.fields() if f.name not in kind.key]
    found: dict[Key, Fields] = {}
    for values in model._default_manager.values("pk", *(f.attname for f in fields)):
        row: Fields = {}
        for f in fields:
            value = values[f.attname]
            row[f.name] = (
                _file(f, value, blobs) if isinstance(f, FILE_FIELDS) else keys.write(f, value)
            )
        found[own[values["pk"]]] = row
    for many in kind.many():
        chosen = _many(many, keys, own)
        for key, row in found.items():
            row[many.name] = sorted(chosen.get(key, []), key=repr)
    return found


def _many(
    many: models.ManyToManyField[Any, Any], keys: Keys, own: dict[Any, Key]
) -> dict[Key, list[Key]]:
    """A many-to-many field of every row, in one query of its link table."""
    through = through_of(many)
    source = many.m2m_field_name()
    target = many.m2m_reverse_field_name()
    theirs = keys.of(many.related_model)  # type: ignore[arg-type]
    chosen: dict[Key, list[Key]] = defaultdict(list)
    for source_id, target_id in through._default_manager.values_list(
        f"{source}_id", f"{target}_id"
    ):
        chosen[own[source_id]].append(theirs[target_id])
    return chosen


def _file(f: models.Field[Any, Any], value: Any, blobs: dict[str, bytes] | None) -> str | None:
    """A file's or a binary column's bytes, named by their digest; None when empty."""
    if not value:
        return None
    if isinstance(f, models.FileField):
        if not default_storage.exists(value):
            return None  # the row survives its lost file; the export says which (Summary)
        with default_storage.open(value, "rb") as handle:
            content = handle.read()
    else:
        content = bytes(value)
    name = digest(content)
    if blobs is not None:
        blobs[name] = content
    return name
