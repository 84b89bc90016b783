"""The sections of the posture report (alignment/posture.py): each reads live data in a
fixed number of queries and returns its figures and table, as the document stores them.

Every list is capped at ROWS and says how many more there were.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from alignment import figures, friction
from alignment.meetings import figures as meeting_figures
from alignment.meetings.models import ActionItem
from alignment.models import (
    AlignmentLink,
    ProgrammeReview,
    Relation,
    ReviewStatus,
    Verdict,
)
from business_cases import budget
from business_cases.models import BusinessCase, CaseStatus
from business_cases.portfolio import budget_totals
from departments.models import Department
from objectives.models import Measure, MeasureStatus, Sample
from objectives.models.measures import CADENCE_DAYS

ROWS = 25


# --- values ----------------------------------------------------------------------------


def dec(value: Decimal | int | float, places: str = "0.01") -> str:
    """A decimal as the document stores it: a string, rounded to `places`."""
    return str(Decimal(value).quantize(Decimal(places)))


def number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def figure(
    key: str, label: str, value: int | str, *, kind: str = "int", better: str = ""
) -> dict[str, Any]:
    """One headline figure; `better` is "up", "down" or "" (neither is better)."""
    return {
        "key": key,
        "label": label,
        "type": kind,
        "value": value,
        "previous": None,
        "change": None,
        "better": better,
    }


def table(columns: list[tuple[str, str]], rows: list[list[Any]], more: int = 0) -> dict[str, Any]:
    return {"columns": [{"label": c, "type": t} for c, t in columns], "rows": rows, "more": more}


# --- sections --------------------------------------------------------------------------


def measures(as_of: dt.date) -> dict[str, Any]:
    """Every measure's latest value on or before `as_of`, its status and staleness; red
    ones first, then amber, stale, no data and on target, up to ROWS rows."""
    latest = Sample.objects.filter(measure=OuterRef("pk"), date__lte=as_of).order_by(
        "-date", "-created_at"
    )
    measures: list[Any] = list(
        Measure.objects.select_related("objective")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_date=Subquery(latest.values("date")[:1]),
        )
        .order_by("objective__position", "objective__pk", "pk")
    )
    grace = {m.pk: m.grace for m in measures}

    def stale(m: Any) -> bool:
        if m.latest_date is None:
            return True
        window = dt.timedelta(days=CADENCE_DAYS[m.cadence]) + grace[m.pk]
        return bool(as_of - m.latest_date > window)

    status = {m.pk: m.status_of(m.latest_value) for m in measures}
    order: dict[str, int] = {
        MeasureStatus.RED: 0,
        MeasureStatus.AMBER: 1,
        MeasureStatus.NO_DATA: 3,
        MeasureStatus.ON_TARGET: 4,
    }
    ranked = sorted(
        measures, key=lambda m: (order.get(status[m.pk], 5) - (0.5 if stale(m) else 0), m.pk)
    )
    shown = ranked[:ROWS]
    trends: dict[int, list[str]] = {}
    recent = Sample.objects.filter(
        measure__in=[m.pk for m in shown],
        date__lte=as_of,
        date__gt=as_of - dt.timedelta(days=2 * 366),
    ).order_by("measure_id", "date", "created_at")
    for sample in recent.only("measure_id", "value"):
        trends.setdefault(sample.measure_id, []).append(dec(sample.value))
    counts = Counter(status.values())
    stale_count = sum(1 for m in measures if stale(m))
    rows = [
        [
            m.objective.title,
            m.title,
            m.unit,
            m.get_direction_display(),
            dec(m.baseline),
            dec(m.target),
            dec(m.latest_value) if m.latest_value is not None else None,
            MeasureStatus(status[m.pk]).label,
            "stale" if stale(m) else "fresh",
        ]
        for m in shown
    ]
    return {
        "figures": [
            figure("measures.count", "Measures", len(measures)),
            figure(
                "measures.on_target",
                "On target",
                counts[MeasureStatus.ON_TARGET],
                better="up",
            ),
            figure("measures.amber", "Amber", counts[MeasureStatus.AMBER], better="down"),
            figure("measures.red", "Red", counts[MeasureStatus.RED], better="down"),
            figure("measures.stale", "Stale (no recent sample)", stale_count, better="down"),
        ],
        "table": table(
            [
                ("Objective", "text"),
                ("Measure", "text"),
                ("Unit", "text"),
                ("Better when", "text"),
                ("Baseline", "decimal"),
                ("Target", "decimal"),
                ("Latest", "decimal"),
                ("Status", "status"),
                ("Freshness", "status"),
            ],
            rows,
            more=len(measures) - len(shown),
        ),
        "trends": [trends.get(m.pk, []) for m in shown],
    }


def coverage() -> dict[str, Any]:
    found = figures.goal_coverage()
    return {
        "figures": [
            figure(
                "coverage.percent",
                "Active goals with a supporting initiative",
                found.percent if found.percent is not None else 0,
                kind="percent",
                better="up",
            ),
            figure("coverage.active", "Active department goals", found.active),
            figure("coverage.uncovered", "Goals no initiative supports", found.uncovered),
        ],
    }


def conflicts() -> dict[str, Any]:
    links = figures.unmitigated_conflicts().select_related("initiative", "goal__department")
    total = links.count()
    shown = list(links.order_by("goal__department__name", "goal__title", "pk")[:ROWS])
    all_conflicts = AlignmentLink.objects.counted().filter(relation=Relation.CONFLICTS).count()
    return {
        "figures": [
            figure("conflicts.unmitigated", "Unmitigated conflicts", total, better="down"),
            figure("conflicts.all", "Conflicts with business goals", all_conflicts),
        ],
        "table": table(
            [("Department", "text"), ("Goal", "text"), ("Initiative", "text")],
            [[link.goal.department.name, link.goal.title, link.initiative.title] for link in shown],
            more=total - len(shown),
        ),
    }


def friction_budgets() -> dict[str, Any]:
    rows = friction.by_department(Department.objects.order_by("name"))
    over = [r for r in rows if r.over_budget]
    hours = sum((r.hours for r in rows), Decimal(0))
    budget = sum((r.budget for r in rows), Decimal(0))
    ranked = sorted(rows, key=lambda r: (not r.over_budget, -r.hours, r.department.name))
    shown = [r for r in ranked if r.hours or r.budget][:ROWS]
    return {
        "figures": [
            figure(
                "friction.over",
                "Departments over their friction budget",
                len(over),
                better="down",
            ),
            figure(
                "friction.hours",
                "Hours a week security adds",
                dec(hours, "0.1"),
                kind="hours",
                better="down",
            ),
            figure(
                "friction.budget",
                "Hours a week agreed as budgets",
                dec(budget, "0.1"),
                kind="hours",
            ),
        ],
        "table": table(
            [
                ("Department", "text"),
                ("Added hours / week", "hours"),
                ("Budget hours / week", "hours"),
                ("Over budget", "text"),
            ],
            [
                [
                    r.department.name,
                    dec(r.hours, "0.1"),
                    dec(r.budget, "0.1"),
                    "over" if r.over_budget else "",
                ]
                for r in shown
            ],
            more=len([r for r in rows if r.hours or r.budget]) - len(shown),
        ),
    }


def initiatives() -> dict[str, Any]:
    found = figures.initiatives_by_status()
    return {
        "figures": [figure(f"initiatives.{value}", label, count) for value, label, count in found],
    }


def portfolio() -> dict[str, Any]:
    budget = budget_totals()
    by_status = dict(BusinessCase.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "figures": [
            figure(
                "portfolio.requested",
                "Awaiting a decision (total cost)",
                dec(budget.requested),
                kind="money",
            ),
            figure(
                "portfolio.requested_count", "Cases awaiting a decision", budget.requested_count
            ),
            figure(
                "portfolio.approved",
                "Approved (total cost)",
                dec(budget.approved),
                kind="money",
            ),
            figure("portfolio.approved_count", "Cases approved", budget.approved_count),
            figure(
                "portfolio.risk_reduction",
                "Yearly risk reduction of approved cases",
                dec(budget.approved_risk_reduction),
                kind="money",
                better="up",
            ),
        ],
        "table": table(
            [("Status", "text"), ("Cases", "int")],
            [[label, by_status.get(value, 0)] for value, label in CaseStatus.choices],
        ),
    }


def security_budget(today: dt.date) -> dict[str, Any]:
    """The year's envelope against what approved cases commit and what is spent."""
    year = budget.year_budget(today.year)
    found = []
    rows = []
    for key, (label, side) in zip(("one_off", "running"), year.sides, strict=True):
        if side.envelope is not None and side.remaining is not None:
            found.append(
                figure(
                    f"budget.{key}_remaining",
                    f"{label} budget remaining in {year.year}",
                    dec(side.remaining),
                    kind="money",
                    better="up",
                )
            )
        found.append(
            figure(
                f"budget.{key}_committed",
                f"{label} committed by approved cases",
                dec(side.committed),
                kind="money",
            )
        )
        rows.append(
            [
                label,
                dec(side.envelope) if side.envelope is not None else "0.00",
                dec(side.committed),
                dec(side.actual),
                dec(side.remaining) if side.remaining is not None else "0.00",
            ]
        )
    columns = [("", "text"), ("Envelope", "money"), ("Committed", "money")]
    columns += [("Actual", "money"), ("Remaining", "money")]
    if not year.is_set:
        columns = [columns[0], columns[2], columns[3]]
        rows = [[row[0], row[2], row[3]] for row in rows]
    return {"figures": found, "table": table(columns, rows)}


