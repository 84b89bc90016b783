"""A row's identity that travels: the UUID a programme export names it by.

Rows that have a natural key (a department's slug, an objective's title, an occurrence's
series and original start…) travel by it; rows that have none (goals, check-ins, cases,
commitments…) carry this field, so that an export imported elsewhere, or again, finds
the same row without relying on database ids.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import migrations, models

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import StateApps


def portable_id() -> models.UUIDField:
    return models.UUIDField(
        "portable id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Names this row in programme exports, the same on every instance.",
    )


def adding_operations(
    app_label: str, models_with_history: list[tuple[str, str | None]]
) -> list[migrations.operations.base.Operation]:
    """The migration that gives existing rows a portable id: add the field empty, give
    every row its own UUID (a history row takes its object's, so the trail stays joined),
    then make it required and unique. (One `AddField` with `default=uuid4` would give
    every existing row the same value and fail the unique index.)"""

    def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for name, history_name in models_with_history:
            model = apps.get_model(app_label, name)
            given = {pk: uuid.uuid4() for pk in model.objects.values_list("pk", flat=True)}
            model.objects.bulk_update(
                [model(pk=pk, uid=uid) for pk, uid in given.items()], ["uid"], batch_size=1000
            )
            if history_name is None:
                continue
            history = apps.get_model(app_label, history_name)
            rows = []
            for history_id, object_id in history.objects.values_list("history_id", "id"):
                uid = given.setdefault(object_id, uuid.uuid4())  # a deleted object's trail
                rows.append(history(history_id=history_id, uid=uid))
            history.objects.bulk_update(rows, ["uid"], batch_size=1000)

    field = portable_id()
    empty: Any = models.UUIDField(null=True, editable=False)
    indexed: Any = models.UUIDField(
        field.verbose_name,
        db_index=True,
        default=uuid.uuid4,
        editable=False,
        help_text=field.help_text,
    )
    operations: list[migrations.operations.base.Operation] = []
    for name, history_name in models_with_history:
        for model_name in filter(None, (name, history_name)):
            operations.append(migrations.AddField(model_name.lower(), "uid", empty.clone()))
    operations.append(migrations.RunPython(fill, migrations.RunPython.noop, elidable=True))
    for name, history_name in models_with_history:
        operations.append(migrations.AlterField(name.lower(), "uid", portable_id()))
        if history_name:
            operations.append(migrations.AlterField(history_name.lower(), "uid", indexed.clone()))
    return operations
