"""The security posture report for senior leadership: one document per period (a quarter).

`build(report)` computes the document from live data; a board pack (alignment/packs.py)
freezes it. Screen, print, PDF and XLSX all render the document, never the live models,
so a frozen pack shows exactly what was frozen.

The document is plain JSON (schema `SCHEMA_VERSION`):

    {"schema_version": 1, "period": "2026-10-01", "period_label": "Q4 2026",
     "as_of": "2026-11-29", "currency": "EUR",
     "previous": {"number": 3, "period_label": "Q3 2026"} | null,
     "sections": [{"key", "title", "narrative",
                   "figures": [{"key", "label", "type", "value", "previous", "change",
                                "better"}],
                   "table": {"columns": [{"label", "type"}], "rows": [[…]], "more": 0},
                   "trends": [[…], …] (one per table row, measures only),
                   "trend": {"label", "values"} | null}]}

Values are JSON numbers for counts and strings for decimals (money, hours, %), so no
float ever rounds a figure; `type` says how to show and export each one. "previous" is
the same figure in the last approved pack (the board's last view), "change" the
difference; both are null when there is no earlier pack or the figure is new.

Every list is capped (ROWS) and says how many more there were: the report does bounded
work whatever the size of the organisation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from alignment import posture_sections as sections
from alignment.models import BoardPack, PostureReport, quarter_label
from alignment.posture_sections import number
from alignment.reviews import quarter_start

SCHEMA_VERSION = 1
TREND_POINTS = 8

SECTIONS: list[tuple[str, str]] = [
    ("measures", "Measures against targets"),
    ("coverage", "Goal coverage"),
    ("conflicts", "Unmitigated conflicts"),
    ("friction", "Added hours against friction budgets"),
    ("initiatives", "Initiatives by status"),
    ("portfolio", "Business-case portfolio"),
    ("budget", "Security budget"),
    ("meetings", "Meeting cadence with leaders"),
    ("actions", "Open and overdue actions"),
    ("review", "Last programme review"),
]
SECTION_TITLES = dict(SECTIONS)

Document = dict[str, Any]


def current_report(*, today: dt.date | None = None) -> PostureReport:
    """This quarter's report (its narratives), created empty the first time it is read."""
    period = quarter_start(today or timezone.localdate())
    report, _ = PostureReport.objects.get_or_create(period=period)
    return report


def last_approved_pack(before: int | None = None) -> BoardPack | None:
    """The newest pack an executive approved (presented and superseded ones included)."""
    packs = BoardPack.objects.filter(approved_at__isnull=False).defer("pdf", "xlsx")
    if before is not None:
        packs = packs.filter(number__lt=before)
    return packs.order_by("-number").first()


# --- the document ------------------------------------------------------------------------


def build(
    report: PostureReport,
    *,
    now: dt.datetime | None = None,
    previous: BoardPack | None = None,
    include_hidden: bool = False,
) -> Document:
    """The report's document as of `now`, compared with `previous` (by default the last
    approved pack). Sections the CISO switched off are left out unless `include_hidden`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period_end = (report.period + dt.timedelta(days=92)).replace(day=1) - dt.timedelta(days=1)
    as_of = min(today, period_end)
    previous = previous if previous is not None else last_approved_pack()
    builders = {
        "measures": lambda: sections.measures(as_of),
        "coverage": sections.coverage,
        "conflicts": sections.conflicts,
        "friction": sections.friction_budgets,
        "initiatives": sections.initiatives,
        "portfolio": sections.portfolio,
        "budget": lambda: sections.security_budget(today),
        "meetings": lambda: sections.meetings(now),
        "actions": lambda: sections.actions(today),
        "review": sections.review,
    }
    hidden = set(report.hidden_sections or [])
    narratives = report.narratives or {}
    found = []
    for key, title in SECTIONS:
        if key in hidden and not include_hidden:
            continue
        body = builders[key]()
        found.append(
            {
                "key": key,
                "title": title,
                "narrative": str(narratives.get(key, "")),
                "hidden": key in hidden,
                "figures": body.get("figures", []),
                "table": body.get("table"),
                "trends": body.get("trends"),
                "trend": None,
                "review": body.get("review"),
            }
        )
    document: Document = {
        "schema_version": SCHEMA_VERSION,
        "title": "Security posture report",
        "period": report.period.isoformat(),
        "period_label": quarter_label(report.period),
        "as_of": as_of.isoformat(),
        "currency": settings.CURRENCY,
        "previous": None,
        "sections": found,
    }
    compare(document, previous.document if previous is not None else None)
    if previous is not None:
        document["previous"] = {"number": previous.number, "period_label": previous.period_label}
    _coverage_trend(document, before=previous.number + 1 if previous is not None else None)
    return document


def figures_by_key(document: Document | None) -> dict[str, dict[str, Any]]:
    if not document:
        return {}
    return {
        f["key"]: f for section in document.get("sections", []) for f in section.get("figures", [])
    }


def compare(document: Document, earlier: Document | None) -> None:
    """Fill every figure's "previous" and "change" from the same figure in `earlier`."""
    before = figures_by_key(earlier)
    for section in document["sections"]:
        for item in section["figures"]:
            then = before.get(item["key"])
            if then is None:
                continue
            old, new = number(then.get("value")), number(item["value"])
            item["previous"] = then.get("value")
            if old is not None and new is not None:
                change = new - old
                item["change"] = int(change) if item["type"] in ("int", "percent") else str(change)


def _coverage_trend(document: Document, *, before: int | None) -> None:
    """Goal coverage over the last approved packs, then now: the board sees the line."""
    section = next((s for s in document["sections"] if s["key"] == "coverage"), None)
    if section is None:
        return
    packs = BoardPack.objects.filter(approved_at__isnull=False).defer("pdf", "xlsx")
    if before is not None:
        packs = packs.filter(number__lt=before)
    values: list[Any] = []
    for pack in reversed(list(packs.order_by("-number")[: TREND_POINTS - 1])):
        then = figures_by_key(pack.document).get("coverage.percent")
        if then is not None:
            values.append(then["value"])
    values.append(section["figures"][0]["value"])
    section["trend"] = {"label": "Goal coverage %, pack by pack", "values": values}


def differences(document: Document) -> list[dict[str, Any]]:
    """The figures that changed since the previous pack: what the board should notice."""
    return [
        {**item, "section": section["title"]}
        for section in document.get("sections", [])
        for item in section.get("figures", [])
        if number(item.get("change")) not in (None, Decimal(0))
    ]
