"""No lost updates: optimistic concurrency for objects that carry a `version`.

A form renders the version it was based on in a hidden field. Saving re-reads the row
under a lock (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already
serialise writers), refuses when someone saved in between, and otherwise raises the
version by one. The refusal names who changed it and when, read from the history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models, transaction
from django.utils import timezone


class StaleVersion(Exception):
    """The object changed since the form was rendered."""

    def __init__(self, message: str, stored_version: int) -> None:
        super().__init__(message)
        self.message = message
        self.stored_version = stored_version


def stale_message(instance: models.Model) -> str:
    """'Changed by X at T — review and retry.', X and T from the latest history record."""
    record = instance.history.order_by("-history_date").select_related("history_user").first()  # type: ignore[attr-defined]
    who = "someone else"
    when = getattr(instance, "updated_at", None)
    if record is not None:
        when = record.history_date
        if record.history_user is not None:
            who = record.history_user.get_full_name() or record.history_user.get_username()
    stamp = timezone.localtime(when).strftime("%d %b %Y %H:%M") if when else "just now"
    return f"Changed by {who} at {stamp} — review and retry."


def save_versioned(instance: models.Model, expected_version: int, **save_kwargs: Any) -> None:
    """Save `instance` if the stored row still has `expected_version`; raise StaleVersion if not."""
    model = type(instance)
    with transaction.atomic():
        current = model._default_manager.select_for_update().filter(pk=instance.pk)
        stored = current.values_list("version", flat=True).first()
        if stored is not None and stored != expected_version:
            stored_instance = model._default_manager.get(pk=instance.pk)
            raise StaleVersion(stale_message(stored_instance), stored_version=stored)
        instance.version = (stored or 0) + 1  # type: ignore[attr-defined]
        instance.save(**save_kwargs)


class VersionedModelForm(forms.ModelForm):
    """A ModelForm that refuses to overwrite a newer version of its instance.

    Call `form.save()` as usual; a stale save raises no exception to the view: the form
    gains a non-field error and `save()` returns None, so the view re-renders it. The
    re-rendered form carries the stored version, so that once the user has reviewed the
    other change, saving again goes through.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["version"] = self.instance.version

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=False)
        if instance.pk is None:
            instance.save()
            self.save_m2m()
            return instance
        expected = self.cleaned_data.get("version")
        try:
            save_versioned(instance, expected if expected is not None else instance.version)
        except StaleVersion as stale:
            self.add_error(None, stale.message)
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = str(stale.stored_version)
            return None
        self.save_m2m()
        return instance
