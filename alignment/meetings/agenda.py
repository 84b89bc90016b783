"""A meeting's agenda, built from live data.

A one-on-one looks at its department: unmitigated conflicts with that department's
goals, its goals at risk or off track, impact assessments awaiting its head, and the
security team's open commitments to it. A joint meeting looks at the same across
every department, commitments aside.

A senior-leadership meeting shows what leadership must see or decide
(alignment/meetings/agenda_senior.py); what every agenda is made of, and the rows all
of them read, are in alignment/meetings/agenda_items.py.

Every agenda ends with the action items still open from earlier meetings of its own
series, and of no other: what a one-on-one agreed stays in that one-on-one, even on the
agenda of a joint or senior meeting the security team reads in full.

Every item says who may see it (`audience`, `ref`), and the agendas that look at
departments carry each department's figures, so that one agenda can be shown to each
viewer as their role allows (alignment/meetings/agenda_view.py, which also decides when
the agenda is built: live until the meeting starts, frozen from then on). On a joint
meeting's agenda each department item also has a stable `key` ("conflict:<link pk>",
"goal:<goal pk>", "assessment:<assessment pk>") and says whether the security team
`shared` it with all the heads of the series (a JointShare row): a frozen agenda keeps
the flags it had at the start, as it keeps everything else.

A section keeps up to ITEMS_PER_SECTION + 1 rows per department or series it covers, so
that a viewer who sees only some of them still sees theirs in full; the viewer's agenda
is capped at ITEMS_PER_SECTION. Every section is read in a fixed number of queries,
however many rows there are (the shares of a joint meeting in one more). What an agenda
shows of the departments is the same for every meeting that looks at them (all of them
for a joint meeting, with its shares; one for a one-on-one): it is kept under the
programme's version (alignment/changes.py), so that the reminders of many meetings due at
once read it once, and the first build after any save reads it afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast

from django.db import IntegrityError
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from alignment import changes
from alignment.meetings.agenda_items import (
    DEPARTMENT,
    EVERYONE,
    ITEMS_PER_SECTION,
    LEADERSHIP,
    SERIES,
    Agenda,
    AgendaItem,
    AgendaSection,
    DepartmentFigures,
    M,
    actions,
    counted_hours,
    limited,
    make_item,
    make_section,
    per,
)
from alignment.meetings.agenda_senior import senior_agenda
from alignment.meetings.models import JointShare, MeetingKind, MeetingSeries, Occurrence
from alignment.models import AlignmentLink, Commitment, ImpactAssessment
from departments.models import Department, Goal

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations

# What other modules read from here (the agenda's shape and audiences).
__all__ = [
    "DEPARTMENT",
    "EVERYONE",
    "ITEMS_PER_SECTION",
    "LEADERSHIP",
    "SERIES",
    "SHARE_KEY",
    "Agenda",
    "AgendaItem",
    "AgendaSection",
    "DepartmentFigures",
    "build_agenda",
    "item_keys",
    "set_shared",
    "shared_keys",
]

# The key of a joint agenda's department item, as JointShare.item stores it (and its
# database constraint `share_item_form` checks); matched whole (`fullmatch`: no "\n").
SHARE_KEY = re.compile(r"(conflict|goal|assessment):[0-9]+")

Shares: TypeAlias = frozenset[str]  # the keys a joint series shares with all its heads


class _Counts(TypedDict):
    goals_at_risk: int
    conflicts: int
    hours: Decimal


def build_agenda(occurrence: Occurrence) -> Agenda:
    """The agenda for `occurrence`, each section capped at ITEMS_PER_SECTION.

    A one-on-one looks at its department (None for the meetings that look across all);
    a joint meeting's department items carry their key and whether they are shared; a
    senior-leadership meeting has its own sections (`_senior_agenda`).
    """
    series = occurrence.series
    if series.kind == MeetingKind.SENIOR:
        return senior_agenda(occurrence)
    if series.kind == MeetingKind.ONE_ON_ONE:
        department: Department | None = series.department
        shares: Shares | None = None
    else:
        department, shares = None, shared_keys(series)
    scope = department.name if department is not None else "All departments"
    looked_at = changes.remembered(
        changes.key("agenda", department.pk if department else "all", _digest(shares)),
        lambda: _looking_at(department, shares),
    )
    kept = looked_at["sections"]  # not changed in place: it may be the cache's own object
    sections = [*kept[:ACTIONS_AT], actions(occurrence), *kept[ACTIONS_AT:]]
    return {"scope": scope, "sections": sections, "departments": looked_at["departments"]}


class _LookedAt(TypedDict):
    sections: list[AgendaSection]
    departments: list[DepartmentFigures]


# Where the series' own open action items go among the sections (after the assessments).
ACTIONS_AT = 3


def _looking_at(department: Department | None, shares: Shares | None) -> _LookedAt:
    """What an agenda shows of `department` (of every department: None), whatever the
    meeting: the same for every meeting that looks at it, so kept (`build_agenda`)."""
    sections = [
        _conflicts(department, shares),
        _goals(department, shares),
        _assessments(department, shares),
    ]
    if department is not None:
        sections.append(_commitments(department))
    return {"sections": sections, "departments": _figures(department)}


def _digest(shares: Shares | None) -> str:
    if shares is None:
        return "-"
    return hashlib.sha256("\n".join(sorted(shares)).encode()).hexdigest()[:32]


# --- joint shares -----------------------------------------------------------------------------


def shared_keys(series: MeetingSeries) -> Shares:
    """The keys of the items the security team shares with the heads of `series`, in one
    query however many there are."""
    return frozenset(JointShare.objects.filter(series=series).values_list("item", flat=True))


def item_keys(agenda: Agenda) -> frozenset[str]:
    """The keys of the items on `agenda`: what may be shared from it."""
    return frozenset(
        item["key"] for section in agenda["sections"] for item in section["items"] if "key" in item
    )


def set_shared(series: MeetingSeries, key: str, *, shared: bool, by: User) -> None:
    """Share the item `key` with every head of the joint `series`, or stop sharing it.

    Idempotent: sharing what is shared, or unsharing what is not, changes nothing.
    """
    if not SHARE_KEY.fullmatch(key):
        raise ValueError(f"Not an agenda item's key: {key!r}")
    if not shared:
        JointShare.objects.filter(series=series, item=key).delete()
        return
    # get_or_create reads the row another request created in between; the error left
    # is a share stopped at that very moment, which then wins: accepted.
    with contextlib.suppress(IntegrityError):
        JointShare.objects.get_or_create(series=series, item=key, defaults={"shared_by": by})


def _keyed(item: AgendaItem, key: str, shares: Shares | None) -> AgendaItem:
    """`item` with its key and share flag on a joint agenda (`shares` not None)."""
    if shares is not None:
        item["key"], item["shared"] = key, key in shares
    return item


def _where(department: Department | None, name: str) -> str:
    """An item's department, named only on an agenda that looks across all of them."""
    return f" ({name})" if department is None else ""


