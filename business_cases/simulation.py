"""Quantified uncertainty: a Monte Carlo of a case's figures over its low / likely / high ranges.

The pessimistic / likely / optimistic columns say how far the figures can go; this says
how likely each is. Every range a scenario gives (SLE, ARO before, ARO after; a missing
end is the likely value) is read as a calibrated estimate and drawn from, `trials` times,
and the figures of each trial come from the finance module's own formulas.

Why beta-PERT (λ = 4). The ranges are three-point estimates: a lowest, a most likely and
a highest value, which is what people asked for an estimate can give. The PERT
distribution is the one built for exactly that: it is bounded by the low and high ends
(a loss never drawn beyond what its estimator thought possible), peaks at the likely
value, and its mean (low + 4 × likely + high) ÷ 6 weighs the likely value most — see Vose,
"Risk Analysis: A Quantitative Guide", 3rd ed., Wiley, 2008, on the PERT distribution in
eliciting expert opinion (and its compendium of distributions). With a = low, m = likely,
b = high: X = a + (b − a) × Beta(α, β), α = 1 + λ(m − a) ÷ (b − a), β = 1 + λ(b − m) ÷ (b − a).
Not the lognormal that some cyber-risk methods use: it is fitted to a 90 % interval and has
no mode, so it would ignore the likely value the case states, and it is unbounded above, so
it would draw losses larger than any end of the range given. A zero-width range
(low = likely = high) is that value in every trial, exactly.

One trial, with the SLE and ARO values drawn independently for each scenario:
  risk reduction = Σ (SLE × ARO_before − SLE_after × ARO_after), SLE_after scaled with
  the drawn SLE as finance.Scenario does (SLE_after × SLE_drawn ÷ SLE_likely);
  yearly benefit = risk reduction + other yearly benefits; ROSI on the annual cost, NPV
  (−one-off + Σ net ÷ (1 + r)^t) and payback within the horizon as finance computes them.
ROSI and NPV rise with the risk reduction (everything else in a trial is fixed), so their
P10 / P50 / P90 are the figures of the trials at the P10 / P50 / P90 of the risk
reduction. Those trials are recomputed with finance.case_figures on Decimal inputs, so a
case whose every range has zero width shows exactly its deterministic figures. Whether a
trial pays back within the horizon rises with the risk reduction too: the share of
trials that do is found by a bisection over the trials in order, each step asking finance.

Loss exceedance. A yearly loss is simulated per trial: for each scenario a number of
events ~ Poisson(ARO drawn), each costing the SLE drawn for that trial (SLE_after, scaled,
with the measure), summed over scenarios. The curves give, for amounts spread evenly on a
log scale up to the 99.5th percentile of the larger of the two losses,
the share of trials whose yearly loss is above each amount: before and after the measure.
The amounts start at half the smallest losses (their 1st percentile), at most three
decades and at least one below the top.

Fixed seed: the page, the PDF and the decision screen draw the same numbers, so they agree.
All draws are vectorised over the trials, one scenario at a time: 10,000 trials of a case
with a few scenarios take a few milliseconds. Figures too large for floating point (only
inputs stored far outside their ranges) come back as finance.OutOfRange, never NaN.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from business_cases import finance
from business_cases.finance import CaseInputs, Figure, Range, Scenario

TRIALS = 10_000
SEED = 20_160_916  # any fixed number: what matters is that every render uses the same
LAMBDA = 4  # PERT's weight on the likely value: the classic (a + 4m + b) ÷ 6 mean
PERCENTILES = (Decimal("0.10"), Decimal("0.50"), Decimal("0.90"))
CURVE_POINTS = 41
CURVE_DECADES = 3
CURVE_TOP_QUANTILE = 0.995
# Any input beyond this is far outside every model range (10^12 at most): float sums of
# such numbers are not to be trusted, so the simulation says "out of range" instead.
FLOAT_LIMIT = 1e30
# numpy refuses Poisson rates above ~10^19; a stored ARO is at most 365 (daily).
MAX_POISSON_RATE = 1e9
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Spread:
    """One figure's P10, P50 and P90 over the trials: 90 % of trials reach at least P10,
    half reach P50, 10 % reach P90."""

    p10: Figure
    p50: Figure
    p90: Figure

    def __iter__(self) -> Iterator[Figure]:
        return iter((self.p10, self.p50, self.p90))


@dataclass(frozen=True)
class Simulation:
    """A case's figures over `trials` draws of its ranges (see the module docstring).

    Money to the cent, ROSI (a ratio) and the payback probability (0 to 1) to 4 places.
    `loss_thresholds` are yearly losses in the case's currency; `exceedance_before` and
    `exceedance_after` the share of trials (0 to 1) whose yearly loss is above each, before
    and after the measure. All three are empty when no scenario can lose anything.
    """

    trials: int
    seed: int
    horizon_years: int
    risk_reduction: Spread
    rosi: Spread
    npv: Spread
    mean_risk_reduction: Figure
    payback_probability: Figure
    loss_thresholds: tuple[Decimal, ...] = ()
    exceedance_before: tuple[float, ...] = ()
    exceedance_after: tuple[float, ...] = ()

    @property
    def has_loss_curve(self) -> bool:
        return bool(self.loss_thresholds)


@dataclass(frozen=True)
class _Draws:
    """Per scenario the drawn (SLE, ARO before, ARO after), None for a zero-width range;
    per trial the risk reduction and the yearly losses before and after."""

    samples: list[tuple[Floats | None, Floats | None, Floats | None]]
    reduction: Floats
    loss_before: Floats
    loss_after: Floats


def simulate(inputs: CaseInputs, *, trials: int = TRIALS, seed: int = SEED) -> Simulation:
    """The case's figures over `trials` draws of its ranges, from a generator seeded `seed`."""
    trials = max(int(trials), 1)
    draws = _draw(inputs.scenarios, trials, seed)
    if draws is None:
        return _out_of_range(inputs, trials, seed)
    order = np.argsort(draws.reduction, kind="stable")

    def figures_at(position: int) -> finance.CaseFigures:
        return _trial_figures(inputs, draws, int(order[position]))

    # The inverted empirical distribution: the P-th percentile is a trial's own value.
    at = [figures_at(math.ceil(q * trials) - 1) for q in PERCENTILES]
    if np.ptp(draws.reduction) == 0:
        mean: Figure = at[1].yearly_risk_reduction  # every trial alike: exactly it
    else:
        mean = Decimal(repr(float(np.mean(draws.reduction))))
    thresholds, before, after = _exceedance(draws.loss_before, draws.loss_after)
    return Simulation(
        trials=trials,
        seed=seed,
        horizon_years=inputs.horizon_years,
        risk_reduction=Spread(*(finance.rounded(f.yearly_risk_reduction, CENT) for f in at)),
        rosi=Spread(*(finance.rounded(f.rosi, RATIO) for f in at)),
        npv=Spread(*(finance.rounded(f.npv, CENT) for f in at)),
        mean_risk_reduction=finance.rounded(mean, CENT),
        payback_probability=finance.rounded(
            Decimal(trials - _first_paying(figures_at, trials)) / trials, RATIO
        ),
        loss_thresholds=thresholds,
        exceedance_before=before,
        exceedance_after=after,
    )


