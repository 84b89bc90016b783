"""Which agenda a viewer sees, and when it stops changing.

Live until the start: before a meeting starts, its agenda is built from today's data
each time it is shown (the page, its fragment, a reminder email), so it can never be
stale. Frozen at the start: the first time it is read at or after the start (or by the
daily job, alignment/meetings/materialise.py) it is stored on the occurrence with
`agenda_built_at` ≥ `start`, and from then on that snapshot is what the meeting had on
the table; it is never rebuilt.

Each viewer sees what their role lets them see anywhere else, whether the agenda is
live or frozen (filtering happens at read time, from the `audience` of each item):

- the security team, executives and administrators see the whole agenda;
- anyone sees the items of the departments they read, the action items of this
  meeting's own series, and what the whole programme may see (measures, objectives and
  initiatives due for review); of every other department an agenda looks at, only its
  figures (goals at risk, unmitigated conflicts, hours against the friction budget):
  counts, without contents or links;
- on a joint meeting, an item the security team shared with all heads (`shared`, from a
  JointShare of the series) is shown in full to everyone with a login, but without its
  link to anyone who does not read its department;
- a guest without a login (a reminder email) reads no department: figures only.

So every link a viewer is shown opens for them. Only the security team shares an item,
and only while the agenda is live (`can_share`): a frozen agenda keeps the shares it had.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import F, Q
from django.utils import timezone

from alignment.meetings.agenda import (
    DEPARTMENT,
    EVERYONE,
    ITEMS_PER_SECTION,
    SERIES,
    Agenda,
    AgendaItem,
    AgendaSection,
    DepartmentFigures,
    build_agenda,
)
from alignment.meetings.models import MeetingKind, Occurrence
from departments import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The daily job freezes the meetings that started since its last run (and a day more).
FREEZE_WITHIN = dt.timedelta(days=2)

# Not frozen yet: never stored, or stored before the start (by the old "Rebuild").
UNFROZEN = Q(agenda_built_at__isnull=True) | Q(agenda_built_at__lt=F("start"))


class ShownAgenda(Agenda):
    """An agenda as one viewer sees it; `frozen_at` is None while it is live."""

    frozen_at: dt.datetime | None
    can_share: bool  # the viewer may share its department items (`may_share`)


def agenda_for(
    occurrence: Occurrence,
    viewer: User | None,
    *,
    now: dt.datetime | None = None,
    table: Agenda | None = None,
) -> ShownAgenda:
    """The agenda of `occurrence` as `viewer` may see it (None: a guest without a login).

    `table` is its `current_agenda` when the caller has it already (the outbox builds
    it once per meeting for a batch of reminders)."""
    now = now or timezone.now()
    table = current_agenda(occurrence, now=now) if table is None else table
    frozen_at = occurrence.agenda_built_at if occurrence.has_started(now) else None
    everything = viewer is not None and roles.reads_everything(viewer)
    readable = frozenset() if viewer is None else roles.member_department_ids(viewer)

    def seen(item: AgendaItem) -> AgendaItem | None:
        """The item as the viewer sees it, or None."""
        if everything:
            return item
        audience, ref = item.get("audience"), item.get("ref")
        if audience == DEPARTMENT:
            if ref in readable:
                return item
            if viewer is not None and item.get("shared"):
                # Its text in full, but no link: the department's pages stay closed.
                return {**item, "url": ""}
            return None
        if audience == SERIES:
            return item if viewer is not None and ref == occurrence.series_id else None
        return item if audience == EVERYONE and viewer is not None else None

    sections = [
        _capped(section, [s for s in map(seen, section["items"]) if s is not None])
        for section in table.get("sections", [])
    ]
    if not everything:
        others = [f for f in table.get("departments", []) if f["department_id"] not in readable]
        if others:
            sections.append(_figures_section(others))
    return {
        "scope": table.get("scope", ""),
        "sections": sections,
        "frozen_at": frozen_at,
        "can_share": viewer is not None and may_share(viewer, occurrence, now=now),
    }


def audience_of(viewer: User | None) -> tuple[bool, bool, frozenset[int]]:
    """What decides which items of an agenda `viewer` sees (`agenda_for`, sharing aside):
    two viewers with the same audience see the same agenda of a meeting, so a batch of
    reminders builds it once per audience (alignment/meetings/reminders.py)."""
    if viewer is None:
        return (False, False, frozenset())
    if roles.reads_everything(viewer):
        return (True, True, frozenset())
    return (True, False, roles.member_department_ids(viewer))


def may_share(user: User, occurrence: Occurrence, *, now: dt.datetime | None = None) -> bool:
    """Whether `user` may share the department items of `occurrence`'s agenda with all
    heads: the security team, on a joint meeting, while its agenda is live."""
    return (
        roles.is_ciso(user)
        and occurrence.series.kind == MeetingKind.JOINT
        and not occurrence.has_started(now)
    )


def current_agenda(occurrence: Occurrence, *, now: dt.datetime | None = None) -> Agenda:
    """The whole agenda: built now before the start, the snapshot from the start on."""
    now = now or timezone.now()
    if not occurrence.has_started(now):
        return build_agenda(occurrence)
    if is_frozen(occurrence):
        return occurrence.agenda
    if occurrence.agenda and occurrence.end + FREEZE_WITHIN <= now:
        # Stored before the start by the old "Rebuild" and over for longer than the job
        # takes to freeze a meeting: what was on the table then beats today's data.
        return occurrence.agenda
    return freeze(occurrence, now=now)


def is_frozen(occurrence: Occurrence) -> bool:
    built = occurrence.agenda_built_at
    return built is not None and built >= occurrence.start


def freeze(occurrence: Occurrence, *, now: dt.datetime | None = None) -> Agenda:
    """Store the agenda of a meeting that has started, once: a conditional UPDATE, so that
    of two requests (or a request and the job) freezing at once, the first one wins and
    the other reads its snapshot."""
    now = now or timezone.now()
    table = build_agenda(occurrence)
    claimed = Occurrence.objects.filter(UNFROZEN, pk=occurrence.pk, start__lte=now).update(
        agenda=table, agenda_built_at=now
    )
    if claimed:
        occurrence.agenda, occurrence.agenda_built_at = table, now
    else:
        occurrence.refresh_from_db(fields=["agenda", "agenda_built_at"])
    return occurrence.agenda


def _capped(section: AgendaSection, items: list[AgendaItem]) -> AgendaSection:
    more = len(items) > ITEMS_PER_SECTION or section.get("more", False)
    return {
        "key": section["key"],
        "title": section["title"],
        "items": items[:ITEMS_PER_SECTION],
        "more": more,
    }


def _figures_section(figures: list[DepartmentFigures]) -> AgendaSection:
    items: list[AgendaItem] = [
        {
            "text": f"{f['name']}: {_count(f['goals_at_risk'], 'goal')} at risk or off track, "
            f"{_count(f['conflicts'], 'unmitigated conflict')}, "
            f"{f['hours']} of {f['budget']} h/week friction budget",
            "detail": "",
            "url": "",
            "audience": EVERYONE,
            "ref": None,
        }
        for f in figures
    ]
    return {
        "key": "departments",
        "title": "Other departments, in figures",
        "items": items,
        "more": False,
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def agenda_lines(agenda: Agenda) -> list[str]:
    """The agenda as plain-text lines, for the text part of emails."""
    lines: list[str] = []
    for section in agenda.get("sections", []):
        if not section["items"]:
            continue
        lines.append(f"{section['title']}:")
        lines += [f"  - {item['text']}" for item in section["items"]]
        if section.get("more"):
            lines.append("  - … and more on the meeting page")
    return lines or ["Nothing open: a good time to look ahead."]
