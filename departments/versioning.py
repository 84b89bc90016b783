"""No lost updates: the one versioning path for every object that carries a `version`.

Goals, departments' friction budgets, links, impact assessments, meeting series and
minutes, and business cases all go through here:

1. `lock_version` reads the stored version under a row lock (SELECT … FOR UPDATE on
   PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers) and, given the
   version the user's form was based on, refuses a save made on an older one with
   `StaleVersion`, whose message names who changed it and when (from the history);
2. `save_versioned` does 1, raises the version with an `F()` update and saves.

Forms render the version they were based on in a hidden field; `refuse` puts a refusal
on a form, with the stored version, so that once the user has reviewed the other change,
saving again goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django import forms
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from departments import people

_M = TypeVar("_M", bound=models.Model)


class StaleVersion(Exception):
    """The object changed since the form was rendered."""

    def __init__(self, message: str, stored_version: int) -> None:
        super().__init__(message)
        self.message = message
        self.stored_version = stored_version


def stale_message(instance: models.Model) -> str:
    """'Changed by X at T — review and retry.', X and T from the latest history record."""
    history = getattr(instance, "history", None)
    record = (
        history.order_by("-history_date").select_related("history_user").first()
        if history is not None
        else None
    )
    who = "someone else"
    when = getattr(instance, "updated_at", None)
    if record is not None:
        when = record.history_date
        if record.history_user is not None:
            who = people.full_name(record.history_user)
    stamp = timezone.localtime(when).strftime("%d %b %Y %H:%M") if when else "just now"
    return f"Changed by {who} at {stamp} — review and retry."


def lock_version(instance: models.Model, expected: int | None = None) -> int | None:
    """Lock the stored row and return its version (None when it is gone).

    With `expected`, a stored version that differs raises StaleVersion. Call inside a
    transaction: the lock lasts until it ends.
    """
    manager = type(instance)._default_manager
    locked = manager.select_for_update().filter(pk=instance.pk).order_by()
    stored = locked.values_list("version", flat=True)
    version: int | None = stored.first()
    if expected is not None and version is not None and version != expected:
        raise StaleVersion(stale_message(manager.get(pk=instance.pk)), stored_version=version)
    return version


def save_versioned(
    instance: models.Model,
    expected: int | None = None,
    *,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Save `instance` as the next version; refuse with StaleVersion when the stored row
    is not at `expected` (when given). A new instance is simply saved, at version 1."""
    if instance.pk is None:
        instance.save()
        return
    if connection.in_atomic_block:
        # The caller's transaction holds the lock to its end. Refusing here, outside any
        # block of ours, leaves that transaction usable for re-rendering the form.
        _save_next_version(instance, lock_version(instance, expected), update_fields)
        return
    with transaction.atomic():
        _save_next_version(instance, lock_version(instance, expected), update_fields)


def _save_next_version(
    instance: models.Model, stored: int | None, update_fields: Iterable[str] | None
) -> None:
    type(instance)._default_manager.filter(pk=instance.pk).update(version=F("version") + 1)
    # The saved row and its history record carry the new version too.
    instance.version = (stored or 0) + 1  # type: ignore[attr-defined]  # every caller's model has it
    instance.save(update_fields=None if update_fields is None else {*update_fields, "version"})


def carry_version(form: forms.BaseForm, version: int) -> None:
    """Re-render a bound form with the stored `version`, so a reviewed retry can save.

    Its errors, already computed, stay as they are.
    """
    # A request's QueryDict copies as a mutable QueryDict, every value of a multi-valued
    # field kept (a dict of it would keep only the last); a plain mapping as a dict.
    data = form.data.copy() if isinstance(form.data, MultiValueDict) else dict(form.data)
    data[form.add_prefix("version")] = str(version)
    form.data = data


def refuse(form: forms.BaseForm, stale: StaleVersion) -> None:
    """Show a stale save's refusal on `form`, re-rendered with the stored version."""
    form.add_error(None, stale.message)
    carry_version(form, stale.stored_version)


def save_refusing_duplicates(
    form: VersionedModelForm[Any], *, field: str, duplicate: Callable[[], str]
) -> bool:
    """Save `form` in one transaction; False, with the reason on the form, when it is stale
    or when the database refuses a duplicate that a race let past the form's own check
    (`duplicate()` words it, on `field`)."""
    try:
        with transaction.atomic():
            return form.save() is not None
    except IntegrityError:
        form.add_error(field, duplicate())
        return False


MISSING_VERSION = (
    "This form was sent without the version it was based on: reload the page and make "
    "your change again."
)


class VersionedModelForm(forms.ModelForm, Generic[_M]):
    """A ModelForm that refuses to overwrite a newer version of its instance.

    Call `form.save()` as usual; a stale save raises no exception to the view: the form
    gains a non-field error (`refuse`) and `save()` returns None, so the view re-renders it.
    Subclasses name their model for the type checker: `GoalForm(VersionedModelForm[Goal])`.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean(self) -> dict[str, Any]:
        super().clean()
        # Editing: the version the page showed is required, or a post without it would
        # skip the stale-save check. A non-field error: the field itself is hidden.
        if self.instance.pk is not None and self.cleaned_data.get("version") is None:
            raise forms.ValidationError(MISSING_VERSION, code="missing_version")
        return self.cleaned_data

    def save(self, commit: bool = True) -> _M | None:
        if not commit:
            # Comparing and raising the version is one step with the write; an unsaved
            # instance would lose the comparison.
            raise ValueError("A versioned form saves in one step: call save() without commit.")
        instance = super().save(commit=False)
        if instance.pk is None:
            instance.save()
            self.save_m2m()
            return instance
        expected = self.cleaned_data.get("version")
        try:
            save_versioned(instance, expected if expected is not None else instance.version)
        except StaleVersion as stale:
            refuse(self, stale)
            return None
        self.save_m2m()
        return instance