def meetings(now: dt.datetime) -> dict[str, Any]:
    """Held against planned one-on-ones, and the ROWS furthest behind: a few queries, the
    database adding up and ranking every series."""
    series = meeting_figures.one_on_ones(now=now)
    totals = meeting_figures.cadence_totals(now=now)
    planned, held = totals["planned"], totals["held"]
    share = held * 100 // planned if planned else 0
    shown = meeting_figures.furthest_behind(series, ROWS)
    return {
        "figures": [
            figure("meetings.held", "One-on-ones held (last 90 days)", held),
            figure("meetings.planned", "One-on-ones planned (last 90 days)", planned),
            figure("meetings.share", "Held of planned", share, kind="percent", better="up"),
        ],
        "table": table(
            [("Leader", "text"), ("Department", "text"), ("Held", "int"), ("Planned", "int")],
            [
                [
                    (s.leader.get_full_name() or s.leader.username) if s.leader else "—",
                    s.department.name if s.department else "",
                    s.held,  # type: ignore[attr-defined]
                    s.planned,  # type: ignore[attr-defined]
                ]
                for s in shown
            ],
            more=totals["count"] - len(shown),
        ),
    }


def actions(today: dt.date) -> dict[str, Any]:
    actions = ActionItem.objects.open()
    overdue = actions.filter(due_date__lt=today)
    totals = actions.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    shown = list(
        overdue.select_related("owner", "occurrence__series", "review_item__review").order_by(
            "due_date", "pk"
        )[:ROWS]
    )
    return {
        "figures": [
            figure("actions.open", "Open action items", totals["open"], better="down"),
            figure("actions.overdue", "Overdue", totals["overdue"], better="down"),
        ],
        "table": table(
            [("Overdue action", "text"), ("Owner", "text"), ("Due", "date"), ("From", "text")],
            [
                [
                    item.title,
                    (item.owner.get_full_name() or item.owner.username) if item.owner else "—",
                    item.due_date.isoformat() if item.due_date else None,
                    item.source,
                ]
                for item in shown
            ],
            more=totals["overdue"] - len(shown),
        ),
    }


def review() -> dict[str, Any]:
    review = ProgrammeReview.objects.filter(status=ReviewStatus.FINISHED).first()
    if review is None:
        return {"figures": [], "table": table([("Finding", "text")], [["No review finished yet."]])}
    verdicts = Counter(review.items.values_list("verdict", flat=True))
    flagged = list(
        review.items.filter(verdict__in=[Verdict.ESCALATE, Verdict.ADJUST, Verdict.RETIRE])
        .select_related("objective", "initiative")
        .order_by("verdict", "pk")[:ROWS]
    )
    flagged_count = sum(verdicts[v] for v in (Verdict.ESCALATE, Verdict.ADJUST, Verdict.RETIRE))
    return {
        "review": {
            "label": str(review),
            "finished": timezone.localdate(review.finished_at).isoformat(),
        },
        "figures": [
            figure(f"review.{value}", label, verdicts[value]) for value, label in Verdict.choices
        ],
        "table": table(
            [("Objective or initiative", "text"), ("Verdict", "text"), ("Note", "text")],
            [[str(item.subject), item.get_verdict_display(), item.note] for item in flagged],
            more=flagged_count - len(flagged),
        ),
    }