def pert(rng: np.random.Generator, value: Range, size: int) -> Floats:
    """`size` draws of a beta-PERT over the range (λ = LAMBDA); a zero-width range is its
    value in every draw. Ends given in the wrong order are put in order."""
    low, likely, high = sorted(float(v) for v in (value.lowest(), value.likely, value.highest()))
    likely = min(max(float(value.likely), low), high)
    if high == low:
        return np.full(size, low)
    width = high - low
    alpha = 1 + LAMBDA * (likely - low) / width
    beta = 1 + LAMBDA * (high - likely) / width
    # Clipped: low + width × 1 may land an ulp past high in floating point.
    return np.clip(low + width * rng.beta(alpha, beta, size), low, high)


def _fixed(value: Range) -> bool:
    return value.lowest() == value.likely == value.highest()


def _finite(scenarios: Sequence[Scenario]) -> bool:
    numbers = [
        v
        for s in scenarios
        for r in (s.sle, s.aro_before, s.aro_after)
        for v in (r.lowest(), r.likely, r.highest())
    ] + [s.sle_after for s in scenarios if s.sle_after is not None]
    return all(v.is_finite() and abs(v) <= Decimal(FLOAT_LIMIT) for v in numbers)


def _draw(scenarios: Sequence[Scenario], trials: int, seed: int) -> _Draws | None:
    """Every scenario's draws and the per-trial sums; None if a number is too large."""
    if not _finite(scenarios):
        return None
    # Two streams: the ranges' draws do not shift when the event draws change, and back.
    ranges_seed, events_seed = np.random.SeedSequence(seed).spawn(2)
    ranges, events = np.random.default_rng(ranges_seed), np.random.default_rng(events_seed)
    reduction, loss_before, loss_after = (np.zeros(trials) for _ in range(3))
    samples: list[tuple[Floats | None, Floats | None, Floats | None]] = []
    for s in scenarios:
        sle, before, after = (pert(ranges, r, trials) for r in (s.sle, s.aro_before, s.aro_after))
        likely_sle = float(s.sle.likely)
        if s.sle_after is None:
            sle_after = sle
        elif likely_sle > 0:
            sle_after = float(s.sle_after) * sle / likely_sle
        else:
            sle_after = np.full(trials, float(s.sle_after))
        reduction += sle * before - sle_after * after
        loss_before += _events(events, before) * np.maximum(sle, 0)
        loss_after += _events(events, after) * np.maximum(sle_after, 0)
        samples.append(
            (
                None if _fixed(s.sle) else sle,
                None if _fixed(s.aro_before) else before,
                None if _fixed(s.aro_after) else after,
            )
        )
    if not all(np.isfinite(a).all() for a in (reduction, loss_before, loss_after)):
        return None
    return _Draws(samples, reduction, loss_before, loss_after)


