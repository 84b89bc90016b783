"""Reading an export into this instance: first a dry run that says what the file would
create, update and leave alone, then the import itself — both the same run, in one
transaction, kept only when it is the import and every row went in.

Rows are matched by key (alignment/portability/kinds.py), so importing the same file
twice changes nothing, and a row the file does not hold is left as it is: an import adds
and updates, it never deletes. An instance that already holds a programme takes a file
only when the import is asked to merge.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction

from alignment.portability import archive, rows
from alignment.portability.kinds import (
    BY_LABEL,
    FILE_FIELDS,
    KINDS,
    MIGRATED,
    PEOPLE,
    Key,
    Keys,
    Kind,
    Refused,
    checked,
    deferred,
    field_of,
    normal_key,
    plain,
    through_of,
)
from business_cases import portfolio

logger = logging.getLogger(__name__)
BATCH = 500
USERS = "auth.user"
# What an import by the security team leaves alone when it exists (see `restore`).
ACCOUNTS = frozenset({USERS, "alignment.userprofile"})


@dataclass
class Tally:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Plan:
    """What the file does here, kind by kind (the preview shows it, the import did it)."""

    manifest: dict[str, Any]
    accounts: bool  # whether existing accounts and everyone's roles follow the file
    tallies: list[Tally] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(tally.created for tally in self.tallies)

    @property
    def updated(self) -> int:
        return sum(tally.updated for tally in self.tallies)

    @property
    def unchanged(self) -> int:
        return sum(tally.unchanged for tally in self.tallies)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated)


def holds_a_programme() -> bool:
    """Whether anything but people is here already (then importing means merging)."""
    return any(
        kind.model._default_manager.exclude(**MIGRATED.get(kind.label, {})).exists()
        for kind in KINDS
        if kind.label not in PEOPLE
    )


def restore(
    content: bytes,
    *,
    merge: bool,
    dry_run: bool,
    accounts: bool = True,
    max_bytes: int | None = None,
) -> Plan:
    """Preview (`dry_run`) or import an export; Refused, with nothing changed, when the
    file is not a whole, unchanged export, or a row of it cannot go in.

    Without `accounts` (an import by the security team rather than an administrator),
    the instance must hold no programme yet, people in the file are added but existing
    accounts are left as they are, and nobody's roles change: a file must not move an
    account's email (its password reset), make someone an executive, or rewrite the
    decisions and approvals of a programme already here."""
    contents = archive.read(content, max_bytes=max_bytes)
    incoming = _parse(contents.data)
    run = _Run(contents.blobs, dry_run=dry_run, accounts=accounts)
    try:
        with transaction.atomic():
            here = holds_a_programme()
            if here and not accounts:
                raise Refused(
                    "This instance already holds a programme: only an administrator may merge "
                    "a file into it (a file can carry decisions and approvals in anyone's "
                    "name). Nothing was imported."
                )
            if here and not merge:
                raise Refused(
                    "This instance already holds a programme. Importing would merge the file "
                    "into it (rows with the same key updated, the others added, nothing "
                    "deleted): confirm that you want to merge."
                )
            try:
                plan = run.all(contents.manifest, incoming)
            except (Refused, DatabaseError):
                raise
            except Exception as error:
                # The file is input from outside: what it makes go wrong refuses it.
                logger.exception("Programme import failed")
                raise Refused(
                    "The file could not be imported (the error is in the server's log). "
                    "Nothing was imported."
                ) from error
            if dry_run:
                transaction.set_rollback(True)
            else:
                transaction.on_commit(run.after_commit)
    except BaseException:
        run.discard_written()
        raise
    return plan


def _parse(data: dict[str, Any]) -> dict[str, dict[Key, dict[str, Any]]]:
    """The file's rows by kind and key; Refused for a kind or a row this version lacks."""
    found: dict[str, dict[Key, dict[str, Any]]] = {}
    listed = data.get("kinds")
    if not isinstance(listed, list):
        raise Refused("The export's data lists no kinds of rows.")
    for entry in listed:
        label = entry.get("kind") if isinstance(entry, dict) else None
        kind = BY_LABEL.get(label) if isinstance(label, str) else None
        if kind is None or label in found or not isinstance(entry.get("rows"), list):
            raise Refused(
                f"The export holds rows of a kind this instance does not know: {label!r}."
            )
        allowed = {f.name for f in kind.fields()} | {f.name for f in kind.many()}
        rows_of: dict[Key, dict[str, Any]] = {}
        for number, row in enumerate(entry["rows"], start=1):
            if not (isinstance(row, list) and len(row) == 2 and isinstance(row[1], dict)):
                raise Refused(f"{kind.name}, row {number}: not a row as an export writes it.")
            key = normal_key(kind.model, row[0], f"{kind.name}, row {number}")
            if key in rows_of:
                raise Refused(f"{kind.name}, row {number}: its key is repeated.")
            unknown = set(row[1]) - allowed
            if unknown:
                raise Refused(f"{kind.name}, row {number}: unknown field {sorted(unknown)[0]!r}.")
            rows_of[key] = row[1]
        found[kind.label] = rows_of
    return found


