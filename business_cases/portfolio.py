"""The portfolio of cases: rows with their figures, sorting, a page, the streamed CSV, and
the budget summary.

Figures are computed by `finance` from the lines, never stored, so they cannot disagree
with them; a case's figures are kept in the cache under its stamp (version and time of
its last save), so the portfolio reads the lines of a case only once per change. Every
change of a line saves its case in the same transaction (the editor, `services`), which
changes the stamp: a figure is never read from the cache after the case changed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, overload

from django.core.cache import cache
from django.db.models import F, OrderBy
from django.db.models.functions import Lower

from business_cases import finance
from business_cases.models import (
    BusinessCase,
    BusinessCaseQuerySet,
    CaseDecision,
    CaseStatus,
    Outcome,
)
from departments import roles
from departments.text import spreadsheet_safe

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

    from departments.roles import AnyUser

ZERO = Decimal(0)
# Cases whose lines are read (and rows written to the CSV) at a time: memory and the
# size of an `IN (…)` stay bounded however many cases there are.
CHUNK = 500
# Cached figures are grouped, CACHE_GROUP cases to an entry, so that a few hundred
# cases stay well under a local-memory cache's entry limit (300 by default).
CACHE_GROUP = 128
CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Row:
    case: BusinessCase
    figures: finance.CaseFigures


def _figure_key(name: str) -> Callable[[Row], tuple[int, Decimal]]:
    """Numbers in order; not-meaningful figures after every number whichever the direction."""

    def key(row: Row) -> tuple[int, Decimal]:
        value = getattr(row.figures, name)
        return (0, value) if isinstance(value, Decimal) else (1, ZERO)

    return key


FIGURE_SORTS = {
    "cost": _figure_key("total_cost_of_ownership"),
    "risk": _figure_key("yearly_risk_reduction"),
    "rosi": _figure_key("rosi"),
    "npv": _figure_key("npv"),
}
SORTS: dict[str, tuple[str, Callable[[Row], SupportsRichComparison]]] = {
    "title": ("Case", lambda row: row.case.title.lower()),
    "status": ("Status", lambda row: row.case.status),
    "cost": ("Total cost", FIGURE_SORTS["cost"]),
    "risk": ("Risk reduction / yr", FIGURE_SORTS["risk"]),
    "rosi": ("ROSI", FIGURE_SORTS["rosi"]),
    "npv": ("NPV", FIGURE_SORTS["npv"]),
    "updated": ("Updated", lambda row: row.case.updated_at),
}
# The sorts the database does (the others need every case's figures), as SORTS orders.
DATABASE_SORTS: dict[str, Lower | F] = {
    "title": Lower("title"),
    "status": F("status"),
    "updated": F("updated_at"),
}
DEFAULT_SORT = "updated"


# --- figures, cached under the case's stamp -------------------------------------------


def _stamp(case: BusinessCase) -> tuple[int, str]:
    return case.version, case.updated_at.isoformat()


def _group_key(case_id: int) -> str:
    return f"business_cases:figures:{case_id // CACHE_GROUP}"


def forget_all() -> None:
    """Drop every case's cached figures: after writes that keep a case's stamp while its
    lines change (a programme import writes rows as the file has them, stamps included)."""
    ids = BusinessCase.objects.values_list("pk", flat=True)
    cache.delete_many(list({_group_key(pk) for pk in ids}))


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def figures_of(cases: Sequence[BusinessCase]) -> dict[int, finance.CaseFigures]:
    """The likely figures of each case by id: from the cache when the case has the stamp
    they were computed for, else computed from its lines (`BusinessCase.figures`) and kept.

    A constant number of queries: none when every case is cached, else one set of
    `with_lines` queries per CHUNK cases not cached.
    """
    groups: dict[str, dict[int, Any]] = cache.get_many({_group_key(c.pk) for c in cases})
    found: dict[int, finance.CaseFigures] = {}
    missing = []
    for case in cases:
        stamp, figures = groups.get(_group_key(case.pk), {}).get(case.pk, (None, None))
        if stamp == _stamp(case):
            found[case.pk] = figures
        else:
            missing.append(case.pk)
    changed: dict[str, dict[int, Any]] = {}
    for ids in _chunks(missing):
        for case in BusinessCase.objects.with_lines().filter(pk__in=ids):
            # The stamp read with the lines: they are at least as new as it.
            found[case.pk] = case.figures
            key = _group_key(case.pk)
            changed[key] = groups.setdefault(key, {})
            changed[key][case.pk] = (_stamp(case), case.figures)
    if changed:
        cache.set_many(changed, CACHE_SECONDS)
    return found


def _with_figures(cases: Sequence[BusinessCase]) -> list[Row]:
    figures = figures_of(cases)
    # A case deleted in between has no figures: it is left out.
    return [Row(case, figures[case.pk]) for case in cases if case.pk in figures]


# --- the rows of the portfolio --------------------------------------------------------


def _cases(user: AnyUser, status: str = "") -> BusinessCaseQuerySet:
    cases = BusinessCase.objects.visible_to(user).select_related("initiative")
    return cases.filter(status=status) if status in CaseStatus.values else cases


def _by_figure(cases: Iterable[BusinessCase], sort: str, descending: bool) -> list[Row]:
    """Every case, sorted by a figure: not-meaningful figures last in both directions."""
    figure_key = FIGURE_SORTS[sort]
    found = _with_figures(list(cases))
    numbers = [r for r in found if figure_key(r)[0] == 0]
    others = [r for r in found if figure_key(r)[0] == 1]
    return sorted(numbers, key=figure_key, reverse=descending) + others


def _in_database_order(
    cases: BusinessCaseQuerySet, sort: str, descending: bool
) -> BusinessCaseQuerySet:
    expression = DATABASE_SORTS.get(sort, DATABASE_SORTS[DEFAULT_SORT])
    order: OrderBy = expression.desc() if descending else expression.asc()
    return cases.order_by(order, "-pk" if descending else "pk")


class SortedRows(Sequence[Row]):
    """The rows of cases sorted by the database, read a slice (a page) at a time: only the
    cases of the page are read, and only their figures looked up."""

    def __init__(self, cases: BusinessCaseQuerySet) -> None:
        self.cases = cases

    def __len__(self) -> int:
        return self.cases.count()

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return _with_figures(list(self.cases[index]))
        return _with_figures([self.cases[index]])[0]


def rows(
    user: AnyUser, *, status: str = "", sort: str = DEFAULT_SORT, descending: bool = True
) -> Sequence[Row]:
    """The cases the user may see, with figures, sorted; unknown sorts fall back to updated.

    Paginate the result: sorted by title, status or date, only the page's cases are read.
    """
    cases = _cases(user, status)
    if sort in FIGURE_SORTS:
        return _by_figure(cases, sort, descending)
    return SortedRows(_in_database_order(cases, sort, descending))


# --- the CSV --------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written to it: the csv module's writer then returns
    each line, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def _cell(value: finance.Figure, quantum: str) -> str:
    """The figure rounded, or its words: "not meaningful", "out of range"."""
    return str(finance.rounded(value, Decimal(quantum)))


def _csv_row(row: Row) -> list[object]:
    f = row.figures
    rosi = f.rosi * 100 if isinstance(f.rosi, Decimal) else f.rosi
    return [
        spreadsheet_safe(row.case.title),
        spreadsheet_safe(row.case.initiative.title),
        row.case.get_status_display(),
        row.case.revision,
        _cell(f.total_cost_of_ownership, "0.01"),
        _cell(f.yearly_risk_reduction, "0.01"),
        _cell(rosi, "0.1"),
        _cell(f.payback_months, "0.1"),
        _cell(f.npv, "0.01"),
        row.case.horizon_years,
    ]


def _csv_batches(user: AnyUser, sort: str, status: str) -> Iterator[list[Row]]:
    """The cases (of `status`, or all) in ascending order, CHUNK at a time (all at once
    when sorted by a figure: the order needs every figure)."""
    chosen = _cases(user, status)
    if sort in FIGURE_SORTS:
        yield _by_figure(chosen, sort, descending=False)
        return
    ordered = _in_database_order(chosen, sort if sort in SORTS else "title", False)
    for cases in _chunks(ordered.iterator(chunk_size=CHUNK)):
        yield _with_figures(cases)


def csv_lines(
    user: AnyUser, *, sort: str = "title", status: str = "", currency: str
) -> Iterator[str]:
    """The portfolio (the cases of `status`, or all) as CSV lines, for a streamed
    response: the header, then a line per case, its text cells safe in a spreadsheet."""
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "case",
            "initiative",
            "status",
            "revision",
            f"total cost of ownership ({currency})",
            f"yearly risk reduction ({currency})",
            "ROSI (%)",
            "payback (months)",
            f"NPV ({currency})",
            "horizon (years)",
        ]
    )
    for batch in _csv_batches(user, sort, status):
        for row in batch:
            yield writer.writerow(_csv_row(row))


@dataclass(frozen=True)
class Budget:
    requested: Decimal
    requested_count: int
    approved: Decimal
    approved_count: int
    approved_risk_reduction: Decimal = ZERO

    @property
    def largest(self) -> Decimal:
        return max(self.requested, self.approved, Decimal(1))


def budget_summary(user: AnyUser) -> Budget | None:
    """Total cost of ownership awaiting a decision against what senior leadership approved.

    Requested: the cases submitted and awaiting a decision. Approved: for each case whose
    latest decision is an approval, the total in that decision's snapshot (the figure
    approved, even while a new revision is being written). None for users who see no cases.
    """
    if not roles.reads_everything(user):
        return None
    return budget_totals()


def budget_totals() -> Budget:
    """`budget_summary` for whoever asks on the product's behalf (a computed measure)."""
    submitted = _with_figures(list(BusinessCase.objects.awaiting_decision()))
    latest: dict[int, CaseDecision] = {}
    for decision in CaseDecision.objects.order_by("case_id", "-decided_at", "-pk"):
        latest.setdefault(decision.case_id, decision)
    approved = [d for d in latest.values() if d.outcome == Outcome.APPROVED]
    approved_total = sum(
        (_snapshot_figure(d.snapshot, "total_cost_of_ownership") for d in approved), ZERO
    )
    return Budget(
        requested=sum((r.figures.total_cost_of_ownership for r in submitted), ZERO),
        requested_count=len(submitted),
        approved=approved_total,
        approved_count=len(approved),
        approved_risk_reduction=sum(
            (_snapshot_figure(d.snapshot, "yearly_risk_reduction") for d in approved), ZERO
        ),
    )


def _snapshot_figure(snapshot: Mapping[str, Any], name: str) -> Decimal:
    try:
        return Decimal(snapshot["figures"][name])
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return ZERO