def _events(rng: np.random.Generator, rates: Floats) -> Floats:
    """Occurrences in one year per trial, ~ Poisson(ARO drawn)."""
    return rng.poisson(np.clip(rates, 0, MAX_POISSON_RATE)).astype(np.float64)


def _trial_figures(inputs: CaseInputs, draws: _Draws, trial: int) -> finance.CaseFigures:
    """The figures of one trial, by finance's Decimal formulas on that trial's draws.

    A zero-width range keeps its Decimal value, so a trial of a case without spread is the
    case itself. SLE after is scaled to the drawn SLE here, as finance does for a set.
    """
    scenarios = []
    for s, (sle_draws, before_draws, after_draws) in zip(
        inputs.scenarios, draws.samples, strict=True
    ):
        sle = _value(s.sle, sle_draws, trial)
        sle_after = s.sle_after
        if sle_after is not None and sle != s.sle.likely and s.sle.likely > 0:
            sle_after = sle_after * sle / s.sle.likely
        scenarios.append(
            Scenario(
                sle=Range(sle),
                aro_before=Range(_value(s.aro_before, before_draws, trial)),
                aro_after=Range(_value(s.aro_after, after_draws, trial)),
                sle_after=sle_after,
            )
        )
    return finance.case_figures(dataclasses.replace(inputs, scenarios=scenarios))


def _value(value: Range, drawn: Floats | None, trial: int) -> Decimal:
    return value.likely if drawn is None else Decimal(repr(float(drawn[trial])))


def _first_paying(figures_at: Callable[[int], finance.CaseFigures], trials: int) -> int:
    """The first position, in order of risk reduction, of a trial that pays back within the
    horizon (`trials` if none does): a bisection, as paying back rises with the reduction."""
    low, high = 0, trials
    while low < high:
        middle = (low + high) // 2
        if figures_at(middle).pays_back_within_horizon:
            high = middle
        else:
            low = middle + 1
    return low


def _exceedance(
    before: Floats, after: Floats
) -> tuple[tuple[Decimal, ...], tuple[float, ...], tuple[float, ...]]:
    """Amounts on a log scale up to the losses' 99.5th percentile, and the share of trials
    above each, before and after; all empty when neither loses anything."""
    top = max(
        float(np.quantile(before, CURVE_TOP_QUANTILE)),
        float(np.quantile(after, CURVE_TOP_QUANTILE)),
    )
    if top <= 0:  # losses rarer than one trial in 200: the largest instead
        top = max(float(before.max()), float(after.max()))
    if top <= 0:
        return (), (), ()
    # Start a little below the smallest losses (half their 1st percentile), so the curve
    # does not spend decades flat at the chance of any loss; at least one decade shown.
    losses = np.concatenate([before[before > 0], after[after > 0]])
    start = 0.5 * float(np.quantile(losses, 0.01))
    amounts = np.geomspace(max(top / 10**CURVE_DECADES, min(start, top / 10)), top, CURVE_POINTS)
    thresholds = tuple(
        dict.fromkeys(Decimal(repr(float(x))).quantize(CENT) for x in amounts if x >= 0.01)
    )
    if not thresholds:
        return (), (), ()
    points = np.array([float(t) for t in thresholds])
    return thresholds, _share_above(before, points), _share_above(after, points)


def _share_above(losses: Floats, points: Floats) -> tuple[float, ...]:
    ordered = np.sort(losses)
    above = len(ordered) - np.searchsorted(ordered, points, side="right")
    return tuple(round(float(share), 4) for share in above / len(ordered))


def _out_of_range(inputs: CaseInputs, trials: int, seed: int) -> Simulation:
    nothing = Spread(finance.OutOfRange(), finance.OutOfRange(), finance.OutOfRange())
    return Simulation(
        trials=trials,
        seed=seed,
        horizon_years=inputs.horizon_years,
        risk_reduction=nothing,
        rosi=nothing,
        npv=nothing,
        mean_risk_reduction=finance.OutOfRange(),
        payback_probability=finance.OutOfRange(),
    )