def _conflicts(department: Department | None, shares: Shares | None) -> AgendaSection:
    links = AlignmentLink.objects.unmitigated().select_related("initiative", "goal__department")
    if department is not None:
        links = links.filter(goal__department=department)
    order = ("goal__department__name", "goal__title", "pk")
    rows = [
        _keyed(
            make_item(
                f"{link.initiative.title} conflicts with “{link.goal.title}”"
                + _where(department, link.goal.department.name),
                link.rationale,
                link.goal.get_absolute_url(),
                DEPARTMENT,
                link.goal.department_id,
            ),
            f"conflict:{link.pk}",
            shares,
        )
        for link in per(links, "goal__department", *order)
    ]
    return make_section("conflicts", "Unmitigated conflicts", rows)


def _goals(department: Department | None, shares: Shares | None) -> AgendaSection:
    goals = Goal.objects.at_risk().select_related("department")
    if department is not None:
        goals = goals.filter(department=department)
    rows = [
        _keyed(
            make_item(
                goal.title + _where(department, goal.department.name),
                f"{goal.get_status_display()}, {goal.progress_percent} % of the way",
                goal.get_absolute_url(),
                DEPARTMENT,
                goal.department_id,
            ),
            f"goal:{goal.pk}",
            shares,
        )
        for goal in per(goals, "department", "department__name", "due_date", "pk")
    ]
    return make_section("goals", "Goals at risk or off track", rows)


def _assessments(department: Department | None, shares: Shares | None) -> AgendaSection:
    assessments = (
        ImpactAssessment.objects.counted()
        .awaiting_head()
        .select_related("initiative", "department")
    )
    if department is not None:
        assessments = assessments.filter(department=department)
    rows = [
        _keyed(
            make_item(
                f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
                + _where(department, assessment.department.name),
                assessment.processes_touched,
                assessment.initiative.get_absolute_url(),
                DEPARTMENT,
                assessment.department_id,
            ),
            f"assessment:{assessment.pk}",
            shares,
        )
        for assessment in per(assessments, "department", "department__name", "pk")
    ]
    return make_section("assessments", "Impact assessments awaiting the head's agreement", rows)


def _commitments(department: Department) -> AgendaSection:
    """A one-on-one's open commitments to its department, soonest due first."""
    commitments = Commitment.objects.open().filter(department=department).select_related("owner")
    rows = [
        make_item(
            f"{c.title}: {c.get_status_display().lower()}, due {c.due_date:%d %b %Y}",
            c.owner.get_full_name() or c.owner.get_username() if c.owner else "no owner yet",
            c.get_absolute_url(),
            DEPARTMENT,
            c.department_id,
        )
        for c in limited(commitments.order_by("due_date", "pk"))
    ]
    return make_section("commitments", "Open commitments to this department", rows)


def _figures(department: Department | None) -> list[DepartmentFigures]:
    """Each department's counts (`department`'s alone for a one-on-one), in one query."""
    at_risk = Goal.objects.at_risk().filter(department=OuterRef("pk"))
    conflicts = AlignmentLink.objects.unmitigated().filter(goal__department=OuterRef("pk"))
    departments = cast(
        "QuerySet[WithAnnotations[Department, _Counts]]",
        Department.objects.annotate(
            goals_at_risk=Coalesce(Subquery(_count(at_risk, "department")), 0),
            conflicts=Coalesce(Subquery(_count(conflicts, "goal__department")), 0),
            hours=Coalesce(counted_hours(), Value(Decimal(0))),
        ).order_by("name"),
    )
    if department is not None:
        departments = departments.filter(pk=department.pk)
    return [
        {
            "department_id": d.pk,
            "name": d.name,
            "goals_at_risk": d.goals_at_risk,
            "conflicts": d.conflicts,
            "hours": f"{d.hours:.1f}",
            "budget": f"{d.friction_budget_hours:.1f}",
        }
        for d in departments
    ]


def _count(rows: QuerySet[M], group: str) -> QuerySet[M]:
    return rows.order_by().values(group).annotate(n=Count("pk")).values("n")