class _Run:
    def __init__(self, blobs: dict[str, bytes], *, dry_run: bool, accounts: bool) -> None:
        self.blobs = blobs
        self.dry_run = dry_run
        self.accounts = accounts
        self.keys = Keys()
        self.written: list[str] = []  # files stored by this import
        self.replaced: list[str] = []  # files an update replaced
        self.created: dict[str, set[Key]] = {}
        self.updated: dict[str, set[Key]] = {}
        # Created people get a password nobody knows (see departments.onboarding.accounts);
        # one hash for all of them: hashing one per person would take seconds each.
        self.password = make_password(secrets.token_urlsafe(32))

    def all(self, manifest: dict[str, Any], incoming: dict[str, dict[Key, dict[str, Any]]]) -> Plan:
        present = [kind for kind in KINDS if kind.label in incoming]
        for kind in present:
            self._guarded(kind, self._rows, incoming[kind.label])
        for kind in present:
            self._guarded(kind, self._references, incoming[kind.label])
            self._guarded(kind, self._many, incoming[kind.label])
        plan = Plan(manifest=manifest, accounts=self.accounts)
        for kind in present:
            created = self.created.get(kind.label, set())
            updated = self.updated.get(kind.label, set()) - created
            total = len(incoming[kind.label])
            plan.tallies.append(
                Tally(kind.name, len(created), len(updated), total - len(created) - len(updated))
            )
        return plan

    def _guarded(self, kind: Kind, step: Any, rows_of: dict[Key, dict[str, Any]]) -> None:
        """A database rule a row breaks (a name already taken, say) refuses the file."""
        try:
            with transaction.atomic():
                step(kind, rows_of)
        except DatabaseError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "a rule"
            raise Refused(
                f"{kind.name}: a row of the file breaks a rule of this instance ({reason}). "
                "Nothing was imported."
            ) from error

    # --- rows and their values ---

    def _rows(self, kind: Kind, rows_of: dict[Key, dict[str, Any]]) -> None:
        model = kind.model
        later = {f.name for f in deferred(kind)}
        plain_fields = [f for f in kind.fields() if f.name not in kind.key and f.name not in later]
        here = rows.read(kind, self.keys)
        creating: list[tuple[models.Model, dict[str, Any]]] = []
        for key, row in rows_of.items():
            where = f"{kind.name} {_shown(key)}"
            values = {
                f.name: self._value(f, row[f.name], where) for f in plain_fields if f.name in row
            }
            pk = self.keys.pk_of(model, key)
            if pk is None:
                instance = model(**self._identity(kind, key, where))
                for name, value in values.items():
                    self._assign(instance, field_of(model, name), value)
                if kind.label == USERS:
                    instance.password = self.password  # type: ignore[attr-defined]
                creating.append((instance, _stamps(instance)))
                self.created.setdefault(kind.label, set()).add(key)
                continue
            changed = {n: v for n, v in values.items() if here[key].get(n) != v}
            if changed and (self.accounts or kind.label not in ACCOUNTS):
                update = model._default_manager.get(pk=pk)  # what names its files
                for name, value in changed.items():
                    self._assign(update, field_of(model, name), value, replacing=True)
                names = [field_of(model, n).attname for n in changed]
                model._default_manager.filter(pk=pk).update(
                    **{n: getattr(update, n) for n in names}
                )
                self.updated.setdefault(kind.label, set()).add(key)
        for start in range(0, len(creating), BATCH):
            batch = creating[start : start + BATCH]
            made = model._default_manager.bulk_create([instance for instance, _ in batch])
            _restore_stamps(model, made, [stamps for _, stamps in batch])
        self.keys.refresh(model)

    def _value(self, f: models.Field[Any, Any], value: Any, where: str) -> Any:
        """A file's value in the form `rows.read` gives the instance's own (to compare)."""
        if value is None:
            if f.null or isinstance(f, FILE_FIELDS):  # a file field's None: no file
                return None
            raise Refused(f"{where}: “{f.name}” cannot be empty.")
        if isinstance(f, models.ForeignKey):
            return self._target(f, value, where)
        if isinstance(f, FILE_FIELDS):
            if not isinstance(value, str) or value not in self.blobs:
                raise Refused(f"{where}: names a file the archive does not hold.")
            return value
        python = checked(f, value, where)
        if isinstance(f, models.DecimalField) and isinstance(python, Decimal):
            python = python.quantize(Decimal(1).scaleb(-f.decimal_places))
        if f.choices and python not in {choice for choice, _ in f.flatchoices} and python:
            raise Refused(f"{where}: “{f.name}” has no choice {value!r}.")
        return plain(python)

    def _target(self, f: models.ForeignKey[Any, Any], value: Any, where: str) -> Key:
        key = normal_key(f.related_model, value, where)  # type: ignore[arg-type]
        if self.keys.pk_of(f.related_model, key) is None:  # type: ignore[arg-type]
            raise Refused(f"{where}: “{f.name}” names a row that is neither in the file nor here.")
        return key

    def _identity(self, kind: Kind, key: Key, where: str) -> dict[str, Any]:
        values = {}
        for name, part in zip(kind.key, key, strict=True):
            f = field_of(kind.model, name)
            if isinstance(f, models.ForeignKey):
                target = None if part is None else self._target(f, part, where)
                values[f.attname] = None if target is None else self._pk(f, target)
            else:
                values[name] = checked(f, part, where)
        return values

    def _own(self, model: type[models.Model], key: Key) -> Any:
        """The row of the file's own key, written by the first pass."""
        pk = self.keys.pk_of(model, key)
        if pk is None:
            raise Refused(f"{model._meta.verbose_name} {_shown(key)} could not be written.")
        return pk

    def _pk(self, f: models.ForeignKey[Any, Any], key: Key) -> Any:
        return self.keys.pk_of(f.related_model, key)  # type: ignore[arg-type]

    def _assign(
        self,
        instance: models.Model,
        f: models.Field[Any, Any],
        value: Any,
        *,
        replacing: bool = False,
    ) -> None:
        if isinstance(f, models.ForeignKey):
            setattr(instance, f.attname, None if value is None else self._pk(f, value))
        elif isinstance(f, models.FileField):
            setattr(instance, f.attname, self._store(instance, f, value, replacing=replacing))
        elif isinstance(f, models.BinaryField):
            setattr(instance, f.attname, None if value is None else self.blobs[value])
        else:
            setattr(instance, f.attname, f.to_python(value))

    def _store(
        self, instance: models.Model, f: models.FileField, value: str | None, *, replacing: bool
    ) -> str:
        """A file's bytes in storage, under a name made the way an upload's is."""
        if replacing:
            old = type(instance)._default_manager.filter(pk=instance.pk).values_list(f.attname)
            self.replaced += [name for (name,) in old if name]
        if value is None or self.dry_run:
            return ""
        original = getattr(instance, "original_name", "") or value
        name = default_storage.save(
            f.generate_filename(instance, original), ContentFile(self.blobs[value])
        )
        self.written.append(name)
        return name

    # --- references set once every row exists ---

    def _references(self, kind: Kind, rows_of: dict[Key, dict[str, Any]]) -> None:
        later = deferred(kind)
        if not later:
            return
        model = kind.model
        here = rows.read(kind, self.keys)
        for key, row in rows_of.items():
            where = f"{kind.name} {_shown(key)}"
            wanted = {f: self._value(f, row[f.name], where) for f in later if f.name in row}
            changed = {f: v for f, v in wanted.items() if here.get(key, {}).get(f.name) != v}
            if changed:
                model._default_manager.filter(pk=self._own(model, key)).update(
                    **{f.attname: None if v is None else self._pk(f, v) for f, v in changed.items()}
                )
                self.updated.setdefault(kind.label, set()).add(key)

    def _many(self, kind: Kind, rows_of: dict[Key, dict[str, Any]]) -> None:
        if kind.label in ACCOUNTS and not self.accounts:
            return  # roles: see `restore`
        model = kind.model
        for many in kind.many():
            through = through_of(many)
            source, target = f"{many.m2m_field_name()}_id", f"{many.m2m_reverse_field_name()}_id"
            current: dict[Any, set[Any]] = {}
            for source_id, target_id in through._default_manager.values_list(source, target):
                current.setdefault(source_id, set()).add(target_id)
            for key, row in rows_of.items():
                if many.name not in row:
                    continue
                where = f"{kind.name} {_shown(key)}"
                if not isinstance(row[many.name], list):
                    raise Refused(f"{where}: “{many.name}” is not a list.")
                wanted = set()
                for part in row[many.name]:
                    theirs = normal_key(many.related_model, part, where)  # type: ignore[arg-type]
                    found = self.keys.pk_of(many.related_model, theirs)  # type: ignore[arg-type]
                    if found is None:
                        raise Refused(
                            f"{where}: “{many.name}” names a row not in the file nor here."
                        )
                    wanted.add(found)
                pk = self._own(model, key)
                if wanted != current.get(pk, set()):
                    through._default_manager.filter(**{source: pk}).delete()
                    through._default_manager.bulk_create(
                        [through(**{source: pk, target: t}) for t in sorted(wanted)]
                    )
                    self.updated.setdefault(kind.label, set()).add(key)

    # --- files outside the transaction ---

    def discard_written(self) -> None:
        for name in self.written:
            default_storage.delete(name)

    def after_commit(self) -> None:
        for name in self.replaced:
            default_storage.delete(name)
        portfolio.forget_all()


def _shown(key: Key) -> str:
    return "“" + " / ".join(str(part) for part in key) + "”"


def _stamps(instance: models.Model) -> dict[str, Any]:
    """The times a bulk insert would overwrite with now (auto_now, auto_now_add)."""
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }


def _restore_stamps(
    model: type[models.Model], made: list[models.Model], stamps: list[dict[str, Any]]
) -> None:
    names = sorted({name for given in stamps for name, value in given.items() if value})
    if not names:
        return
    for instance, given in zip(made, stamps, strict=True):
        for name, value in given.items():
            if value is not None:
                setattr(instance, name, value)
    model._default_manager.bulk_update(made, names, batch_size=BATCH)
