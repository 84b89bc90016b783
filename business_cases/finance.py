"""The arithmetic of a business case: pure functions over Decimal, one formula each.

Nothing here touches the database or Django: the models turn a case into `CaseInputs`,
`case_figures()` turns those into `CaseFigures`, and the live preview, the save, the
snapshot of a decision, the portfolio and the PDF all go through the same two calls.

A figure that cannot be given honestly (ROSI of something that costs nothing, the
payback of something that never pays back) is a `NotMeaningful` carrying the reason,
never an exception and never a made-up number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

ZERO = Decimal(0)
ONE = Decimal(1)
MONTHS_PER_YEAR = Decimal(12)
MINUTES_PER_HOUR = Decimal(60)
# Weeks in which people actually work: 52 less holidays and public holidays. Weekly
# hours become yearly hours with this, so a loaded hourly rate is not paid for weeks
# in which nobody meets an MFA prompt.
WORKING_WEEKS_PER_YEAR = Decimal(46)
# A payback further away than this is shown as never paying back.
MAX_PAYBACK_YEARS = 100


@dataclass(frozen=True)
class NotMeaningful:
    """A figure that would be misleading for these inputs, with the reason in words."""

    reason: str

    def __str__(self) -> str:
        return "not meaningful"


@dataclass(frozen=True)
class OutOfRange(NotMeaningful):
    """A figure too large to show: only inputs stored outside their ranges produce one."""

    reason: str = "Too large to show: some of the case's numbers are outside their ranges."

    def __str__(self) -> str:
        return "out of range"


Figure = Decimal | NotMeaningful


def is_meaningful(value: Figure) -> bool:
    return isinstance(value, Decimal)


def rounded(value: Figure, quantum: Decimal, rounding: str = ROUND_HALF_EVEN) -> Figure:
    """The value to the quantum (Decimal("0.01"): cents), for showing or keeping as text.

    Decimal refuses to round a number with more digits than its context keeps (28); that
    number, or one that is not finite, is an `OutOfRange` instead of an exception, so a
    page shows "out of range" whatever is stored. In-range inputs never come near it.
    """
    if not isinstance(value, Decimal):
        return value
    if not value.is_finite():
        return OutOfRange()
    try:
        return value.quantize(quantum, rounding=rounding)
    except ArithmeticError:  # InvalidOperation, Overflow
        return OutOfRange()


# --- Risk ----------------------------------------------------------------------------


def ale(sle: Decimal, aro: Decimal) -> Decimal:
    """Annualised loss expectancy: ALE = SLE × ARO.

    SLE (single loss expectancy) is what one occurrence costs; ARO (annual rate of
    occurrence) is how many occurrences a year are expected (0.2 = once in five years).
    """
    return sle * aro


def scenario_risk_reduction(
    sle: Decimal, aro_before: Decimal, aro_after: Decimal, sle_after: Decimal | None = None
) -> Decimal:
    """Yearly risk reduction of one scenario: ALE_before − ALE_after.

    ALE_before = SLE × ARO_before; ALE_after = SLE_after × ARO_after, where SLE_after is
    SLE unless the measure also makes one occurrence cheaper. Negative when the measure
    makes things worse (ARO_after > ARO_before): allowed, and flagged by the form.
    """
    after_sle = sle if sle_after is None else sle_after
    return ale(sle, aro_before) - ale(after_sle, aro_after)


# --- People's time ---------------------------------------------------------------------


def people_time_yearly(
    hours_per_week: Decimal, hourly_rate: Decimal, weeks: Decimal = WORKING_WEEKS_PER_YEAR
) -> Decimal:
    """Yearly cost of time a process adds: hours per week × working weeks × loaded rate.

    `hours_per_week` is a department's total (an impact assessment's figure, already
    summed over the people affected), so it is not multiplied by the headcount again.
    """
    return hours_per_week * weeks * hourly_rate


def user_time_yearly(
    users: int,
    minutes_per_week: Decimal,
    hourly_rate: Decimal,
    weeks: Decimal = WORKING_WEEKS_PER_YEAR,
) -> Decimal:
    """Yearly value of end users' time: users × minutes per week ÷ 60 × weeks × loaded rate.

    A cost when the measure adds the minutes (MFA prompts), a benefit when it saves them
    (password resets no longer needed); the caller decides which side it goes on.
    """
    return Decimal(users) * minutes_per_week / MINUTES_PER_HOUR * weeks * hourly_rate


# --- Cost and return -------------------------------------------------------------------


def total_cost_of_ownership(one_off: Decimal, yearly: Decimal, horizon_years: int) -> Decimal:
    """TCO over the horizon: one-off costs + yearly costs × horizon (undiscounted)."""
    return one_off + yearly * horizon_years


def annual_cost(one_off: Decimal, yearly: Decimal, horizon_years: int) -> Figure:
    """Annualised cost of ownership: TCO ÷ horizon (one-off costs spread over the years)."""
    if horizon_years < 1:
        return NotMeaningful("The horizon must be at least one year.")
    return total_cost_of_ownership(one_off, yearly, horizon_years) / horizon_years


def rosi(yearly_benefit: Decimal, yearly_cost: Figure) -> Figure:
    """Return on security investment: ROSI = (yearly benefit − yearly cost) ÷ yearly cost.

    The yearly benefit is the yearly risk reduction (ΣALE_before − ΣALE_after) plus any
    other yearly benefit; the yearly cost is the annualised cost of ownership. A ratio:
    0.5 means every unit spent returns 1.5. Without a positive benefit it is −1 (−100 %:
    all that is spent is lost) or below (a measure that makes things worse loses more
    than it costs): a loss is a figure too, and hiding it would flatter the case. Not
    meaningful only without a cost (a division by zero: nothing is spent to return on).
    """
    if not isinstance(yearly_cost, Decimal):
        return yearly_cost
    if yearly_cost <= ZERO:
        return NotMeaningful("Nothing is spent, so there is no return on it to compare.")
    return (yearly_benefit - yearly_cost) / yearly_cost


def payback_months(one_off: Decimal, yearly_benefit: Decimal, yearly_cost: Decimal) -> Figure:
    """Payback period in months: one-off cost ÷ (yearly benefit − yearly running cost) × 12.

    The months until the yearly net gain has repaid the initial spend. Zero when there is
    no one-off spend and the net gain is positive; not meaningful when the net gain is
    not positive (it never pays back) or the payback lies more than MAX_PAYBACK_YEARS away.
    """
    if yearly_benefit <= ZERO:
        return NotMeaningful("No benefit is stated, so it never pays back.")
    net = yearly_benefit - yearly_cost
    if net <= ZERO:
        return NotMeaningful("Yearly costs exceed yearly benefits, so it never pays back.")
    months = one_off / net * MONTHS_PER_YEAR
    if months > MAX_PAYBACK_YEARS * MONTHS_PER_YEAR:
        # A net gain of a fraction of a cent would give a number of months with more
        # digits than can be shown; past a century it is "never" for any decision.
        return NotMeaningful(f"It would take more than {MAX_PAYBACK_YEARS} years to pay back.")
    return months


def npv(one_off: Decimal, yearly_net: Decimal, horizon_years: int, rate: Decimal) -> Figure:
    """Net present value: NPV = −I + Σ_{t=1..H} N ÷ (1 + r)^t.

    I is the one-off cost, spent now (t = 0); N the yearly net gain (yearly benefit −
    yearly running cost), at the end of each year t; H the horizon in years; r the
    discount rate as a fraction (8 % → 0.08). At r = 0 it is the undiscounted sum
    −I + H × N. Not meaningful for a horizon under one year or a rate of −100 % or less.
    """
    if horizon_years < 1:
        return NotMeaningful("The horizon must be at least one year.")
    if rate <= -ONE:
        return NotMeaningful("A discount rate of −100 % or less has no meaning.")
    factor = ONE + rate
    present = sum((yearly_net / factor**year for year in range(1, horizon_years + 1)), ZERO)
    return present - one_off


# --- A whole case ----------------------------------------------------------------------


class Estimate(StrEnum):
    """Which end of each low / likely / high range a set of figures takes."""

    PESSIMISTIC = "pessimistic"
    LIKELY = "likely"
    OPTIMISTIC = "optimistic"


@dataclass(frozen=True)
class Range:
    """A low / likely / high estimate; a missing end is the likely value."""

    likely: Decimal
    low: Decimal | None = None
    high: Decimal | None = None

    def lowest(self) -> Decimal:
        return self.likely if self.low is None else self.low

    def highest(self) -> Decimal:
        return self.likely if self.high is None else self.high


@dataclass(frozen=True)
class Scenario:
    """A risk scenario's inputs: SLE and ARO before/after as ranges, an optional SLE after."""

    sle: Range
    aro_before: Range
    aro_after: Range
    sle_after: Decimal | None = None

    def risk_reduction(self, estimate: Estimate = Estimate.LIKELY) -> Decimal:
        """The scenario's yearly risk reduction under one estimate.

        Likely takes the likely values. Pessimistic takes the ends that make the measure
        look worst: low ARO before, high ARO after, and whichever SLE end gives the lower
        reduction (the low SLE, unless the measure makes things worse: then the high one);
        optimistic the opposite. SLE after, given for the likely SLE, scales with the SLE:
        SLE_after_set = SLE_after × SLE_set ÷ SLE_likely.
        """
        if estimate is Estimate.LIKELY:
            return self._reduction(self.sle.likely, self.aro_before.likely, self.aro_after.likely)
        if estimate is Estimate.PESSIMISTIC:
            before, after, pick = self.aro_before.lowest(), self.aro_after.highest(), min
        else:
            before, after, pick = self.aro_before.highest(), self.aro_after.lowest(), max
        # Linear in the SLE, so the extreme lies at one end of its range.
        return pick(
            self._reduction(sle, before, after) for sle in (self.sle.lowest(), self.sle.highest())
        )

    def _reduction(self, sle: Decimal, aro_before: Decimal, aro_after: Decimal) -> Decimal:
        sle_after = self.sle_after
        if sle_after is not None and self.sle.likely > ZERO:
            sle_after = sle_after * sle / self.sle.likely
        return scenario_risk_reduction(sle, aro_before, aro_after, sle_after)


