"""The finance module's NPV and payback against numpy-financial, an independent reference.

numpy-financial's `npv(rate, values)` discounts values[t] by (1 + rate)^t with values[0]
undiscounted: exactly finance.npv's cash flows (−one-off now, the yearly net at the end of
each year). numpy-financial has no payback function, so the payback is read off the
cumulative cash flows, as an analyst would: the last year still below zero, plus the
fraction of the next year's net that closes the gap.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from business_cases import finance
from tests.business_cases.test_finance import sso_case

D = Decimal
CENT = 0.01


def cash_flows(one_off: float, net: float, horizon: int) -> list[float]:
    return [-one_off] + [net] * horizon


def payback_years_from_cumulative(flows: list[float]) -> float | None:
    """The year the cumulative cash flow reaches zero, interpolated within that year; None
    if it never does within the flows."""
    cumulative = np.cumsum(flows)
    if cumulative[0] >= 0:
        return 0.0
    for year in range(1, len(flows)):
        if cumulative[year] >= 0:
            return year - 1 + float(-cumulative[year - 1] / flows[year])
    return None


@pytest.mark.parametrize("rate", ["0", "0.03", "0.08", "0.10", "0.25", "1"])
@pytest.mark.parametrize("horizon", [1, 3, 5, 10])
@pytest.mark.parametrize(("one_off", "net"), [(30000, 33100), (250000, 40000), (0, -12500)])
def test_npv_matches_numpy_financial(rate: str, horizon: int, one_off: int, net: int) -> None:
    ours = finance.npv(D(one_off), D(net), horizon, D(rate))
    reference = npf.npv(float(rate), cash_flows(one_off, net, horizon))
    assert isinstance(ours, Decimal)
    assert abs(float(ours) - reference) < CENT


@given(
    one_off=st.integers(min_value=0, max_value=10**9),
    net=st.integers(min_value=-(10**8), max_value=10**8),
    horizon=st.integers(min_value=1, max_value=10),
    rate=st.decimals(min_value=0, max_value=1, places=4),
)
def test_npv_matches_numpy_financial_for_any_flows(
    one_off: int, net: int, horizon: int, rate: Decimal
) -> None:
    ours = finance.npv(D(one_off), D(net), horizon, rate)
    reference = npf.npv(float(rate), cash_flows(one_off, net, horizon))
    assert abs(float(ours) - reference) < CENT  # type: ignore[arg-type]


@pytest.mark.parametrize("horizon", [3, 5, 10])
def test_npv_is_zero_at_the_internal_rate_of_return(horizon: int) -> None:
    one_off, net = 100000, 30000
    irr = npf.irr(cash_flows(one_off, net, horizon))
    ours = finance.npv(D(one_off), D(net), horizon, D(repr(irr)))
    assert abs(float(ours)) < CENT  # type: ignore[arg-type]


def test_the_yearly_net_alone_is_numpy_financial_present_value_of_an_annuity() -> None:
    # No one-off: NPV = the present value of 5 yearly payments of 20,000 at 8 %.
    ours = finance.npv(D(0), D(20000), 5, D("0.08"))
    assert abs(float(ours) + npf.pv(0.08, 5, 20000)) < CENT  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("one_off", "benefit", "cost", "horizon"),
    [
        (30000, 52000, 18900, 3),  # the SSO case: 10.9 months
        (30000, 28900, 18900, 3),  # net 10,000: exactly 36 months, on the horizon
        (250000, 90000, 20000, 5),  # net 70,000: 3.57 years
        (250000, 50000, 20000, 5),  # net 30,000: 8.3 years, beyond a 5-year horizon
        (0, 5000, 1000, 3),  # nothing up front: at once
    ],
)
def test_payback_matches_the_cumulative_cash_flows(
    one_off: int, benefit: int, cost: int, horizon: int
) -> None:
    months = finance.payback_months(D(one_off), D(benefit), D(cost))
    assert isinstance(months, Decimal)
    net = benefit - cost
    # Cumulative flows over a century, so a payback beyond the horizon is still found.
    years = payback_years_from_cumulative(cash_flows(one_off, net, 100))
    assert years is not None
    assert abs(float(months) / 12 - years) < 0.001
    within = payback_years_from_cumulative(cash_flows(one_off, net, horizon)) is not None
    figures = finance.case_figures(
        finance.CaseInputs(D(one_off), D(cost), D(benefit), [], horizon, D("0.08"))
    )
    assert figures.pays_back_within_horizon is within


def test_a_net_loss_never_pays_back_by_either_reckoning() -> None:
    assert isinstance(finance.payback_months(D(1000), D(500), D(900)), finance.NotMeaningful)
    assert payback_years_from_cumulative(cash_flows(1000, -400, 100)) is None


def test_the_worked_case_matches_numpy_financial() -> None:
    figures = finance.case_figures(sso_case())
    flows = cash_flows(30000, 33100, 3)
    assert abs(float(figures.npv) - npf.npv(0.10, flows)) < CENT  # type: ignore[arg-type]
    years = payback_years_from_cumulative(flows)
    assert years is not None
    assert abs(float(figures.payback_months) - years * 12) < 0.001  # type: ignore[arg-type]
