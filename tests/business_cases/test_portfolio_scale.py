"""The portfolio at scale: a page at a time, figures cached but never stale, the CSV
streamed; a case's page and PDF cost the same queries however long its history.

Data is made with bulk_create at 1× (6 cases) and grown to 10× (60 cases, beyond one
page); the 100× organisation has 500.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from business_cases import portfolio
from business_cases.models import (
    BenefitLine,
    BusinessCase,
    CaseStatus,
    CostCategory,
    CostLine,
    Recurrence,
    RiskScenario,
)
from objectives.models import Initiative
from tests import factories
from tests.business_cases.helpers import editor_data, existing_rows

pytestmark = pytest.mark.django_db
D = Decimal
MAX_PAGE_BYTES = 100_000


def grow(scale: int, author: Any) -> None:
    """6 × scale cases, each with two cost lines, a scenario and a benefit, bulk-created."""
    objective = factories.ObjectiveFactory()
    batch = BusinessCase.objects.count()
    initiatives = Initiative.objects.bulk_create(
        factories.InitiativeFactory.build(objective=objective, title=f"Initiative {batch}-{i}")
        for i in range(6 * scale)
    )
    statuses = [CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.APPROVED]
    cases = BusinessCase.objects.bulk_create(
        factories.CaseFactory.build(
            initiative=initiative,
            author=author,
            title=f"Case {batch + i:04}",
            status=statuses[i % len(statuses)],
        )
        for i, initiative in enumerate(initiatives)
    )
    CostLine.objects.bulk_create(
        CostLine(
            case=case,
            description=f"Cost {n}",
            category=CostCategory.LICENCES,
            recurrence=recurrence,
            amount=D(1000 * (i + 1)),
        )
        for i, case in enumerate(cases)
        for n, recurrence in enumerate([Recurrence.ONE_OFF, Recurrence.YEARLY])
    )
    RiskScenario.objects.bulk_create(
        factories.ScenarioFactory.build(case=case, name="Ransomware") for case in cases
    )
    BenefitLine.objects.bulk_create(factories.BenefitFactory.build(case=case) for case in cases)


def measured(client: Any, path: str, **extra: Any) -> tuple[int, int]:
    """(queries, bytes) of one response, a streamed one read to its end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
        body = response.getvalue()
    assert response.status_code == 200, path
    return len(captured), len(body)


LISTING = reverse("business_cases:case-list")
CSV = reverse("business_cases:portfolio-csv")
REQUESTS: list[tuple[str, dict[str, str]]] = [
    (LISTING, {}),
    (LISTING, {"QUERY_STRING": "sort=rosi&dir=desc"}),
    (LISTING, {"QUERY_STRING": "sort=title&dir=asc&status=submitted&page=2"}),
    (LISTING, {"QUERY_STRING": "sort=npv&page=2", "HTTP_HX_REQUEST": "true"}),
    (CSV, {}),
    (CSV, {"QUERY_STRING": "sort=cost"}),
]


def all_counts(client: Any) -> list[int]:
    """Each request's queries with no figure cached, then with every figure cached."""
    counts = []
    for path, extra in REQUESTS:
        cache.clear()
        counts.append(measured(client, path, **extra)[0])
        counts.append(measured(client, path, **extra)[0])
    return counts


