"""The finance module against examples worked by hand, and properties that hold for any input.

Each worked example states its arithmetic, so a reader can check the expected figure
with a pencil rather than trusting the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from business_cases import finance
from business_cases.finance import (
    CaseInputs,
    Estimate,
    NotMeaningful,
    Range,
    Scenario,
    case_figures,
)
from business_cases.templatetags.business_case_tags import months, rosi_words, snapshot_value

D = Decimal
CENT = D("0.01")


def cents(value: finance.Figure) -> Decimal:
    assert isinstance(value, Decimal), value
    return value.quantize(CENT)


def sso_case(**overrides: object) -> CaseInputs:
    """SSO + MFA over 3 years at 10 %.

    one-off: 20,000 set-up licences + 10,000 integration services = 30,000
    yearly: 12,000 licences + people-time 3 h/week × 46 weeks × 50/h (= 6,900) = 18,900
    scenario "account takeover": SLE 200,000, ARO 0.3 → 0.05
    other benefit: 2,000 of audit hours saved a year
    """
    data: dict[str, object] = {
        "one_off_cost": D(30000),
        "yearly_cost": D(12000) + finance.people_time_yearly(D(3), D(50)),
        "other_yearly_benefit": D(2000),
        "scenarios": [
            Scenario(sle=Range(D(200000)), aro_before=Range(D("0.3")), aro_after=Range(D("0.05")))
        ],
        "horizon_years": 3,
        "discount_rate": D("0.10"),
    }
    data.update(overrides)
    return CaseInputs(**data)  # type: ignore[arg-type]


# --- worked examples ------------------------------------------------------------------


def test_ale_is_sle_times_aro() -> None:
    # 200,000 × 0.3 = 60,000
    assert finance.ale(D(200000), D("0.3")) == D(60000)


def test_risk_reduction_is_ale_before_minus_ale_after() -> None:
    # before 200,000 × 0.3 = 60,000; after 200,000 × 0.05 = 10,000; 60,000 − 10,000 = 50,000
    assert finance.scenario_risk_reduction(D(200000), D("0.3"), D("0.05")) == D(50000)


def test_risk_reduction_uses_sle_after_when_given() -> None:
    # before 100,000 × 0.5 = 50,000; after 40,000 × 0.5 = 20,000; 50,000 − 20,000 = 30,000
    assert finance.scenario_risk_reduction(D(100000), D("0.5"), D("0.5"), D(40000)) == D(30000)


def test_risk_reduction_is_negative_when_the_measure_makes_things_worse() -> None:
    # 10,000 × 1 − 10,000 × 2 = −10,000
    assert finance.scenario_risk_reduction(D(10000), D(1), D(2)) == D(-10000)


def test_people_time_is_weekly_hours_times_working_weeks_times_rate() -> None:
    # 3 h/week × 46 weeks × 50/h = 6,900
    assert finance.people_time_yearly(D(3), D(50)) == D(6900)


def test_user_time_is_users_times_minutes_in_hours_times_weeks_times_rate() -> None:
    # 200 users × 3 min = 600 min = 10 h a week; × 46 weeks = 460 h; × 40/h = 18,400
    assert finance.user_time_yearly(200, D(3), D(40)) == D(18400)


def test_sso_case_figures() -> None:
    figures = case_figures(sso_case())
    # TCO = 30,000 + 18,900 × 3 = 86,700
    assert figures.total_cost_of_ownership == D(86700)
    # annual cost = 86,700 ÷ 3 = 28,900
    assert figures.annual_cost == D(28900)
    # risk reduction 50,000 (above); yearly benefit = 50,000 + 2,000 = 52,000
    assert figures.yearly_risk_reduction == D(50000)
    assert figures.yearly_benefit == D(52000)
    # ROSI = (52,000 − 28,900) ÷ 28,900 = 23,100 ÷ 28,900 = 0.7993… (79.9 %)
    assert cents(figures.rosi) == D("0.80")
    assert abs(figures.rosi - D(23100) / D(28900)) < D("1e-20")  # type: ignore[operator]
    # net = 52,000 − 18,900 = 33,100; payback = 30,000 ÷ 33,100 × 12 = 10.876 months
    assert figures.yearly_net == D(33100)
    assert cents(figures.payback_months) == D("10.88")
    assert figures.pays_back_within_horizon
    # NPV = −30,000 + 33,100 ÷ 1.1 + 33,100 ÷ 1.21 + 33,100 ÷ 1.331
    #     = −30,000 + 30,090.91 + 27,355.37 + 24,868.52 = 52,314.80
    assert cents(figures.npv) == D("52314.80")


def test_negative_net_gives_a_negative_rosi_and_no_payback() -> None:
    # benefit 10,000 a year against yearly cost 20,000 and no one-off: annual cost 20,000
    inputs = sso_case(
        one_off_cost=D(0), yearly_cost=D(20000), other_yearly_benefit=D(10000), scenarios=[]
    )
    figures = case_figures(inputs)
    # ROSI = (10,000 − 20,000) ÷ 20,000 = −0.5
    assert figures.rosi == D("-0.5")
    assert isinstance(figures.payback_months, NotMeaningful)
    assert "never pays back" in figures.payback_months.reason
    # NPV = −10,000 ÷ 1.1 − 10,000 ÷ 1.21 − 10,000 ÷ 1.331 = −24,868.52
    assert cents(figures.npv) == D("-24868.52")


def test_zero_cost_makes_rosi_not_meaningful() -> None:
    figures = case_figures(sso_case(one_off_cost=D(0), yearly_cost=D(0)))
    assert isinstance(figures.rosi, NotMeaningful)
    assert "Nothing is spent" in figures.rosi.reason
    # No spend and a positive net: it pays back at once.
    assert figures.payback_months == D(0)


def test_no_benefit_loses_all_it_costs_and_never_pays_back() -> None:
    figures = case_figures(sso_case(scenarios=[], other_yearly_benefit=D(0)))
    # ROSI = (0 − 28,900) ÷ 28,900 = −1: all that is spent is lost, shown as the loss it is
    assert figures.rosi == D(-1)
    assert isinstance(figures.payback_months, NotMeaningful)
    assert "No benefit" in figures.payback_months.reason
    # NPV stays a number, the cost alone, discounted:
    # 1 ÷ 1.1 + 1 ÷ 1.21 + 1 ÷ 1.331 = 2.48685; −30,000 − 18,900 × 2.48685 = −77,001.50
    assert cents(figures.npv) == D("-77001.50")


def test_a_measure_that_makes_things_worse_loses_more_than_it_costs() -> None:
    # ARO rises 0.1 → 0.2 on an SLE of 100,000: risk reduction −10,000, benefit −8,000
    worse = Scenario(sle=Range(D(100000)), aro_before=Range(D("0.1")), aro_after=Range(D("0.2")))
    figures = case_figures(sso_case(scenarios=[worse]))
    # ROSI = (−8,000 − 28,900) ÷ 28,900 = −36,900 ÷ 28,900 = −1.2768 (−127.7 %)
    assert cents(figures.rosi) == D("-1.28")
    assert figures.rosi < -1  # type: ignore[operator]


def test_rosi_is_not_meaningful_only_when_nothing_is_spent() -> None:
    figures = case_figures(
        sso_case(one_off_cost=D(0), yearly_cost=D(0), scenarios=[], other_yearly_benefit=D(0))
    )
    assert isinstance(figures.rosi, NotMeaningful)
    assert "Nothing is spent" in figures.rosi.reason


def test_npv_refuses_a_horizon_under_a_year_and_a_rate_of_minus_100_percent() -> None:
    assert isinstance(finance.npv(D(1), D(1), 0, D(0)), NotMeaningful)
    assert isinstance(finance.npv(D(1), D(1), 3, D(-1)), NotMeaningful)
    assert isinstance(finance.annual_cost(D(1), D(1), 0), NotMeaningful)


def test_npv_at_zero_percent_by_hand() -> None:
    # −30,000 + 3 × 33,100 = 69,300
    assert finance.npv(D(30000), D(33100), 3, D(0)) == D(69300)


def test_sensitivity_takes_the_pessimistic_and_optimistic_ends() -> None:
    scenario = Scenario(
        sle=Range(likely=D(200000), low=D(100000), high=D(300000)),
        aro_before=Range(likely=D("0.3"), low=D("0.2"), high=D("0.5")),
        aro_after=Range(likely=D("0.05"), low=D("0.02"), high=D("0.1")),
    )
    # pessimistic: 100,000 × 0.2 − 100,000 × 0.1 = 20,000 − 10,000 = 10,000
    assert scenario.risk_reduction(Estimate.PESSIMISTIC) == D(10000)
    # likely: 200,000 × 0.3 − 200,000 × 0.05 = 60,000 − 10,000 = 50,000
    assert scenario.risk_reduction(Estimate.LIKELY) == D(50000)
    # optimistic: 300,000 × 0.5 − 300,000 × 0.02 = 150,000 − 6,000 = 144,000
    assert scenario.risk_reduction(Estimate.OPTIMISTIC) == D(144000)

    figures = finance.sensitivity(sso_case(scenarios=[scenario]))
    assert list(figures) == [Estimate.PESSIMISTIC, Estimate.LIKELY, Estimate.OPTIMISTIC]
    # pessimistic ROSI = (10,000 + 2,000 − 28,900) ÷ 28,900 = −0.5848
    assert cents(figures[Estimate.PESSIMISTIC].rosi) == D("-0.58")
    # pessimistic net 12,000 − 18,900 < 0: never pays back
    assert isinstance(figures[Estimate.PESSIMISTIC].payback_months, NotMeaningful)
    # optimistic ROSI = (146,000 − 28,900) ÷ 28,900 = 4.0519
    assert cents(figures[Estimate.OPTIMISTIC].rosi) == D("4.05")


def test_sle_after_scales_with_the_sle_of_the_set() -> None:
    # SLE after 50,000 for a likely SLE of 200,000 is a quarter of the SLE.
    # pessimistic SLE 100,000 → SLE after 25,000: 100,000 × 0.3 − 25,000 × 0.3 = 22,500
    scenario = Scenario(
        sle=Range(likely=D(200000), low=D(100000)),
        aro_before=Range(D("0.3")),
        aro_after=Range(D("0.3")),
        sle_after=D(50000),
    )
    assert scenario.risk_reduction(Estimate.PESSIMISTIC) == D(22500)


def test_not_meaningful_prints_as_words() -> None:
    assert str(NotMeaningful("x")) == "not meaningful"


# --- properties -------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False)
horizons = st.integers(min_value=1, max_value=10)
discounts = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
signed_money = st.decimals(
    min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def ranges(draw: st.DrawFn, values: st.SearchStrategy[Decimal]) -> Range:
    low, likely, high = sorted(draw(st.lists(values, min_size=3, max_size=3)))
    return Range(
        likely=likely,
        low=draw(st.sampled_from([None, low])),
        high=draw(st.sampled_from([None, high])),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    return Scenario(
        sle=draw(ranges(money)),
        aro_before=draw(ranges(rates)),
        aro_after=draw(ranges(rates)),
        sle_after=draw(st.none() | money),
    )


@st.composite
def case_inputs(draw: st.DrawFn) -> CaseInputs:
    return CaseInputs(
        one_off_cost=draw(money),
        yearly_cost=draw(money),
        other_yearly_benefit=draw(money),
        scenarios=draw(st.lists(scenarios(), max_size=4)),
        horizon_years=draw(horizons),
        discount_rate=draw(discounts),
    )


@given(one_off=money, net=signed_money, horizon=horizons)
def test_npv_at_zero_percent_equals_the_undiscounted_sum(
    one_off: Decimal, net: Decimal, horizon: int
) -> None:
    assert finance.npv(one_off, net, horizon, D(0)) == -one_off + horizon * net


@given(inputs=case_inputs())
def test_case_npv_at_zero_percent_equals_the_undiscounted_sum(inputs: CaseInputs) -> None:
    undiscounted = CaseInputs(**{**inputs.__dict__, "discount_rate": D(0)})
    figures = case_figures(undiscounted)
    assert figures.npv == -figures.one_off_cost + inputs.horizon_years * figures.yearly_net


@given(sle=money, before=rates, after=rates, more=rates, sle_after=st.none() | money)
def test_raising_aro_after_never_raises_the_risk_reduction(
    sle: Decimal, before: Decimal, after: Decimal, more: Decimal, sle_after: Decimal | None
) -> None:
    lower = finance.scenario_risk_reduction(sle, before, after, sle_after)
    higher = finance.scenario_risk_reduction(sle, before, after + more, sle_after)
    assert higher <= lower


@given(inputs=case_inputs(), more=rates, index=st.integers(min_value=0, max_value=3))
def test_raising_aro_after_never_raises_the_case_risk_reduction(
    inputs: CaseInputs, more: Decimal, index: int
) -> None:
    if not inputs.scenarios:
        return
    index %= len(inputs.scenarios)
    old = inputs.scenarios[index]
    raised_range = Range(
        likely=old.aro_after.likely + more,
        low=None if old.aro_after.low is None else old.aro_after.low + more,
        high=None if old.aro_after.high is None else old.aro_after.high + more,
    )
    raised = Scenario(old.sle, old.aro_before, raised_range, old.sle_after)
    changed = [*inputs.scenarios[:index], raised, *inputs.scenarios[index + 1 :]]
    after = CaseInputs(**{**inputs.__dict__, "scenarios": changed})
    for estimate in Estimate:
        assert (
            case_figures(after, estimate).yearly_risk_reduction
            <= case_figures(inputs, estimate).yearly_risk_reduction
        )


@settings(max_examples=300)
@given(inputs=case_inputs())
def test_figures_never_raise_and_are_numbers_or_not_meaningful(inputs: CaseInputs) -> None:
    for figures in finance.sensitivity(inputs).values():
        for name in ("annual_cost", "rosi", "payback_months", "npv"):
            value = getattr(figures, name)
            assert isinstance(value, Decimal | NotMeaningful), name
            if isinstance(value, Decimal):
                assert value.is_finite(), name
        assert figures.total_cost_of_ownership >= 0
        assert figures.annual_cost >= 0  # type: ignore[operator]


@given(inputs=case_inputs())
def test_pessimistic_never_beats_likely_and_likely_never_beats_optimistic(
    inputs: CaseInputs,
) -> None:
    sets = finance.sensitivity(inputs)
    pessimistic, likely, optimistic = (sets[e].yearly_risk_reduction for e in Estimate)
    assert pessimistic <= likely <= optimistic


@pytest.mark.parametrize("horizon", [0, -1])
def test_a_horizon_out_of_range_is_not_meaningful_rather_than_an_error(horizon: int) -> None:
    figures = case_figures(sso_case(horizon_years=horizon))
    assert isinstance(figures.annual_cost, NotMeaningful)
    assert isinstance(figures.npv, NotMeaningful)
    assert isinstance(figures.rosi, NotMeaningful)


# --- shown in words ----------------------------------------------------------------------


def render_figures(inputs: CaseInputs) -> str:
    return render_to_string(
        "business_cases/_figures.html",
        {
            "figures": case_figures(inputs),
            "sensitivity": finance.sensitivity(inputs),
            "currency": "EUR",
            "horizon": inputs.horizon_years,
        },
    )


def test_a_case_without_benefit_shows_that_it_loses_all_it_costs() -> None:
    page = render_figures(sso_case(scenarios=[], other_yearly_benefit=D(0)))
    assert 'id="figure-rosi">-100.0 %<' in page
    assert "It loses all it costs." in page
    assert "not meaningful" not in page.split('id="figure-payback"')[0]


def test_a_case_that_makes_things_worse_loses_all_it_costs_and_more() -> None:
    worse = Scenario(sle=Range(D(100000)), aro_before=Range(D("0.1")), aro_after=Range(D("0.2")))
    page = render_figures(sso_case(scenarios=[worse]))
    assert 'id="figure-rosi">-127.7 %<' in page
    assert "It loses all it costs and more." in page


def test_a_positive_rosi_has_no_words_of_loss() -> None:
    assert "loses all it costs" not in render_figures(sso_case())


def test_a_payback_with_nothing_spent_up_front_reads_immediately() -> None:
    page = render_figures(sso_case(one_off_cost=D(0)))
    assert 'id="figure-payback">immediately<' in page
    assert "0.0 months" not in page


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (D("-0.5"), ""),
        (D(-1), "loses all it costs"),
        (D("-1.0001"), "loses all it costs and more"),
        (NotMeaningful("x"), ""),
    ],
)
def test_rosi_words(value: finance.Figure, words: str) -> None:
    assert rosi_words(value) == words


def test_months_reads_immediately_only_for_zero() -> None:
    assert months(D(0)) == "immediately"
    assert months(D("0.04")) == "under 0.1 months"  # not zero, though shown to a tenth it is
    assert months(D("10.876")) == "10.9 months"
    assert snapshot_value("0.0", "months") == "immediately"  # a decision's stored figure
