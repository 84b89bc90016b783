"""Hostile numbers and text in a business case (issue 12).

Every number has a range that the form says in words and the database keeps; every
figure renders whatever is stored, and a row stored out of range says so and can be
repaired; titles and labels are one line, free text is bounded, and the editor's
formsets build a bounded number of forms however many the POST claims.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alignment.models import ImpactAssessment
from business_cases import finance, services, snapshots
from business_cases.finance import CaseInputs, Range, Scenario
from business_cases.forms.fields import discount_field
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CostLine,
    LoadedRate,
    RiskScenario,
    UserImpactLine,
)
from business_cases.models.fields import (
    MAX_ARO,
    MAX_HOURLY_RATE,
    MAX_LINES,
    MAX_MINUTES_PER_WEEK,
    MAX_MONEY,
    MAX_TEXT,
    MAX_USERS,
    SINGLE_LINE,
)
from business_cases.templatetags.business_case_tags import money, percent
from tests import factories
from tests.business_cases.helpers import cost, editor_data, existing_rows, scenario

pytestmark = pytest.mark.django_db
D = Decimal


def edit_url(case: BusinessCase) -> str:
    return reverse("business_cases:case-edit", kwargs={"case_id": case.pk})


def case_url(name: str, case: BusinessCase) -> str:
    return reverse(f"business_cases:{name}", kwargs={"case_id": case.pk})


def benefit(**extra: Any) -> dict[str, Any]:
    return {"description": "Audit hours saved", "yearly_amount": "2000", **extra}


def impact(**extra: Any) -> dict[str, Any]:
    return {
        "description": "MFA prompts",
        "users": "200",
        "minutes_per_week": "3",
        "effect": "added",
        "hourly_rate": "40",
        **extra,
    }


def stored(case: BusinessCase) -> tuple[str, int, int, int, int]:
    case.refresh_from_db()
    return (
        case.title,
        case.cost_lines.count(),
        case.scenarios.count(),
        case.benefit_lines.count(),
        case.user_impacts.count(),
    )


# --- each extreme value is refused with its message, and nothing is stored ----------------

EXTREMES = [
    ("impacts", "users", "10000001", "at most 10,000,000 users"),
    ("impacts", "users", "2147483647", "at most 10,000,000 users"),
    ("impacts", "users", "-1", "cannot be negative"),
    ("impacts", "hourly_rate", "999999999999.99", "at most 1,000,000 an hour"),
    ("impacts", "minutes_per_week", "10081", "A week has 10,080 minutes."),
    ("costs", "amount", "1000000000000.01", "An amount is at most 1,000,000,000,000."),
    ("costs", "amount", "1e309", "An amount is at most 1,000,000,000,000."),
    ("costs", "amount", "NaN", "Enter a number."),
    ("benefits", "yearly_amount", "Infinity", "Enter a number."),
    ("scenarios", "sle", "1e13", "An amount is at most 1,000,000,000,000."),
    ("scenarios", "aro_before", "366", "at most 365 a year"),
    ("scenarios", "sle_after", "300000", "at most the likely SLE"),
]


@pytest.mark.parametrize(("prefix", "field", "value", "message"), EXTREMES)
def test_it_refuses_an_extreme_line_value_with_a_message(
    client: Any, ciso: Any, prefix: str, field: str, value: str, message: str
) -> None:
    case = factories.CaseFactory(author=ciso, title="Before")
    rows = {"costs": cost(), "scenarios": scenario(), "benefits": benefit(), "impacts": impact()}
    rows[prefix] = {**rows[prefix], field: value}
    data = editor_data(case, title="After", **{k: [v] for k, v in rows.items()})
    client.force_login(ciso)
    response = client.post(edit_url(case), data)
    assert response.status_code == 422
    assert message in response.text
    assert stored(case) == ("Before", 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discount_rate", "150", "The discount rate is at most 100 % a year."),
        ("discount_rate", "-1", "The discount rate cannot be negative."),
        ("horizon_years", "11", "The horizon is 1 to 10 years."),
        ("horizon_years", "9" * 5000, "Enter a whole number of years."),
        ("summary", "x" * (MAX_TEXT + 1), f"at most {MAX_TEXT} characters"),
        ("user_benefits", "x" * 100_000, f"at most {MAX_TEXT} characters"),
    ],
)
def test_it_refuses_an_extreme_case_value_with_a_message(
    client: Any, ciso: Any, field: str, value: str, message: str
) -> None:
    case = factories.CaseFactory(author=ciso, title="Before")
    client.force_login(ciso)
    response = client.post(edit_url(case), editor_data(case, title="After", **{field: value}))
    assert response.status_code == 422
    assert message in response.text
    assert stored(case) == ("Before", 0, 0, 0, 0)


def test_a_discount_rate_above_100_percent_is_a_form_error_not_a_500(
    client: Any, ciso: Any
) -> None:
    initiative = factories.InitiativeFactory()
    client.force_login(ciso)
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    data = {"title": "Case", "horizon_years": "3", "discount_rate": "150"}
    response = client.post(url, data)
    assert response.status_code == 422
    assert "The discount rate is at most 100 % a year." in response.text
    assert not BusinessCase.objects.exists()


def test_the_discount_message_survives_django_percent_formatting() -> None:
    field = discount_field()
    with pytest.raises(ValidationError, match="at most 100 % a year"):
        field.clean("150")


# --- single-line text ---------------------------------------------------------------------


@pytest.mark.parametrize("title", ["Evil\r\nBcc: everyone@example.com", "Tab\there", "A\u2028B"])
def test_a_title_with_a_control_character_is_refused(client: Any, ciso: Any, title: str) -> None:
    case = factories.CaseFactory(author=ciso, title="Before")
    client.force_login(ciso)
    response = client.post(edit_url(case), editor_data(case, title=title))
    assert response.status_code == 422
    assert SINGLE_LINE in response.text
    assert stored(case)[0] == "Before"


def test_a_new_case_with_a_cr_lf_title_is_refused(client: Any, ciso: Any) -> None:
    initiative = factories.InitiativeFactory()
    client.force_login(ciso)
    url = reverse("business_cases:case-create", kwargs={"initiative_id": initiative.pk})
    data = {"title": "Case\r\nSubject: hi", "horizon_years": "3", "discount_rate": "8"}
    response = client.post(url, data)
    assert response.status_code == 422
    assert SINGLE_LINE in response.text
    assert not BusinessCase.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "field"),
    [
        ("costs", "description"),
        ("scenarios", "name"),
        ("benefits", "description"),
        ("impacts", "description"),
    ],
)
def test_a_line_label_with_a_line_break_is_refused(
    client: Any, ciso: Any, prefix: str, field: str
) -> None:
    case = factories.CaseFactory(author=ciso)
    rows = {"costs": cost(), "scenarios": scenario(), "benefits": benefit(), "impacts": impact()}
    rows[prefix] = {**rows[prefix], field: "First\nsecond"}
    client.force_login(ciso)
    response = client.post(edit_url(case), editor_data(case, **{k: [v] for k, v in rows.items()}))
    assert response.status_code == 422
    assert SINGLE_LINE in response.text
    assert stored(case)[1:] == (0, 0, 0, 0)


def test_a_decision_comment_is_bounded(client: Any, ciso: Any, executive: Any) -> None:
    case = factories.sso_case(author=ciso, status="submitted")
    client.force_login(executive)
    data = {"outcome": "approved", "comment": "x" * (MAX_TEXT + 1)}
    response = client.post(case_url("case-decide", case), data)
    assert response.status_code == 422
    assert f"at most {MAX_TEXT} characters" in response.text
    assert not case.decisions.exists()


# --- the largest values render everywhere --------------------------------------------------


def largest_rows() -> dict[str, list[dict[str, Any]]]:
    top = f"{MAX_MONEY}"
    return {
        "costs": [
            cost(amount=top),
            cost(description="Set-up", amount=top, recurrence="one_off"),
        ],
        "scenarios": [
            scenario(
                sle=top,
                sle_low="0.01",
                sle_high=top,
                sle_after=top,
                aro_before=f"{MAX_ARO}",
                aro_before_high=f"{MAX_ARO}",
                aro_after="0",
                aro_after_high=f"{MAX_ARO}",
            )
        ],
        "benefits": [benefit(yearly_amount=top)],
        "impacts": [
            impact(
                users=str(MAX_USERS),
                minutes_per_week=f"{MAX_MINUTES_PER_WEEK}",
                hourly_rate=f"{MAX_HOURLY_RATE}",
                effect=effect,
            )
            for effect in ("added", "saved")
        ],
    }


def pages_for(case: BusinessCase) -> list[str]:
    return [
        case_url("case-detail", case),
        case_url("case-edit", case),
        case_url("case-print", case),
        case_url("case-history", case),
        reverse("business_cases:case-list"),
        reverse("business_cases:case-list") + "?sort=rosi",
        reverse("objectives:initiative-detail", kwargs={"initiative_id": case.initiative_id}),
    ]


@pytest.mark.parametrize(("horizon", "discount"), [("10", "0"), ("1", "100")])
def test_the_largest_values_save_and_render_everywhere(
    client: Any, ciso: Any, horizon: str, discount: str
) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    data = editor_data(case, horizon_years=horizon, discount_rate=discount, **largest_rows())
    response = client.post(edit_url(case), data)
    assert response.status_code == 302, response.text[:2000]
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert case.out_of_range == []
    for path in pages_for(case):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "out of range" not in response.text, path
    streamed = client.get(reverse("business_cases:portfolio-csv")).getvalue().decode()
    rows = list(csv.reader(io.StringIO(streamed)))
    assert "out of range" not in str(rows)
    assert "out of range" not in str(snapshots.take(case))


def test_the_largest_values_render_in_the_pdf(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    assert client.post(edit_url(case), editor_data(case, **largest_rows())).status_code == 302
    response = client.get(case_url("case-pdf", case))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["ciso", "executive", "admin_user", "head_a", "outsider"])
def test_the_initiative_page_renders_the_largest_case_for_every_role(
    client: Any, ciso: Any, who: str, request: Any
) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    assert client.post(edit_url(case), editor_data(case, **largest_rows())).status_code == 302
    client.force_login(request.getfixturevalue(who))
    path = reverse("objectives:initiative-detail", kwargs={"initiative_id": case.initiative_id})
    assert client.get(path).status_code in (200, 403, 404)


# --- a row stored out of range (before the constraints) renders and can be repaired ---------


@contextmanager
def range_checks_off(model: type[models.Model], *names: str) -> Iterator[None]:
    """Let a raw update store what the constraints refuse, as rows from before them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
            return
        # Deferred foreign-key checks of rows just inserted would block the ALTER.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Every check of the table (`names` are those SQLite would have refused), dropped
        # inside the test's transaction, so rolled back with it.
        table = model._meta.db_table
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass",
            [table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield


def probe_case(ciso: Any) -> BusinessCase:
    """The hostile probe's case: 2,147,483,647 users at 999,999,999,999.99 an hour."""
    case = factories.sso_case(author=ciso, title="Probe")
    line = factories.UserImpactFactory(case=case, description="Everyone, forever")
    with range_checks_off(UserImpactLine, "user_impact_users_max", "user_impact_rate_max"):
        UserImpactLine.objects.filter(pk=line.pk).update(
            users=2_147_483_647,
            minutes_per_week=D("99999.9"),
            hourly_rate=D("999999999999.99"),
        )
    return case


def test_a_case_stored_out_of_range_shows_a_message_and_stays_editable(
    client: Any, ciso: Any
) -> None:
    case = probe_case(ciso)
    client.force_login(ciso)
    page = client.get(case_url("case-detail", case))
    assert page.status_code == 200
    assert "outside the ranges a case allows" in page.text
    assert "Everyone, forever" in page.text and "users affected" in page.text
    assert "out of range" in page.text
    editor = client.get(edit_url(case))
    assert editor.status_code == 200 and "outside the ranges a case allows" in editor.text
    for path in pages_for(case)[2:]:
        assert client.get(path).status_code == 200, path
    assert client.get(case_url("case-pdf", case)).status_code == 200
    assert b"out of range" in client.get(reverse("business_cases:portfolio-csv")).getvalue()

    # Saving it as it stands is refused line by line; corrected, it saves.
    rows = existing_rows(case)
    response = client.post(edit_url(case), editor_data(case, **rows))
    assert response.status_code == 422 and "at most 10,000,000 users" in response.text
    rows["impacts"] = [
        {**row, "users": "5000", "minutes_per_week": "3", "hourly_rate": "60"}
        if row["description"] == "Everyone, forever"
        else row
        for row in rows["impacts"]
    ]
    assert client.post(edit_url(case), editor_data(case, **rows)).status_code == 302
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert case.out_of_range == []
    assert "outside the ranges" not in client.get(case_url("case-detail", case)).text


@pytest.mark.parametrize("who", ["ciso", "executive", "admin_user", "head_a", "outsider"])
def test_the_initiative_page_renders_a_case_stored_out_of_range_for_every_role(
    client: Any, ciso: Any, who: str, request: Any
) -> None:
    case = probe_case(ciso)
    client.force_login(request.getfixturevalue(who))
    path = reverse("objectives:initiative-detail", kwargs={"initiative_id": case.initiative_id})
    assert client.get(path).status_code in (200, 403, 404)


def test_the_dashboard_budget_renders_a_case_stored_out_of_range(client: Any, ciso: Any) -> None:
    case = probe_case(ciso)
    BusinessCase.objects.filter(pk=case.pk).update(status="submitted")
    client.force_login(ciso)
    assert client.get(reverse("business_cases:case-list")).status_code == 200
    assert client.get(case_url("case-decide", case)).status_code in (200, 403)


def test_the_filters_show_out_of_range_instead_of_failing() -> None:
    huge = D("1.5e40") + D("0.3")
    assert money(huge) == "out of range"
    assert percent(huge) == "out of range"
    assert money(D("86700.4")) == f"86,700 {settings.CURRENCY}"
    assert snapshots.as_text(huge, "money") == "out of range"
    assert finance.rounded(D("NaN"), D(1)) == finance.OutOfRange()


# --- formsets are bounded ------------------------------------------------------------------


def test_a_forged_total_forms_builds_a_bounded_number_of_forms(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso, title="Before")
    data = editor_data(case, title="After", costs=[cost()])
    data["costs-TOTAL_FORMS"] = "1000000"
    data["scenarios-TOTAL_FORMS"] = "1000000"
    client.force_login(ciso)
    response = client.post(edit_url(case), data)
    assert response.status_code == 422
    assert f"A case holds at most {MAX_LINES} lines of each kind" in response.text
    for formset in response.context["formsets"].values():
        assert len(formset.forms) <= MAX_LINES
    assert stored(case) == ("Before", 0, 0, 0, 0)


def test_more_lines_than_the_limit_are_refused(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    rows = [cost(description=f"Line {n}") for n in range(MAX_LINES + 1)]
    response = client.post(edit_url(case), editor_data(case, costs=rows))
    assert response.status_code == 422
    assert f"at most {MAX_LINES} lines" in response.text
    assert stored(case)[1] == 0


ARO_ENDS = ["aro_before_low", "aro_before_high", "aro_after_low", "aro_after_high"]


def test_a_case_with_100_scenarios_saves_and_stays_editable(client: Any, ciso: Any) -> None:
    case = factories.CaseFactory(author=ciso)
    client.force_login(ciso)
    rows = [scenario(name=f"Scenario {n}", sle_low="100000", sle_high="300000") for n in range(100)]
    response = client.post(edit_url(case), editor_data(case, scenarios=rows, costs=[cost()]))
    assert response.status_code == 302
    assert case.scenarios.count() == 100

    # As the browser posts them: every input of every row, the empty ones too.
    case.refresh_from_db()
    again = existing_rows(case)
    inputs = ["case", "sle_low", "sle_high", "sle_after", *ARO_ENDS]
    again["scenarios"] = [{**dict.fromkeys(inputs, ""), **row} for row in again["scenarios"]]
    again["scenarios"][0]["name"] = "Renamed"
    data = editor_data(case, **again)
    assert len(data) > 1000  # Django's default limit, which made such a case unsaveable
    response = client.post(edit_url(case), data)
    assert response.status_code == 302
    assert case.scenarios.filter(name="Renamed").exists()


def test_the_largest_editor_post_fits_the_upload_limit(ciso: Any) -> None:
    """MAX_LINES of every kind, every input filled in, as the browser posts them."""
    case = factories.CaseFactory(author=ciso)
    full_scenario = scenario(
        affects_integrity="on",
        affects_availability="on",
        sle_low="1",
        sle_high="1",
        sle_after="1",
        aro_before_low="1",
        aro_before_high="1",
        aro_after_low="1",
        aro_after_high="1",
    )
    rows = {
        "costs": [cost()],
        "scenarios": [full_scenario],
        "benefits": [benefit()],
        "impacts": [impact()],
    }
    for prefix, one in rows.items():
        row = {"id": "1", "case": str(case.pk), "DELETE": "on", **one[0]}
        rows[prefix] = [row] * MAX_LINES
    goals = {f"business_goals_{n}": "1" for n in range(50)}
    data = editor_data(case, **rows) | goals
    assert len(data) + 20 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS  # CIA fields, CSRF token


# --- figures of in-range inputs always round -----------------------------------------------

money_values = st.decimals(min_value=0, max_value=MAX_MONEY, places=2)
aro_values = st.decimals(min_value=0, max_value=MAX_ARO, places=3)


@st.composite
def in_range_scenarios(draw: st.DrawFn) -> Scenario:
    low, likely, high = sorted(draw(st.lists(money_values, min_size=3, max_size=3)))
    arob = sorted(draw(st.lists(aro_values, min_size=3, max_size=3)))
    aroa = sorted(draw(st.lists(aro_values, min_size=3, max_size=3)))
    after = draw(st.none() | st.decimals(min_value=0, max_value=likely, places=2))
    return Scenario(
        sle=Range(likely, low, high),
        aro_before=Range(arob[1], arob[0], arob[2]),
        aro_after=Range(aroa[1], aroa[0], aroa[2]),
        sle_after=after,
    )


@st.composite
def in_range_inputs(draw: st.DrawFn) -> CaseInputs:
    """Sums of up to MAX_LINES lines of each kind, end users' time included."""
    count = st.integers(min_value=0, max_value=MAX_LINES)
    user_line = finance.user_time_yearly(
        draw(st.integers(min_value=0, max_value=MAX_USERS)),
        draw(st.decimals(min_value=0, max_value=MAX_MINUTES_PER_WEEK, places=1)),
        draw(st.decimals(min_value=0, max_value=MAX_HOURLY_RATE, places=2)),
    )
    return CaseInputs(
        one_off_cost=draw(money_values) * draw(count),
        yearly_cost=draw(money_values) * draw(count) + user_line * draw(count),
        other_yearly_benefit=draw(money_values) * draw(count) + user_line * draw(count),
        scenarios=[draw(in_range_scenarios())] * draw(count),
        horizon_years=draw(st.integers(min_value=1, max_value=10)),
        discount_rate=draw(st.decimals(min_value=0, max_value=100, places=2)) / 100,
    )


def assert_every_figure_rounds(inputs: CaseInputs) -> None:
    for figures in finance.sensitivity(inputs).values():
        for spec in snapshots.FIGURES:
            value = getattr(figures, spec.name)
            shown = finance.rounded(value, snapshots.QUANTUM[spec.kind])
            assert not isinstance(shown, finance.OutOfRange), (spec.name, value)
            assert money(value) != "out of range" and percent(value) != "out of range"


@hypothesis_settings(max_examples=300, deadline=None)
@given(inputs=in_range_inputs())
def test_figures_of_in_range_inputs_always_round(inputs: CaseInputs) -> None:
    assert_every_figure_rounds(inputs)


def test_the_worst_in_range_case_still_rounds() -> None:
    """Every line at its largest, and the smallest cost that is not nothing."""
    users = finance.user_time_yearly(MAX_USERS, MAX_MINUTES_PER_WEEK, MAX_HOURLY_RATE)
    smallest_user_cost = finance.user_time_yearly(1, D("0.1"), D("0.01"))
    worst = Scenario(
        sle=Range(D("0.01"), D("0.01"), MAX_MONEY),
        aro_before=Range(MAX_ARO, D(0), MAX_ARO),
        aro_after=Range(D(0), D(0), MAX_ARO),
        sle_after=D("0.01"),
    )
    for yearly_cost in (smallest_user_cost, D("0.01"), MAX_LINES * (MAX_MONEY + users)):
        for discount in (D(0), D(1)):
            assert_every_figure_rounds(
                CaseInputs(
                    one_off_cost=MAX_LINES * MAX_MONEY,
                    yearly_cost=yearly_cost,
                    other_yearly_benefit=MAX_LINES * (MAX_MONEY + users),
                    scenarios=[worst] * MAX_LINES,
                    horizon_years=10,
                    discount_rate=discount,
                )
            )


# --- whatever is typed into a number, never a 500 and never stored out of range ------------

NUMBER_FIELDS = [
    ("case", "horizon_years"),
    ("case", "discount_rate"),
    ("costs", "amount"),
    ("benefits", "yearly_amount"),
    ("impacts", "users"),
    ("impacts", "minutes_per_week"),
    ("impacts", "hourly_rate"),
    *[
        ("scenarios", name)
        for name in (
            "sle",
            "sle_low",
            "sle_high",
            "sle_after",
            "aro_before",
            "aro_before_low",
            "aro_after",
            "aro_after_high",
        )
    ],
]
hostile = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "1e309",
            "-1e309",
            "NaN",
            "-NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "1e-999999999",
            "9e999999999",
            "0x10",
            "1_000",
            "１２",
            "2147483648",
            "-0",
            "9" * 100_000,
            "1." + "1" * 100_000,
        ]
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.text(max_size=30),
)


