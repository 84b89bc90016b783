"""The stakeholder engagement map: where each leader stood on a date, how they moved, the
signals the product's own data gives beside them, and who the dashboard flags.

For the security team only: views ask `departments.roles.is_ciso` before calling here.
Every function reads with a fixed number of queries, whatever the number of leaders: the
latest reading per leader is one correlated subquery, the signals one grouped query each.

- `as_of(at)`: each leader's latest reading recorded before `at` (readings are never
  edited, so a past date shows exactly what had been recorded by then);
- the flag: a leader whose latest reading is below the desired engagement, with high
  influence, and with no one-on-one held in the last `QUIET_DAYS` days (held as the
  meetings define it: alignment.meetings.models.series.held_condition).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from alignment import figures
from alignment.meetings.models import MeetingKind, MeetingSeries, Occurrence
from alignment.models import (
    Commitment,
    Engagement,
    ImpactAssessment,
    StakeholderReading,
    StakeLevel,
)
from departments import roles
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

QUIET_DAYS = 60
LEVELS = list(Engagement)


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day`, in the current time zone (stored as UTC)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def as_of(at: dt.datetime) -> QuerySet[StakeholderReading]:
    """Each leader's latest reading recorded before `at`, in one query."""
    before = StakeholderReading.objects.filter(recorded_at__lt=at)
    latest = before.filter(leader=OuterRef("leader")).order_by("-recorded_at", "-pk")
    return before.filter(pk=Subquery(latest.values("pk")[:1]))


def _is_leader() -> Q:
    """Heads and key leaders of a department, and anyone read before."""
    key_leaders = Department.key_leaders.through.objects.filter(user=OuterRef("pk"))
    return (
        Q(Exists(Department.objects.filter(head=OuterRef("pk"))))
        | Q(Exists(key_leaders))
        | Q(Exists(StakeholderReading.objects.filter(leader=OuterRef("pk"))))
    )


def leaders() -> QuerySet[User]:
    """Everyone the map follows, with their departments (three queries)."""
    return (
        get_user_model()
        .objects.filter(_is_leader())
        .prefetch_related("headed_departments", "led_departments")
        .order_by("last_name", "first_name", "username", "pk")
    )


def get_leader(pk: int) -> User | None:
    return leaders().filter(pk=pk).first()


def departments_of(leader: User) -> list[Department]:
    """Departments the leader heads, then those they are a key leader of (prefetched)."""
    headed = list(leader.headed_departments.all())
    return headed + [d for d in leader.led_departments.all() if d not in headed]


@dataclass
class Signals:
    """What the data says beside a leader, today.

    - refused: counted impact assessments their department(s) disagreed with (heads answer);
    - conflicts: unmitigated conflicts on the goals of the departments they lead;
    - has_one_on_one: an active one-on-one series with them exists;
    - held_recently / last_held: a one-on-one held in the last QUIET_DAYS days, the last one;
    - missed: one-on-ones of the last QUIET_DAYS days recorded as no-shows;
    - overdue: the security team's commitments to the departments they lead, past due.
    """

    refused: int = 0
    conflicts: int = 0
    has_one_on_one: bool = False
    held_recently: bool = False
    last_held: dt.datetime | None = None
    missed: int = 0
    overdue: int = 0

    @property
    def quiet(self) -> bool:
        return not self.held_recently


def _per_department(rows: Iterable[dict[str, int]], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows}


def signals_for(people: list[User], *, now: dt.datetime) -> dict[int, Signals]:
    """Signals for each leader (departments prefetched), in six queries whatever their number."""
    ids = [p.pk for p in people]
    refused = _per_department(
        ImpactAssessment.objects.counted()
        .refused()
        .order_by()
        .values("department")
        .annotate(n=Count("pk")),
        "department",
    )
    conflicts = _per_department(
        figures.unmitigated_conflicts()
        .order_by()
        .values("goal__department")
        .annotate(n=Count("pk")),
        "goal__department",
    )
    since = now - dt.timedelta(days=QUIET_DAYS)
    ones = Occurrence.objects.filter(series__kind=MeetingKind.ONE_ON_ONE, series__leader__in=ids)
    held = {
        row["series__leader"]: row
        for row in ones.held(now=now)
        .order_by()
        .values("series__leader")
        .annotate(last=Max("end"), recent=Count("pk", filter=Q(end__gte=since)))
    }
    missed = _per_department(
        ones.no_shows(now=now)
        .filter(end__gte=since)
        .order_by()
        .values("series__leader")
        .annotate(n=Count("pk")),
        "series__leader",
    )
    overdue = _per_department(
        Commitment.objects.overdue(timezone.localdate(now))
        .order_by()
        .values("department")
        .annotate(n=Count("pk")),
        "department",
    )
    with_series = set(
        MeetingSeries.objects.active()
        .filter(kind=MeetingKind.ONE_ON_ONE, leader__in=ids)
        .values_list("leader", flat=True)
    )
    found = {}
    for person in people:
        headed = [d.pk for d in person.headed_departments.all()]
        led = {d.pk for d in departments_of(person)}
        row = held.get(person.pk, {})
        found[person.pk] = Signals(
            refused=sum(refused.get(pk, 0) for pk in headed),
            conflicts=sum(conflicts.get(pk, 0) for pk in led),
            has_one_on_one=person.pk in with_series,
            held_recently=bool(row.get("recent")),
            last_held=row.get("last"),
            missed=missed.get(person.pk, 0),
            overdue=sum(overdue.get(pk, 0) for pk in led),
        )
    return found


