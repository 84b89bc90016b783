"""What a decision keeps: a case's figures as strings, and the difference between two.

A decision stores the snapshot so that what an executive approved stays readable
whatever happens to the case afterwards. Decimals are kept as strings (JSON has no
decimal type and a float would round them), a figure that is not meaningful as the
words "not meaningful".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypedDict

from business_cases import finance

if TYPE_CHECKING:
    from business_cases.models import BusinessCase

NOT_MEANINGFUL = "not meaningful"
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class FigureSpec:
    name: str
    label: str
    kind: str  # "money", "ratio" (ROSI, shown as a percentage), "months"


FIGURES = (
    FigureSpec("one_off_cost", "One-off cost", "money"),
    FigureSpec("yearly_cost", "Yearly cost", "money"),
    FigureSpec("total_cost_of_ownership", "Total cost of ownership", "money"),
    FigureSpec("yearly_risk_reduction", "Yearly risk reduction", "money"),
    FigureSpec("yearly_benefit", "Yearly benefit", "money"),
    FigureSpec("rosi", "ROSI", "ratio"),
    FigureSpec("payback_months", "Payback (months)", "months"),
    FigureSpec("npv", "Net present value", "money"),
)
SENSITIVE = ("rosi", "payback_months", "npv")
QUANTUM = {"money": CENT, "ratio": RATIO, "months": TENTH}


class Snapshot(TypedDict):
    """A case's figures as a decision keeps them (`take`): JSON-ready, decimals as text."""

    revision: int
    currency: str
    horizon_years: int
    discount_rate: str
    figures: dict[str, str]
    sensitivity: dict[str, dict[str, str]]
    cost_lines: list[list[str]]
    scenarios: list[list[str]]


def as_text(value: finance.Figure, kind: str) -> str:
    """The figure rounded for its kind, or its words: "not meaningful", "out of range"."""
    return str(finance.rounded(value, QUANTUM[kind]))


def take(case: BusinessCase) -> Snapshot:
    """The case's figures and the inputs behind them, as JSON-ready strings."""
    figures = case.figures
    spec = {f.name: f for f in FIGURES}
    return {
        "revision": case.revision,
        "currency": case.currency,
        "horizon_years": case.horizon_years,
        "discount_rate": str(case.discount_rate),
        "figures": {f.name: as_text(getattr(figures, f.name), f.kind) for f in FIGURES},
        "sensitivity": {
            str(estimate): {
                name: as_text(getattr(result, name), spec[name].kind) for name in SENSITIVE
            }
            for estimate, result in case.sensitivity.items()
        },
        "cost_lines": [
            [line.description, line.category, line.recurrence, str(line.amount)]
            for line in case.cost_lines.all()
        ],
        "scenarios": [[s.name, as_text(s.risk_reduction, "money")] for s in case.scenarios.all()],
    }


def _number(text: str | None) -> Decimal | None:
    if text is None or text == NOT_MEANINGFUL:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Difference:
    label: str
    kind: str
    before: Decimal | None
    after: Decimal | None
    before_text: str
    after_text: str

    @property
    def changed(self) -> bool:
        return self.before_text != self.after_text

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def difference(before: Mapping[str, Any], after: Snapshot) -> list[Difference]:
    """Figure by figure, the approved snapshot against the current one.

    `before` is the JSON a decision stored, in whatever shape `take` had then: a figure
    it lacks shows as a dash.
    """
    rows = [
        Difference(
            "Horizon (years)",
            "count",
            Decimal(before.get("horizon_years", 0)),
            Decimal(after.get("horizon_years", 0)),
            str(before.get("horizon_years", "")),
            str(after.get("horizon_years", "")),
        ),
        Difference(
            "Discount rate (%)",
            "count",
            _number(before.get("discount_rate")),
            _number(after.get("discount_rate")),
            before.get("discount_rate", ""),
            after.get("discount_rate", ""),
        ),
    ]
    old, new = before.get("figures", {}), after.get("figures", {})
    for spec in FIGURES:
        rows.append(
            Difference(
                spec.label,
                spec.kind,
                _number(old.get(spec.name)),
                _number(new.get(spec.name)),
                old.get(spec.name, "—"),
                new.get(spec.name, "—"),
            )
        )
    return rows