@pytest.mark.usefixtures("page_cache_off")
def test_it_costs_the_same_queries_at_ten_times_the_cases(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    grow(1, ciso)
    few = all_counts(client)
    grow(9, ciso)
    many = all_counts(client)
    assert many == few and max(many) <= 15, many
    cached, cold = few[1], few[0]
    assert cached < cold  # cached figures spare the reading of lines


def test_the_page_stays_small_at_ten_times_the_cases(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    grow(10, ciso)
    for query in ("", "sort=rosi", "sort=title&page=2"):
        response = client.get(LISTING, QUERY_STRING=query)
        assert len(response.context["rows"]) <= 50
        assert len(response.content) < MAX_PAGE_BYTES, query


def page_links(html: str) -> list[str]:
    found = re.findall(r'class="page-link" href="([^"]+)"', html)
    return [href.replace("&amp;", "&") for href in found]


@pytest.mark.parametrize("sort", ["title", "rosi"])
def test_portfolio_pages_keep_the_sort_and_the_filter(
    client: Any, ciso: Any, settings: Any, sort: str
) -> None:
    settings.PAGE_SIZE = 2
    grow(1, ciso)  # two of the six cases are submitted
    for i in range(3):
        factories.sso_case(author=ciso, title=f"Extra {i}", status=CaseStatus.SUBMITTED)
    client.force_login(ciso)
    first = client.get(LISTING, {"sort": sort, "dir": "asc", "status": "submitted"})
    [next_link] = page_links(first.text)
    assert next_link == f"?sort={sort}&dir=asc&status=submitted&page=2"
    seen = [row.case.title for row in first.context["rows"]]
    page = first
    while page.context["page"].has_next():
        page = client.get(LISTING + page_links(page.text)[-1])
        seen += [row.case.title for row in page.context["rows"]]
    submitted = BusinessCase.objects.filter(status=CaseStatus.SUBMITTED)
    assert sorted(seen) == sorted(c.title for c in submitted) and len(seen) == 5
    if sort == "title":
        assert seen == sorted(seen, key=str.lower)


def test_the_csv_is_streamed_in_chunks_with_every_case(
    client: Any, ciso: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio, "CHUNK", 2)  # five cases: three chunks
    grow(1, ciso)
    BusinessCase.objects.filter(title="Case 0000").update(title="=HYPERLINK(1)")
    BusinessCase.objects.filter(title="Case 0005").delete()
    client.force_login(ciso)
    response = client.get(CSV)
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:4] == ["case", "initiative", "status", "revision"]
    assert [row[0] for row in rows[1:]] == [
        "'=HYPERLINK(1)",
        "Case 0001",
        "Case 0002",
        "Case 0003",
        "Case 0004",
    ]
    # Case 0001: one-off 2,000 + 2,000 a year × 3; risk reduction 200,000 × (0.3 − 0.05).
    assert rows[2][4] == "8000.00" and rows[2][5] == "50000.00"


def test_the_csv_holds_the_cases_the_page_is_filtered_to(client: Any, ciso: Any) -> None:
    grow(1, ciso)
    BusinessCase.objects.filter(title__in=["Case 0001", "Case 0003"]).update(
        status=CaseStatus.SUBMITTED
    )
    BusinessCase.objects.exclude(title__in=["Case 0001", "Case 0003"]).update(
        status=CaseStatus.DRAFT
    )
    client.force_login(ciso)
    page = client.get(LISTING, {"status": "submitted"}, HTTP_HX_REQUEST="true").text
    assert f'href="{CSV}?status=submitted" hx-swap-oob="true"' in page  # the link follows
    response = client.get(CSV, {"status": "submitted"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert [row[0] for row in rows[1:]] == ["Case 0001", "Case 0003"]
    assert len(list(csv.reader(io.StringIO(client.get(CSV).getvalue().decode())))) > 3


def test_heads_get_no_csv(client: Any, head_a: Any, ciso: Any) -> None:
    grow(1, ciso)
    client.force_login(head_a)
    assert client.get(CSV).status_code == 404


def tco(client: Any) -> Decimal:
    [row] = client.get(LISTING).context["rows"]
    value = row.figures.total_cost_of_ownership
    csv_rows = list(csv.reader(io.StringIO(client.get(CSV).getvalue().decode())))
    assert csv_rows[1][4] == f"{value:.2f}"
    return Decimal(value)


def test_the_portfolio_is_never_stale_after_a_save(client: Any, ciso: Any) -> None:
    case = factories.sso_case(author=ciso)  # TCO 30,000 + (12,000 + 6,900) × 3 = 86,700
    client.force_login(ciso)
    assert tco(client) == D("86700")
    assert tco(client) == D("86700")  # now from the cache
    rows = existing_rows(case)
    rows["costs"] = [
        {**line, "amount": "22000"} if line["amount"] == D(12000) else line
        for line in rows["costs"]
    ]
    edit = reverse("business_cases:case-edit", kwargs={"case_id": case.pk})
    assert client.post(edit, editor_data(case, **rows)).status_code == 302
    assert tco(client) == D("116700")  # at once: 30,000 + (22,000 + 6,900) × 3
    listing = client.get(LISTING).text
    assert "116,700" in listing and "86,700" not in listing

    case.refresh_from_db()
    data = editor_data(case, **existing_rows(case), horizon_years="5")
    assert client.post(edit, data).status_code == 302
    assert tco(client) == D("174500")  # a change of the case alone counts as well


def test_the_budget_is_never_stale_after_a_save(client: Any, ciso: Any, executive: Any) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    assert portfolio.budget_totals().requested == 0
    client.get(LISTING)  # figures cached while a draft
    submit = reverse("business_cases:case-submit", kwargs={"case_id": case.pk})
    assert client.post(submit).status_code == 302
    assert portfolio.budget_totals().requested == D("86700")


def people_time_lines(case: BusinessCase, n: int) -> None:
    """n assessed people-time lines, each with a department, each changed once (history)."""
    for _ in range(n):
        line = factories.CostLineFactory(
            case=case,
            category=CostCategory.PEOPLE_TIME,
            source_department=factories.DepartmentFactory(),
            hours_per_week=D(2),
            hourly_rate=D(50),
        )
        line.amount += 1
        line.save()


@pytest.mark.parametrize("name", ["case-detail", "case-history", "case-print", "case-pdf"])
def test_case_pages_and_pdf_cost_the_same_queries_with_one_or_ten_department_lines(
    client: Any, ciso: Any, name: str, django_assert_max_num_queries: Any
) -> None:
    case = factories.sso_case(author=ciso)
    client.force_login(ciso)
    path = reverse(f"business_cases:{name}", kwargs={"case_id": case.pk})
    people_time_lines(case, 1)
    one = measured(client, path)[0]
    people_time_lines(case, 9)
    with django_assert_max_num_queries(25):
        ten = measured(client, path)[0]
    assert ten == one
