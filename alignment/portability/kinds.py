"""What a programme export holds: each kind of row, the key that names it on every
instance, and how its values are written as JSON and read back.

A row is named by its natural key where it has one (a person's username, a department's
slug, an occurrence's series and original start) and by its portable id otherwise
(departments.portable); a reference to another row is that row's key, so nothing in a
file depends on database ids. Kinds are listed so that a row comes after the rows it
refers to; a reference to a row of a later kind, or of the same kind, is *deferred*: set
once every row exists.

Not exported: password hashes, API tokens, calendar-feed tokens and private busy-calendar
addresses (secrets); administrator and staff flags (a file never grants the admin); the
outboxes and in-app notices (deliveries, not the programme); the edit history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

Key = tuple[Any, ...]

FILE_FIELDS = (models.FileField, models.BinaryField)


@dataclass(frozen=True)
class Kind:
    label: str  # "app_label.modelname", as Django names models
    key: tuple[str, ...]
    exclude: frozenset[str] = frozenset()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def fields(self) -> list[models.Field[Any, Any]]:
        """The concrete fields written for each row, keys first, without the database id."""
        meta = self.model._meta
        chosen = [
            f
            for f in meta.concrete_fields
            if not f.primary_key and f.name not in self.exclude and f.name not in self.key
        ]
        return [field_of(self.model, name) for name in self.key] + chosen

    def many(self) -> list[models.ManyToManyField[Any, Any]]:
        return [f for f in self.model._meta.many_to_many if f.name not in self.exclude]


def field_of(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def through_of(many: models.ManyToManyField[Any, Any]) -> type[models.Model]:
    return cast(type[models.Model], many.remote_field.through)


def _kind(label: str, *key: str, exclude: Iterable[str] = ()) -> Kind:
    return Kind(label, key, frozenset(exclude))


UID = "uid"

KINDS: tuple[Kind, ...] = (
    _kind("auth.group", "name", exclude=["permissions"]),
    _kind(
        "auth.user",
        "username",
        exclude=["password", "last_login", "is_superuser", "is_staff", "user_permissions"],
    ),
    _kind("departments.department", "slug"),
    _kind("departments.budgetproposal", UID),
    _kind("departments.goal", UID),
    _kind("departments.checkin", UID),
    _kind("departments.processdocument", UID),
    _kind("objectives.securityobjective", "title"),
    _kind("objectives.initiative", UID),
    _kind("objectives.measure", UID),
    _kind("objectives.sample", UID),
    _kind("business_cases.loadedrate", "department"),
    _kind("business_cases.budgetenvelope", "year"),
    _kind("business_cases.businesscase", UID),
    _kind("business_cases.costline", UID),
    _kind("business_cases.riskscenario", UID),
    _kind("business_cases.benefitline", UID),
    _kind("business_cases.userimpactline", UID),
    _kind("business_cases.casedecision", UID),
    _kind("business_cases.allocation", "case"),
    _kind("business_cases.spend", UID),
    _kind("alignment.userprofile", "user", exclude=["feed_token", "busy_calendar_url"]),
    _kind("alignment.impactassessment", "initiative", "department"),
    _kind("alignment.alignmentlink", "initiative", "goal"),
    _kind("alignment.meetingseries", "uid"),
    _kind("alignment.seriesattendee", "series", "user", "email"),
    _kind("alignment.occurrence", "series", "original_start"),
    _kind("alignment.attendance", "occurrence", "attendee"),
    _kind("alignment.meetinganswer", "attendee", "occurrence"),
    _kind("alignment.jointshare", "series", "item"),
    _kind("alignment.decision", UID),
    _kind("alignment.programmereview", "period"),
    _kind("alignment.reviewitem", "review", "objective", "initiative"),
    _kind("alignment.actionitem", UID),
    _kind("alignment.supportrequest", UID),
    _kind("alignment.commitment", UID),
    _kind("alignment.stakeholderreading", UID),
    _kind("alignment.posturereport", "period"),
    _kind("alignment.boardpack", "number"),
)
BY_LABEL = {kind.label: kind for kind in KINDS}
# The rows of the four apps that are not the programme, and why (a new model must be
# placed in KINDS or here: tests/alignment/test_programme_transfer.py checks).
LEFT_OUT = {
    "alignment.apitoken": "a secret",
    "alignment.change": "this instance's log of its own writes, which its caches read",
    "alignment.busycalendar": "fetched again from the person's own calendar",
    "alignment.notice": "an in-app notice, delivered where it was raised",
    **{
        f"alignment.{outbox}": "an email queued or sent here, not the programme"
        for outbox in (
            "actionreminder",
            "caseemail",
            "digestmessage",
            "invitemessage",
            "minutesmessage",
            "noticeemail",
            "passwordresetemail",
            "programmeemail",
            "reminder",
        )
    },
}
# People and their roles are not "a programme": an instance where only they exist (the
# administrator who will run the import, say) counts as empty.
PEOPLE = frozenset({"auth.group", "auth.user", "alignment.userprofile"})
# Rows every instance has from its migrations (the default loaded rate): not a programme.
MIGRATED = {"business_cases.loadedrate": {"department__isnull": True}}


def order_of(model: type[models.Model]) -> int:
    return next(n for n, kind in enumerate(KINDS) if kind.model is model)


def deferred(kind: Kind) -> list[models.ForeignKey[Any, Any]]:
    """References set once every row exists: to a later kind, or to the same kind."""
    position = KINDS.index(kind)
    return [
        f
        for f in kind.fields()
        if isinstance(f, models.ForeignKey) and order_of(f.related_model) >= position  # type: ignore[arg-type]
    ]


class Refused(ValueError):
    """The file cannot be imported; the message says why, for the person importing."""


@dataclass
class Keys:
    """Every row's key by its database id, and back, kind by kind, read when first asked
    (one query a kind) and read again after an import wrote rows of that kind."""

    by_pk: dict[type[models.Model], dict[Any, Key]] = field(default_factory=dict)
    by_key: dict[type[models.Model], dict[Key, Any]] = field(default_factory=dict)

    def of(self, model: type[models.Model]) -> dict[Any, Key]:
        if model not in self.by_pk:
            self.refresh(model)
        return self.by_pk[model]

    def pk_of(self, model: type[models.Model], key: Key) -> Any:
        if model not in self.by_key:
            self.refresh(model)
        return self.by_key[model].get(key)

    def refresh(self, model: type[models.Model]) -> None:
        kind = BY_LABEL[model._meta.label_lower]
        key_fields = [field_of(model, name) for name in kind.key]
        rows = model._default_manager.values_list(
            "pk",
            *(f.attname for f in key_fields),
        )
        found = {
            row[0]: tuple(self.write(f, v) for f, v in zip(key_fields, row[1:], strict=True))
            for row in rows
        }
        self.by_pk[model] = found
        self.by_key[model] = {key: pk for pk, key in found.items()}

    def write(self, f: models.Field[Any, Any], value: Any) -> Any:
        """A value as the file holds it (a reference as the referred row's key)."""
        if value is None:
            return None
        if isinstance(f, models.ForeignKey):
            return self.of(f.related_model).get(value)  # type: ignore[arg-type]
        return plain(value)


def plain(value: Any) -> Any:
    """JSON for a database value: times in UTC, money as exact decimal text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


JSON_DEPTH = 64
KEY_DEPTH = 8  # a key names a row by keys of other rows: an occurrence's is three deep


def frozen(value: Any, depth: int = 0) -> Any:
    """A key read from JSON (lists) as the tuples `Keys` holds; Refused for what no key
    is made of (an object, or lists nested deeper than any key)."""
    if depth > KEY_DEPTH or isinstance(value, dict):
        raise Refused("The file names a row by something that is not a key: it is not an export.")
    if isinstance(value, list):
        return tuple(frozen(v, depth + 1) for v in value)
    return value


def normal_key(model: type[models.Model], value: Any, where: str) -> Key:
    """A key from a file written the way `Keys` writes this instance's own (a UUID in
    lower case, a time in UTC, a number as a number), so that it finds its row."""
    kind = BY_LABEL[model._meta.label_lower]
    key = frozen(value)
    if not isinstance(key, tuple) or len(key) != len(kind.key):
        raise Refused(f"{where}: a reference is not a key of {kind.name}.")
    parts: list[Any] = []
    for name, part in zip(kind.key, key, strict=True):
        f = field_of(model, name)
        if part is None:
            parts.append(None)
        elif isinstance(f, models.ForeignKey):
            parts.append(normal_key(f.related_model, part, where))  # type: ignore[arg-type]
        else:
            parts.append(plain(checked(f, part, where)))
    return tuple(parts)


def checked(f: models.Field[Any, Any], value: Any, where: str) -> Any:
    """A file's value as the field's Python value, or Refused saying where it is wrong."""
    _storable(value, f, where)
    try:
        python = f.to_python(value)
        if python not in f.empty_values:
            f.run_validators(python)
        if isinstance(python, str) and f.max_length and len(python) > f.max_length:
            # A text field's limit, which Django checks in forms only.
            raise ValidationError(f"at most {f.max_length} characters")
        return python
    except (ValidationError, TypeError, ValueError, ArithmeticError) as error:
        text = "; ".join(getattr(error, "messages", [str(error)]))
        raise Refused(f"{where}: “{f.name}” is not valid ({text}).") from error


def _storable(value: Any, f: models.Field[Any, Any], where: str, depth: int = 0) -> None:
    """Text every database stores: UTF-8 without NUL characters, in JSON values too, and
    JSON no deeper than the app ever writes."""
    if depth > JSON_DEPTH:
        raise Refused(f"{where}: “{f.name}” is nested deeper than anything this app writes.")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key, f, where, depth + 1)
            _storable(item, f, where, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, f, where, depth + 1)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise Refused(f"{where}: “{f.name}” holds text that is not UTF-8.") from error
        if "\x00" in value:
            raise Refused(f"{where}: “{f.name}” holds a NUL character.")


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