@hypothesis_settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.sampled_from(NUMBER_FIELDS), value=hostile)
def test_no_typed_number_answers_500_or_is_stored_out_of_range(
    client: Any, ciso: Any, target: tuple[str, str], value: str
) -> None:
    case = factories.CaseFactory(author=ciso)
    rows = {"costs": cost(), "scenarios": scenario(), "benefits": benefit(), "impacts": impact()}
    prefix, field = target
    fields = {field: value} if prefix == "case" else {}
    if prefix != "case":
        rows[prefix] = {**rows[prefix], field: value}
    client.force_login(ciso)
    response = client.post(
        edit_url(case), editor_data(case, **fields, **{k: [v] for k, v in rows.items()})
    )
    assert response.status_code in (302, 422)
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert case.out_of_range == []
    for model in (CostLine, RiskScenario, BenefitLine, UserImpactLine):
        for line in model.objects.filter(case=case):
            assert line.full_clean() is None


# --- rows from before the bounds -----------------------------------------------------------


def test_the_migration_clamps_old_rows_and_makes_titles_one_line(ciso: Any) -> None:
    from django.apps import apps

    step = importlib.import_module(
        "business_cases.migrations.0005_bounded_numbers_and_single_line_text"
    )
    case = probe_case(ciso)
    line = case.scenarios.get()
    with range_checks_off(RiskScenario, "scenario_sle_max", "scenario_sle_after_at_most_sle"):
        RiskScenario.objects.filter(pk=line.pk).update(sle=D("5e12"), sle_after=D("9e12"))
    BusinessCase.objects.filter(pk=case.pk).update(title="Probe\r\nBcc: all@example.com")
    # In the migration the constraints come after these steps; here they exist already.
    with range_checks_off(RiskScenario, "scenario_sle_after_at_most_sle"):
        step.clamp(apps, None)
    step.one_line(apps, None)
    case = BusinessCase.objects.with_lines().get(pk=case.pk)
    assert case.out_of_range == []
    assert case.title == "Probe  Bcc: all@example.com"
    line.refresh_from_db()
    assert line.sle == line.sle_after == MAX_MONEY


def test_people_time_from_a_huge_assessment_is_capped_at_the_largest_amount(ciso: Any) -> None:
    """Assessments are bounded now (10,000 hours a week); one stored before the bound
    still gives people-time no larger than the largest amount."""
    case = factories.CaseFactory(author=ciso)
    assessment = factories.AssessmentFactory(initiative=case.initiative)
    with range_checks_off(ImpactAssessment, "assessment_hours_at_most"):
        ImpactAssessment.objects.filter(pk=assessment.pk).update(hours_per_week=D("9999999.9"))
    LoadedRate.objects.create(department=assessment.department, hourly_rate=MAX_HOURLY_RATE)
    services.refresh_people_time(case)
    assert case.cost_lines.get().amount == MAX_MONEY
