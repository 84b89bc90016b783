"""A case's history in words: every change to the case and its lines, newest first.

Built from simple-history's records in a fixed number of queries (one per kind of row,
one for the business goals), whatever the length of the history: each record is
compared with the previous record of the same row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from django.apps import apps
from django.db import models

from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CostLine,
    RiskScenario,
    UserImpactLine,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping, not content: a change in these alone is not worth a line.
IGNORED = {"id", "version", "created_at", "updated_at", "case", "initiative", "author", "currency"}
LINE_KINDS = (
    (CostLine, "Cost line", "description"),
    (RiskScenario, "Risk scenario", "name"),
    (BenefitLine, "Benefit", "description"),
    (UserImpactLine, "End-user time", "description"),
)


class HistoricalRecord(Protocol):
    """A row of simple-history's table for a model (the library has no types): the row's
    fields as they were then (read with getattr), and who changed them, when and how."""

    id: int
    history_id: int
    history_date: datetime
    history_type: str  # "+", "~" or "-"
    history_user: User | None


@dataclass
class Change:
    when: datetime
    who: User | None
    subject: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    order: int = 0


def _field(model: type[models.Model], name: str) -> models.Field:
    # Only concrete fields are compared (see _changes): never a relation's reverse side.
    return cast(models.Field, model._meta.get_field(name))


def _text(model: type[models.Model], name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    model_field = _field(model, name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _diff(
    model: type[models.Model], names: list[str], old: HistoricalRecord, new: HistoricalRecord
) -> list[tuple[str, str, str]]:
    changed = []
    for name in names:
        before, after = getattr(old, name, None), getattr(new, name, None)
        if before != after:
            label = str(_field(model, name).verbose_name)
            changed.append(
                (
                    label[:1].upper() + label[1:],
                    _text(model, name, before),
                    _text(model, name, after),
                )
            )
    return changed


def _changes(
    model: type[models.Model], records: list[HistoricalRecord], kind: str, title_field: str
) -> list[Change]:
    names = [f.name for f in model._meta.concrete_fields if f.name not in IGNORED and f.editable]
    if model is BusinessCase:
        names += [n for n in ("status", "revision") if n not in names]
    previous: dict[int, HistoricalRecord] = {}
    found = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        old = previous.get(record.id)
        previous[record.id] = record
        name = getattr(record, title_field, "") or ""
        change = Change(
            when=record.history_date,
            who=record.history_user,
            subject=f"{kind} “{name}”" if kind else "The case",
            action=ACTIONS.get(record.history_type, "changed"),
            order=record.history_id,
        )
        if record.history_type == "~" and old is not None:
            change.fields = _diff(model, names, old, record)
        found.append(change)
    return found


def _goal_changes(records: list[HistoricalRecord]) -> list[Change]:
    """Business goals added or removed, from the goals kept with each case record."""
    through = apps.get_model("business_cases", "HistoricalBusinessCase_business_goals")
    rows = through.objects.filter(history__in=[r.history_id for r in records]).select_related(
        "goal"
    )
    goals: dict[int, dict[int, str]] = {}
    for row in rows:
        goals.setdefault(row.history_id, {})[row.goal_id] = row.goal.title if row.goal else "?"
    found, before = [], None
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        now = goals.get(record.history_id, {})
        if before is not None and now.keys() != before.keys():
            added = ", ".join(sorted(now[k] for k in now.keys() - before.keys()))
            removed = ", ".join(sorted(before[k] for k in before.keys() - now.keys()))
            fields = [("Removed", removed, "")] if removed else []
            fields += [("Added", "", added)] if added else []
            found.append(
                Change(
                    when=record.history_date,
                    who=record.history_user,
                    subject="Business goals",
                    action="changed",
                    fields=fields,
                    order=record.history_id,
                )
            )
        before = now
    return found


def case_timeline(case: BusinessCase, limit: int | None = None) -> list[Change]:
    """Every change to the case, its lines and its decisions, newest first (empty ones left out)."""
    records: list[HistoricalRecord] = list(case.history.select_related("history_user"))
    changes = _changes(BusinessCase, records, "", "title")
    changes += _goal_changes(records)
    for model, kind, title_field in LINE_KINDS:
        # A changed reference (a cost line's department) is compared and named from the
        # same query, not read one record at a time.
        related = [
            f.name for f in model._meta.concrete_fields if f.is_relation and f.name not in IGNORED
        ]
        line_records: list[HistoricalRecord] = list(
            model.history.filter(case_id=case.pk).select_related("history_user", *related)
        )
        changes += _changes(model, line_records, kind, title_field)
    for decision in case.decisions.select_related("decided_by"):
        changes.append(
            Change(
                when=decision.decided_at,
                who=decision.decided_by,
                subject=f"Revision {decision.revision}",
                action=decision.outcome_label.lower(),
                fields=[("Comment", "", decision.comment)],
                order=2**62,  # after the status change recorded in the same instant
            )
        )
    changes = [c for c in changes if c.action != "changed" or c.fields]
    changes.sort(key=lambda c: (c.when, c.order), reverse=True)
    return changes[:limit] if limit else changes
