"""What a case produces: the print page, the PDF, the portfolio and its CSV, the fragments
other pages place; and that none of their query counts grows with the data."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from business_cases import pdf
from business_cases.models import BusinessCase, CaseDecision, CaseStatus
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


def url(name: str, case: BusinessCase) -> str:
    return reverse(f"business_cases:{name}", kwargs={"case_id": case.pk})


# --- print and PDF -------------------------------------------------------------------------


def test_the_print_page_is_one_standalone_page_with_the_figures(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso, title="SSO + MFA for everyone")
    client.force_login(ciso)
    response = client.get(url("case-print", case))
    assert response.status_code == 200
    page = response.text
    assert "SSO + MFA for everyone" in page and "79.9 %" in page and "52,315 EUR" in page
    assert "css/print.css" in page and "navbar" not in page
    assert "<svg" in page  # the cash chart, server-rendered


def test_the_pdf_renders_with_the_case_title(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso, title="Quarterly access reviews pay back")
    client.force_login(ciso)
    response = client.get(url("case-pdf", case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert len(body) > 1000 and body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(body))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Quarterly access reviews pay back" in text
    assert "79.9 %" in text
    assert len(reader.pages) == 1


def test_the_pdf_renderer_fetches_nothing() -> None:
    with pytest.raises(ValueError, match="does not fetch"):
        pdf.refuse_fetch("http://169.254.169.254/latest/meta-data/")


def test_print_and_pdf_refuse_post(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    assert client.post(url("case-print", case)).status_code == 405
    assert client.post(url("case-pdf", case)).status_code == 405


# --- portfolio -----------------------------------------------------------------------------


def portfolio_cases(ciso: Any) -> dict[str, BusinessCase]:
    good = factories.sso_case(author=ciso, title="Good")  # ROSI 79.9 %, TCO 86,700
    poor = factories.CaseFactory(author=ciso, title="Poor", status=CaseStatus.SUBMITTED)
    factories.CostLineFactory(case=poor, amount=D(10000))
    factories.BenefitFactory(case=poor, yearly_amount=D(5000))  # ROSI −50 %, TCO 30,000
    empty = factories.CaseFactory(author=ciso, title="=cmd|' /C calc'!A0")  # ROSI not meaningful
    return {"good": good, "poor": poor, "empty": empty}


def titles(response: Any) -> list[str]:
    return [row.case.title for row in response.context["rows"]]


def test_the_portfolio_sorts_by_rosi_with_not_meaningful_last(client: Any, ciso: Any) -> None:
    portfolio_cases(ciso)
    client.force_login(ciso)
    listing = reverse("business_cases:case-list")
    assert titles(client.get(listing, {"sort": "rosi", "dir": "desc"}))[:2] == ["Good", "Poor"]
    assert titles(client.get(listing, {"sort": "rosi", "dir": "asc"})) == [
        "Poor",
        "Good",
        "=cmd|' /C calc'!A0",
    ]
    assert titles(client.get(listing, {"sort": "cost", "dir": "desc"}))[0] == "Good"
    assert titles(client.get(listing, {"status": "submitted"})) == ["Poor"]
    assert client.get(listing, {"sort": "nonsense"}).status_code == 200


def test_the_portfolio_answers_htmx_with_its_table(client: Any, ciso: Any) -> None:
    portfolio_cases(ciso)
    client.force_login(ciso)
    response = client.get(
        reverse("business_cases:case-list"), {"sort": "title"}, HTTP_HX_REQUEST="true"
    )
    # The table, and the CSV link out of band (it follows the filters).
    assert response.text.lstrip().startswith('<a id="portfolio-csv"')
    assert 'hx-swap-oob="true"' in response.text and '<div id="portfolio-table"' in response.text
    full = client.get(reverse("business_cases:case-list"), {"sort": "title"}).text
    assert "<nav" in full and 'hx-push-url="true"' in full


def test_the_portfolio_csv_has_the_figures_and_defuses_formulas(client: Any, ciso: Any) -> None:
    portfolio_cases(ciso)
    client.force_login(ciso)
    response = client.get(reverse("business_cases:portfolio-csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][4] == "total cost of ownership (EUR)"
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["Good"][4] == "86700.00" and by_title["Good"][6] == "79.9"
    assert by_title["Poor"][6] == "-50.0"
    assert by_title["'=cmd|' /C calc'!A0"][6] == "not meaningful"


@pytest.mark.parametrize("who", ["head_a", "outsider"])
def test_heads_have_no_portfolio(client: Any, who: str, request: Any) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("business_cases:case-list")).status_code == 404
    assert client.get(reverse("business_cases:portfolio-csv")).status_code == 404


def test_executives_read_the_portfolio(client: Any, executive: Any, ciso: Any) -> None:
    portfolio_cases(ciso)
    client.force_login(executive)
    listing = reverse("business_cases:case-list")
    assert titles(client.get(listing, {"sort": "title", "dir": "asc"})) == [
        "=cmd|' /C calc'!A0",
        "Good",
        "Poor",
    ]


def test_the_portfolio_refuses_post(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert client.post(reverse("business_cases:case-list")).status_code == 405


# --- fragments for other pages ------------------------------------------------------------


def render_tag(source: str, user: Any, **context: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load business_case_tags %}" + source)
    return template.render(Context({"request": request, **context}))


def test_budget_requested_vs_approved(ciso: Any, executive: Any, head_a: Any) -> None:
    cases = portfolio_cases(ciso)  # "Poor" awaits a decision: TCO 10,000 × 3 = 30,000
    approved = factories.sso_case(author=ciso, status=CaseStatus.APPROVED)
    CaseDecision.objects.create(
        case=approved,
        revision=1,
        outcome="approved",
        comment="Yes.",
        snapshot={"figures": {"total_cost_of_ownership": "86700.00"}},
    )
    html = render_tag("{% budget_requested_vs_approved %}", executive)
    assert "Awaiting a decision (1)" in html and "30,000 EUR" in html
    assert "Approved (1)" in html and "86,700 EUR" in html
    assert cases["poor"].status == CaseStatus.SUBMITTED
    assert render_tag("{% budget_requested_vs_approved %}", head_a).strip() == ""


def test_a_rejected_revision_no_longer_counts_as_approved(ciso: Any, executive: Any) -> None:
    case = factories.sso_case(author=ciso, status=CaseStatus.REJECTED, revision=2)
    snapshot = {"figures": {"total_cost_of_ownership": "86700.00"}}
    CaseDecision.objects.create(
        case=case, revision=1, outcome="approved", comment="Yes.", snapshot=snapshot
    )
    CaseDecision.objects.create(case=case, revision=2, outcome="rejected", comment="No.")
    html = render_tag("{% budget_requested_vs_approved %}", executive)
    assert "Approved (0)" in html


def test_initiative_business_cases_fragment(ciso: Any, head_a: Any) -> None:
    case = factories.sso_case(author=ciso, title="SSO case")
    html = render_tag(
        "{% initiative_business_cases initiative %}", ciso, initiative=case.initiative
    )
    assert "SSO case" in html and "79.9 %" in html and "New business case" in html
    other = render_tag(
        "{% initiative_business_cases initiative %}", head_a, initiative=case.initiative
    )
    assert "SSO case" not in other


# --- queries do not grow with the data ----------------------------------------------------


def build(ciso: Any, n: int) -> BusinessCase:
    """n cases with lines and decisions; returns one of them with n lines of each kind."""
    first = None
    for _ in range(n):
        case = factories.sso_case(author=ciso, status=CaseStatus.SUBMITTED)
        factories.AssessmentFactory(initiative=case.initiative)
        first = first or case
    for _ in range(n):
        factories.CostLineFactory(case=first)
        factories.ScenarioFactory(case=first)
        factories.UserImpactFactory(case=first)
        CaseDecision.objects.create(
            case=factories.sso_case(author=ciso), revision=1, outcome="approved", comment="ok"
        )
    assert first is not None
    return first


def queries(client: Any, path: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
        response.getvalue()  # a streamed response queries as it is read
    assert response.status_code == 200, path
    return len(captured)


PAGES = [
    ("case-detail", {}),
    ("case-history", {}),
    ("case-print", {}),
    ("case-decide", {}),
]


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_case_pages_do_not_grow_with_the_data(
    client: Any,
    ciso: Any,
    executive: Any,
    name: str,
    extra: dict[str, str],
    django_assert_max_num_queries: Any,
) -> None:
    case = build(ciso, 2)
    client.force_login(executive)
    path = url(name, case)
    with django_assert_max_num_queries(32):
        client.get(path)
    few = queries(client, path)
    build(ciso, 20)
    for _ in range(20):  # a longer history
        case.title += "!"
        case.save()
    assert queries(client, path) == few


def test_the_portfolio_and_budget_do_not_grow_with_the_cases(
    client: Any, ciso: Any, django_assert_max_num_queries: Any
) -> None:
    build(ciso, 2)
    client.force_login(ciso)
    listing = reverse("business_cases:case-list")

    def measure() -> tuple[int, ...]:
        """Each count with no figures cached, then with them all cached."""
        counts = []
        for warm in (False, True):
            for path, extra in [
                (listing, {}),
                (listing, {"HTTP_HX_REQUEST": "true"}),
                (listing, {"QUERY_STRING": "sort=rosi"}),
                (reverse("business_cases:portfolio-csv"), {}),
            ]:
                if not warm:
                    cache.clear()
                counts.append(queries(client, path, **extra))
            if not warm:
                cache.clear()
            with CaptureQueriesContext(connection) as captured:
                render_tag("{% budget_requested_vs_approved %}", fresh(ciso))
            counts.append(len(captured))
        return tuple(counts)

    with django_assert_max_num_queries(12):
        client.get(listing)
    few = measure()
    build(ciso, 20)
    assert measure() == few


def fresh(user: Any) -> Any:
    """The user as a new request would load it (roles are cached on the object)."""
    return type(user).objects.get(pk=user.pk)
