"""The security budget of a year: envelope, committed, actual and remaining.

Committed one-off money is what cases approved in that year spend up front; committed
running money is the yearly cost of every approved case whose horizon covers that year.
Actual money is the spend the security team records. Remaining = envelope − committed.
Every figure is an SQL sum: a handful of queries whatever the size of the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from business_cases.models import Allocation, BudgetEnvelope, BusinessCase, Spend, SpendKind
from business_cases.models.budget import LAST_YEAR

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Side:
    """One side of the envelope (one-off or running) in one year."""

    envelope: Decimal | None  # None: no envelope set for the year
    committed: Decimal
    actual: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.committed

    @property
    def over(self) -> bool:
        return self.envelope is not None and self.committed > self.envelope


@dataclass(frozen=True)
class YearBudget:
    year: int
    envelope: BudgetEnvelope | None
    one_off: Side
    running: Side

    @property
    def is_set(self) -> bool:
        return self.envelope is not None

    @property
    def sides(self) -> list[tuple[str, Side]]:
        return [("One-off", self.one_off), ("Running", self.running)]

    @property
    def currency(self) -> str:
        return str(settings.CURRENCY)


def this_year() -> int:
    return timezone.localdate().year


def running_in(year: int, prefix: str = "") -> Q:
    """Allocations whose running cost falls in `year`."""
    return Q(**{f"{prefix}first_year__lte": year, f"{prefix}last_year__gte": year})


def year_budget(year: int, *, envelope: BudgetEnvelope | None = None) -> YearBudget:
    """The year's envelope, committed, actual and remaining, one-off and running (four
    queries, three when the envelope is given)."""
    if envelope is None:
        envelope = BudgetEnvelope.objects.filter(year=year).first()
    committed = Allocation.objects.aggregate(
        one_off=Sum("one_off", filter=Q(first_year=year)),
        running=Sum("yearly", filter=running_in(year)),
    )
    actual = Spend.objects.filter(year=year).aggregate(
        one_off=Sum("amount", filter=Q(kind=SpendKind.ONE_OFF)),
        running=Sum("amount", filter=Q(kind=SpendKind.RUNNING)),
    )
    return YearBudget(
        year=year,
        envelope=envelope,
        one_off=Side(
            envelope=envelope.one_off if envelope else None,
            committed=committed["one_off"] or ZERO,
            actual=actual["one_off"] or ZERO,
        ),
        running=Side(
            envelope=envelope.running if envelope else None,
            committed=committed["running"] or ZERO,
            actual=actual["running"] or ZERO,
        ),
    )


@dataclass(frozen=True)
class Draw:
    """What approving `case` in `year` would take from the envelope."""

    year: int
    one_off: Decimal
    yearly: Decimal
    last_year: int


def draw_for(case: BusinessCase, year: int) -> Draw:
    figures = case.figures
    return Draw(
        year=year,
        one_off=figures.one_off_cost.quantize(CENT),
        yearly=figures.yearly_cost.quantize(CENT),
        last_year=min(year + case.horizon_years - 1, LAST_YEAR),
    )


def shortfall(case: BusinessCase, year: int, *, budget: YearBudget | None = None) -> list[str]:
    """Why approving `case` in `year` would exceed the envelope, in words; empty when it
    fits or no envelope is set. A case already drawing (an earlier approved revision) is
    counted once: its earlier draw is what the new one replaces."""
    budget = budget or year_budget(year)
    if not budget.is_set:
        return []
    draw = draw_for(case, year)
    earlier = Allocation.objects.filter(case=case).first()
    earlier_one_off = earlier.one_off if earlier and earlier.first_year == year else ZERO
    earlier_running = (
        earlier.yearly if earlier and earlier.first_year <= year <= earlier.last_year else ZERO
    )
    problems = []
    for label, side, needed, earlier_amount in (
        ("one-off", budget.one_off, draw.one_off, earlier_one_off),
        ("running", budget.running, draw.yearly, earlier_running),
    ):
        remaining = side.remaining
        if remaining is not None and needed > remaining + earlier_amount:
            problems.append(
                f"Its {label} cost of {needed:,.2f} exceeds what remains of the {year} "
                f"{label} budget ({remaining + earlier_amount:,.2f})."
            )
    return problems


def record_draw(case: BusinessCase, year: int) -> Allocation:
    """The approved case's allocation, replacing an earlier revision's (caller holds the
    envelope's lock: see services.case_decide)."""
    draw = draw_for(case, year)
    allocation, _ = Allocation.objects.update_or_create(
        case=case,
        defaults={
            "initiative_id": case.initiative_id,
            "revision": case.revision,
            "first_year": draw.year,
            "last_year": draw.last_year,
            "one_off": draw.one_off,
            "yearly": draw.yearly,
            "approved_at": timezone.now(),
        },
    )
    return allocation


@dataclass(frozen=True)
class Row:
    """Committed and actual money of one initiative or objective in a year."""

    pk: int
    title: str
    committed_one_off: Decimal
    committed_running: Decimal
    actual: Decimal

    @property
    def committed(self) -> Decimal:
        return self.committed_one_off + self.committed_running


def by_objective(year: int) -> list[Row]:
    """Per security objective with money committed or spent in `year` (two grouped
    queries; objectives are few)."""
    return _grouped(year, "initiative__objective", "initiative__objective__title")


def by_initiative(year: int, ids: list[int] | None = None) -> list[Row]:
    """Per initiative with money committed or spent in `year` (two grouped queries);
    `ids` limits it to a page of initiatives."""
    return _grouped(year, "initiative", "initiative__title", ids=ids)


def _grouped(year: int, key: str, title: str, ids: list[int] | None = None) -> list[Row]:
    allocations = Allocation.objects.filter(Q(first_year=year) | running_in(year))
    spend = Spend.objects.filter(year=year)
    if ids is not None:
        allocations, spend = (
            allocations.filter(initiative__in=ids),
            spend.filter(initiative__in=ids),
        )
    committed = {
        row[key]: row
        for row in allocations.values(key, title)
        .annotate(
            one_off=Sum("one_off", filter=Q(first_year=year)),
            running=Sum("yearly", filter=running_in(year)),
        )
        .order_by()
    }
    actual = {
        row[key]: row for row in spend.values(key, title).annotate(total=Sum("amount")).order_by()
    }
    rows = [
        Row(
            pk=pk,
            title=(committed.get(pk) or actual[pk])[title],
            committed_one_off=(committed.get(pk) or {}).get("one_off") or ZERO,
            committed_running=(committed.get(pk) or {}).get("running") or ZERO,
            actual=(actual.get(pk) or {}).get("total") or ZERO,
        )
        for pk in committed.keys() | actual.keys()
    ]
    return sorted(rows, key=lambda row: (-row.committed, row.title))