@dataclass(frozen=True)
class CaseInputs:
    """Everything a case's figures depend on, already summed by kind.

    `yearly_cost` includes people-time and end-user time added; `other_yearly_benefit`
    includes benefit lines and end-user time saved. `discount_rate` is a fraction.
    """

    one_off_cost: Decimal
    yearly_cost: Decimal
    other_yearly_benefit: Decimal
    scenarios: Sequence[Scenario]
    horizon_years: int
    discount_rate: Decimal


@dataclass(frozen=True)
class CaseFigures:
    one_off_cost: Decimal
    yearly_cost: Decimal
    total_cost_of_ownership: Decimal
    annual_cost: Figure
    yearly_risk_reduction: Decimal
    yearly_benefit: Decimal
    yearly_net: Decimal
    rosi: Figure
    payback_months: Figure
    npv: Figure
    pays_back_within_horizon: bool = field(default=False)


def case_figures(inputs: CaseInputs, estimate: Estimate = Estimate.LIKELY) -> CaseFigures:
    """All figures of a case under one estimate, each from the formulas above:

    risk reduction = Σ scenario risk reductions; yearly benefit = risk reduction + other
    yearly benefits; yearly net = yearly benefit − yearly cost; TCO, annual cost, ROSI
    (on the annual cost), payback (on the one-off cost and the yearly net) and NPV.
    """
    reduction = sum((s.risk_reduction(estimate) for s in inputs.scenarios), ZERO)
    benefit = reduction + inputs.other_yearly_benefit
    net = benefit - inputs.yearly_cost
    cost_per_year = annual_cost(inputs.one_off_cost, inputs.yearly_cost, inputs.horizon_years)
    payback = payback_months(inputs.one_off_cost, benefit, inputs.yearly_cost)
    within = isinstance(payback, Decimal) and payback <= inputs.horizon_years * MONTHS_PER_YEAR
    return CaseFigures(
        one_off_cost=inputs.one_off_cost,
        yearly_cost=inputs.yearly_cost,
        total_cost_of_ownership=total_cost_of_ownership(
            inputs.one_off_cost, inputs.yearly_cost, inputs.horizon_years
        ),
        annual_cost=cost_per_year,
        yearly_risk_reduction=reduction,
        yearly_benefit=benefit,
        yearly_net=net,
        rosi=rosi(benefit, cost_per_year),
        payback_months=payback,
        npv=npv(inputs.one_off_cost, net, inputs.horizon_years, inputs.discount_rate),
        pays_back_within_horizon=within,
    )


def sensitivity(inputs: CaseInputs) -> dict[Estimate, CaseFigures]:
    """The case's figures for the pessimistic, likely and optimistic sets, in that order."""
    return {estimate: case_figures(inputs, estimate) for estimate in Estimate}


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Σ amounts, as a Decimal even when there are none."""
    return sum(amounts, ZERO)
