"""The Monte Carlo of a case's figures (simulation.py) and the partial that shows it.

Expected values come from the PERT distribution's closed form, mean = (low + 4 × likely +
high) ÷ 6, and from the deterministic figures of finance.py, not from the code under test.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pytest
from django.template.loader import render_to_string
from hypothesis import given, settings
from pypdf import PdfReader

from business_cases import finance, simulation
from business_cases.finance import CaseInputs, Estimate, NotMeaningful, Range, Scenario
from business_cases.models.fields import MAX_ARO, MAX_LINES, MAX_MONEY
from business_cases.simulation import Simulation, simulate
from business_cases.templatetags.business_case_tags import money, percent
from tests.business_cases.test_finance import case_inputs, sso_case

D = Decimal
CENT = D("0.01")


def pert_mean(value: Range) -> Decimal:
    return (value.lowest() + 4 * value.likely + value.highest()) / 6


def ranged_case() -> CaseInputs:
    """The SSO case with skewed ranges on every input, and a second scenario with SLE after."""
    takeover = Scenario(
        sle=Range(likely=D(200000), low=D(100000), high=D(500000)),
        aro_before=Range(likely=D("0.3"), low=D("0.2"), high=D("0.6")),
        aro_after=Range(likely=D("0.05"), low=D("0.02"), high=D("0.1")),
    )
    ransomware = Scenario(
        sle=Range(likely=D(80000), low=D(40000), high=D(120000)),
        aro_before=Range(likely=D(1), low=D("0.5"), high=D(3)),
        aro_after=Range(likely=D("0.8")),
        sle_after=D(20000),
    )
    # A one-off of 300,000 (not the SSO case's 30,000): paying back within 3 years then
    # needs a yearly net of 100,000, which some draws reach and some do not.
    return sso_case(one_off_cost=D(300000), scenarios=[takeover, ransomware])


def all_figures(sim: Simulation) -> list[finance.Figure]:
    return [
        *sim.risk_reduction,
        *sim.rosi,
        *sim.npv,
        sim.mean_risk_reduction,
        sim.payback_probability,
    ]


# --- the distribution ---------------------------------------------------------------------


def test_pert_draws_stay_in_the_range_and_centre_on_the_pert_mean() -> None:
    value = Range(likely=D(10), low=D(2), high=D(40))
    draws = simulation.pert(np.random.default_rng(1), value, 10_000)
    assert draws.min() >= 2 and draws.max() <= 40
    # PERT mean (2 + 40 + 40) ÷ 6 = 13.67; its standard deviation is about 6.8, so the
    # mean of 10,000 draws has a standard error of 0.07: 1 % (0.14) is two of them.
    assert float(draws.mean()) == pytest.approx(82 / 6, rel=0.01)


def test_a_zero_width_range_is_its_value_in_every_draw() -> None:
    draws = simulation.pert(np.random.default_rng(1), Range(D("0.3")), 100)
    assert (draws == 0.3).all()


def test_the_mean_risk_reduction_converges_to_the_pert_expectation() -> None:
    inputs = ranged_case()
    # Independent draws: E[SLE × ARO] = E[SLE] × E[ARO]. SLE after scales with the SLE,
    # so E[SLE_after × SLE ÷ SLE_likely] = SLE_after × E[SLE] ÷ SLE_likely.
    expected = D(0)
    for s in inputs.scenarios:
        sle = pert_mean(s.sle)
        sle_after = sle if s.sle_after is None else s.sle_after * sle / s.sle.likely
        expected += sle * pert_mean(s.aro_before) - sle_after * pert_mean(s.aro_after)
    sim = simulate(inputs)
    assert isinstance(sim.mean_risk_reduction, Decimal)
    # The reduction's spread is about half its mean here, so the mean of 10,000 trials has
    # a standard error of about 0.5 % of it: 2 % is four standard errors.
    assert abs(sim.mean_risk_reduction - expected) <= expected * D("0.02")


def test_the_spread_lies_between_the_pessimistic_and_optimistic_sets() -> None:
    inputs = ranged_case()
    sets = finance.sensitivity(inputs)
    sim = simulate(inputs)
    low = sets[Estimate.PESSIMISTIC].yearly_risk_reduction
    high = sets[Estimate.OPTIMISTIC].yearly_risk_reduction
    p10, p50, p90 = sim.risk_reduction
    assert low < p10 < p50 < p90 < high  # type: ignore[operator]
    assert sim.rosi.p10 < sim.rosi.p50 < sim.rosi.p90  # type: ignore[operator]
    assert sim.npv.p10 < sim.npv.p50 < sim.npv.p90  # type: ignore[operator]
    assert D(0) < sim.payback_probability < D(1)  # type: ignore[operator]


def test_a_case_that_pays_back_exactly_at_its_median_does_so_in_half_the_trials() -> None:
    p50 = simulate(ranged_case()).risk_reduction.p50
    assert isinstance(p50, Decimal)
    # Payback within 3 years ⇔ one-off ≤ 3 × yearly net; the draws do not depend on the
    # one-off, so with one-off = 3 × the median trial's net half the trials pay back.
    one_off = 3 * (p50 + D(2000) - D(18900))
    inputs = CaseInputs(**{**ranged_case().__dict__, "one_off_cost": one_off})
    assert abs(simulate(inputs).payback_probability - D("0.5")) <= D("0.001")  # type: ignore[operator]


# --- zero width, seeds, no scenarios ----------------------------------------------------


def test_zero_width_ranges_give_the_deterministic_figures_exactly() -> None:
    inputs = sso_case()  # every range a single value
    figures = finance.case_figures(inputs)
    sim = simulate(inputs)
    for name, spread in (
        ("yearly_risk_reduction", sim.risk_reduction),
        ("npv", sim.npv),
    ):
        expected = finance.rounded(getattr(figures, name), CENT)
        assert list(spread) == [expected] * 3, name
    assert list(sim.rosi) == [finance.rounded(figures.rosi, D("0.0001"))] * 3
    assert sim.npv.p50 == D("52314.80")  # the worked example of test_finance
    assert sim.mean_risk_reduction == D("50000.00")
    assert sim.payback_probability == D(1)  # it pays back in 10.9 months, every time


@settings(max_examples=40, deadline=None)
@given(inputs=case_inputs())
def test_zero_width_ranges_give_the_deterministic_figures_for_any_case(inputs: CaseInputs) -> None:
    fixed = CaseInputs(
        **{
            **inputs.__dict__,
            "scenarios": [
                Scenario(Range(s.sle.likely), Range(s.aro_before.likely), Range(s.aro_after.likely))
                for s in inputs.scenarios
            ],
        }
    )
    figures = finance.case_figures(fixed)
    sim = simulate(fixed, trials=50)
    assert list(sim.npv) == [finance.rounded(figures.npv, CENT)] * 3
    assert list(sim.risk_reduction) == [finance.rounded(figures.yearly_risk_reduction, CENT)] * 3
    assert sim.payback_probability == (D(1) if figures.pays_back_within_horizon else D(0))


def test_the_same_seed_gives_the_same_result_and_another_seed_another() -> None:
    inputs = ranged_case()
    first = simulate(inputs)
    assert simulate(inputs) == first
    assert first.seed == simulation.SEED and first.trials == simulation.TRIALS == 10_000
    other = simulate(inputs, seed=simulation.SEED + 1)
    assert other.risk_reduction.p50 != first.risk_reduction.p50


def test_a_case_without_scenarios_simulates_its_other_benefits() -> None:
    sim = simulate(sso_case(scenarios=[]))
    figures = finance.case_figures(sso_case(scenarios=[]))
    assert list(sim.risk_reduction) == [D("0.00")] * 3
    assert sim.mean_risk_reduction == D("0.00")
    assert list(sim.npv) == [finance.rounded(figures.npv, CENT)] * 3
    assert sim.payback_probability == D(0)  # 2,000 a year against 18,900 never pays back
    assert not sim.has_loss_curve and sim.exceedance_before == ()


def test_an_empty_case_gives_a_simulation_not_an_error() -> None:
    empty = sso_case(one_off_cost=D(0), yearly_cost=D(0), other_yearly_benefit=D(0), scenarios=[])
    sim = simulate(empty)
    assert isinstance(sim.rosi.p50, NotMeaningful)  # nothing spent
    assert sim.payback_probability == D(0)  # nothing gained: it never pays back
    assert "Pays back within 3 years in 0 % of" in render_partial(sim)
    # Nothing spent and 2,000 a year gained: it pays back at once, in every trial.
    free = simulate(sso_case(one_off_cost=D(0), yearly_cost=D(0), scenarios=[]))
    assert free.payback_probability == D(1)


# --- the loss-exceedance curves -----------------------------------------------------------


def test_the_measure_lowers_the_chance_of_every_yearly_loss() -> None:
    sim = simulate(ranged_case())
    assert sim.has_loss_curve
    assert list(sim.loss_thresholds) == sorted(sim.loss_thresholds)
    for shares in (sim.exceedance_before, sim.exceedance_after):
        assert all(0 <= p <= 1 for p in shares)
        assert list(shares) == sorted(shares, reverse=True)
    assert all(a <= b for a, b in zip(sim.exceedance_after, sim.exceedance_before, strict=True))
    # ARO 0.3 before (roughly 0.37 with the range) against 0.05 after: the chance of any
    # account takeover in a year is 1 − e^(−ARO), about 30 % before, 5 % after; with the
    # ransomware (ARO ~1.25 → 0.8) most years lose something before.
    assert sim.exceedance_before[0] > 0.6


def test_scenarios_that_cannot_lose_give_no_curve() -> None:
    nothing = Scenario(sle=Range(D(0)), aro_before=Range(D(1)), aro_after=Range(D(0)))
    never = Scenario(sle=Range(D(1000)), aro_before=Range(D(0)), aro_after=Range(D(0)))
    sim = simulate(sso_case(scenarios=[nothing, never]))
    assert not sim.has_loss_curve
    assert list(sim.risk_reduction) == [D("0.00")] * 3


# --- hostile inputs -----------------------------------------------------------------------


def test_inputs_at_the_model_maxima_give_numbers() -> None:
    huge = Scenario(
        sle=Range(likely=MAX_MONEY, low=D(0), high=MAX_MONEY),
        aro_before=Range(likely=MAX_ARO, low=D(0), high=MAX_ARO),
        aro_after=Range(likely=D(0), high=MAX_ARO),
        sle_after=MAX_MONEY,
    )
    inputs = sso_case(
        one_off_cost=MAX_MONEY * MAX_LINES,
        yearly_cost=D("0.01"),
        scenarios=[huge] * MAX_LINES,
        horizon_years=10,
    )
    sim = simulate(inputs, trials=500)
    for value in all_figures(sim):
        assert isinstance(value, Decimal) and value.is_finite(), value
    assert sim.has_loss_curve


def test_far_out_of_range_inputs_are_out_of_range_not_nan() -> None:
    absurd = Scenario(sle=Range(D("1e40")), aro_before=Range(D(1)), aro_after=Range(D(0)))
    nan = Scenario(sle=Range(D("NaN")), aro_before=Range(D(1)), aro_after=Range(D(0)))
    for scenario in (absurd, nan):
        sim = simulate(sso_case(scenarios=[scenario]), trials=100)
        assert all(isinstance(v, finance.OutOfRange) for v in all_figures(sim))
        page = render_partial(sim)
        assert not re.search(r"\b(nan|inf|infinity)\b", page, re.IGNORECASE)
        assert "out of range" in page


def test_ends_stored_in_the_wrong_order_are_put_in_order() -> None:
    crossed = Scenario(
        sle=Range(likely=D(1000), low=D(5000), high=D(10)),
        aro_before=Range(likely=D(1), low=D(2)),
        aro_after=Range(likely=D(0)),
    )
    sim = simulate(sso_case(scenarios=[crossed]), trials=1000)
    assert D(10) <= sim.risk_reduction.p10 <= sim.risk_reduction.p90 <= D(10000)  # type: ignore[operator]


@settings(max_examples=60, deadline=None)
@given(inputs=case_inputs())
def test_any_case_gives_ordered_finite_figures(inputs: CaseInputs) -> None:
    sim = simulate(inputs, trials=101)
    for value in all_figures(sim):
        assert isinstance(value, Decimal | NotMeaningful)
        if isinstance(value, Decimal):
            assert value.is_finite()
    for spread in (sim.risk_reduction, sim.rosi, sim.npv):
        if all(isinstance(v, Decimal) for v in spread):
            assert spread.p10 <= spread.p50 <= spread.p90  # type: ignore[operator]
    sets = finance.sensitivity(inputs)
    assert sets[Estimate.PESSIMISTIC].yearly_risk_reduction - CENT <= sim.risk_reduction.p10  # type: ignore[operator]
    assert sim.risk_reduction.p90 <= sets[Estimate.OPTIMISTIC].yearly_risk_reduction + CENT  # type: ignore[operator]


# --- the partial --------------------------------------------------------------------------


def render_partial(sim: Simulation, currency: str = "EUR") -> str:
    return render_to_string(
        "business_cases/_uncertainty.html",
        {"case": SimpleNamespace(currency=currency), "simulation": sim},
    )


def test_the_partial_shows_the_spread_the_chance_of_paying_back_and_the_chart() -> None:
    sim = simulate(ranged_case())
    page = render_partial(sim)
    assert re.search(r"<th[^>]*>P10</th><th[^>]*>P50</th><th[^>]*>P90</th>", page)
    for value in (*sim.risk_reduction, *sim.npv):
        assert money(value, "EUR") in page
    for value in sim.rosi:
        assert percent(value) in page
    shown = round(sim.payback_probability * 100)  # type: ignore[operator]
    assert f"Pays back within 3 years in {shown} % of 10,000 simulations." in page
    assert "PERT" in page and "fixed seed" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title>Loss exceedance over 10,000 simulated years" in svg
    assert svg.count("<polyline") == 2 and "Yearly loss, EUR (log scale)" in svg
    assert "style=" not in page


def test_the_partial_of_a_case_without_scenarios_says_there_is_nothing_to_chart() -> None:
    page = render_partial(simulate(sso_case(scenarios=[])))
    assert "No scenario with a loss to chart." in page
    assert "Pays back within 3 years in 0 % of 10,000 simulations." in page
    assert "style=" not in page


def test_the_chance_of_paying_back_says_neither_never_nor_always_when_it_is_neither() -> None:
    sim = simulate(ranged_case())
    rare = Simulation(**{**sim.__dict__, "payback_probability": D("0.0003")})
    assert "in under 1 % of" in render_partial(rare)
    nearly = Simulation(**{**sim.__dict__, "payback_probability": D("0.9991")})
    assert "in over 99 % of" in render_partial(nearly)


def test_the_partial_renders_in_a_pdf() -> None:
    from weasyprint import HTML

    page = render_partial(simulate(ranged_case()))
    pdf = HTML(string=f"<html><body>{page}</body></html>").write_pdf()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "P50" in text and "Yearly loss, EUR (log scale)" in text