@dataclass
class Mark:
    level: Engagement
    current: bool
    desired: bool


@dataclass
class Row:
    """One leader on the map: their reading as of the date (None: not read yet)."""

    leader: User
    departments: list[Department]
    reading: StakeholderReading | None
    signals: Signals = field(default_factory=Signals)

    @property
    def marks(self) -> list[Mark]:
        """The matrix's cells: C where the leader stands, D where we want them."""
        reading = self.reading
        return [
            Mark(
                level,
                reading is not None and reading.current_engagement == level,
                reading is not None and reading.desired_engagement == level,
            )
            for level in LEVELS
        ]


def engagement_map(
    on: dt.date, *, now: dt.datetime | None = None, people: Iterable[User] | None = None
) -> list[Row]:
    """Each leader (every one, or `people`: a page of them) with their reading as of the
    end of `on`, and today's signals."""
    now = now or timezone.now()
    people = list(leaders() if people is None else people)
    recorded = as_of(min(end_of(on), now)).filter(leader__in=[p.pk for p in people])
    readings = {r.leader_id: r for r in recorded.select_related("department")}
    signals = signals_for(people, now=now)
    return [
        Row(person, departments_of(person), readings.get(person.pk), signals[person.pk])
        for person in people
    ]


@dataclass
class Cell:
    influence: StakeLevel
    interest: StakeLevel
    rows: list[Row]

    @property
    def advice(self) -> str:
        """The usual reading of a square of the grid."""
        if self.influence == StakeLevel.HIGH:
            return "Manage closely" if self.interest == StakeLevel.HIGH else "Keep satisfied"
        return "Keep informed" if self.interest == StakeLevel.HIGH else "Monitor"


def influence_grid(rows: list[Row]) -> list[list[Cell]]:
    """Rows of the influence/interest grid: high influence first, interest low to high."""
    grid = [
        [Cell(influence, interest, []) for interest in StakeLevel]
        for influence in reversed(StakeLevel)
    ]
    for row in rows:
        if row.reading is not None:
            line = grid[len(StakeLevel) - row.reading.influence]
            line[row.reading.interest - 1].rows.append(row)
    return grid


@dataclass
class Move:
    """A leader's readings at the two ends of a period, and how they changed."""

    leader: User
    before: StakeholderReading | None
    after: StakeholderReading | None

    @property
    def change(self) -> int:
        """Steps of current engagement gained (negative: lost); 0 if unread at either end."""
        if self.before is None or self.after is None:
            return 0
        return self.after.current_engagement - self.before.current_engagement

    @property
    def changed(self) -> bool:
        fields = ("current_engagement", "desired_engagement", "influence", "interest")
        if self.before is None or self.after is None:
            return self.before is not self.after
        return any(getattr(self.before, f) != getattr(self.after, f) for f in fields)


def movement(start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> list[Move]:
    """Each leader read by the end of `end`: where they stood at `start`, and at `end`.
    The biggest moves first (gains before losses), then by name."""
    now = now or timezone.now()
    before = {r.leader_id: r for r in as_of(min(end_of(start), now))}
    after = {
        r.leader_id: r for r in as_of(min(end_of(end), now)).select_related("leader", "department")
    }
    moves = [Move(r.leader, before.get(leader_id), r) for leader_id, r in after.items()]
    return sorted(
        moves,
        key=lambda m: (not m.changed, -abs(m.change), -m.change, m.leader.get_full_name()),
    )


def flagged(*, now: dt.datetime | None = None) -> list[StakeholderReading]:
    """Latest readings of leaders below their desired engagement, with high influence and
    no one-on-one held in the last QUIET_DAYS days: one query."""
    now = now or timezone.now()
    held = (
        Occurrence.objects.held(now=now)
        .filter(series__kind=MeetingKind.ONE_ON_ONE, series__leader=OuterRef("leader"))
        .filter(end__gte=now - dt.timedelta(days=QUIET_DAYS))
    )
    return list(
        as_of(now)
        .filter(influence=StakeLevel.HIGH, current_engagement__lt=F("desired_engagement"))
        .filter(~Exists(held))
        .select_related("leader", "department")
        .order_by("leader__last_name", "leader__first_name")
    )


def dashboard_flags(
    user: User, *, now: dt.datetime | None = None
) -> list[StakeholderReading] | None:
    """The dashboard's flagged leaders for the security team; None for anyone else, who
    must not learn even that the map exists."""
    if not roles.is_ciso(user):
        return None
    return flagged(now=now)


def meeting_leaders(occurrence: Occurrence) -> list[User]:
    """The leaders in a meeting: a one-on-one's leader and any head or key leader invited."""
    series = occurrence.series
    return list(
        leaders()
        .filter(Q(meeting_attendances__series=series.pk) | Q(pk=series.leader_id))
        .distinct()
    )


def latest_for(
    people: list[User], *, now: dt.datetime | None = None
) -> dict[int, StakeholderReading]:
    """The latest reading of each of `people`, by leader id (one query)."""
    readings = as_of(now or timezone.now()).filter(leader__in=[p.pk for p in people])
    return {r.leader_id: r for r in readings}


def default_department(leader: User, occurrence: Occurrence | None = None) -> Department | None:
    """The department a reading speaks for: the meeting's, if the leader is in it; else
    the first they head or lead."""
    departments = departments_of(leader)
    if occurrence is not None and occurrence.series.department in departments:
        return occurrence.series.department
    return departments[0] if departments else None
