"""No N+1: each department page and endpoint costs a fixed number of queries.

Each test measures a request, grows the data tenfold (goals, check-ins, documents, links),
measures again and asserts the two counts are equal, besides a ceiling on the count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import HTMX
from tests.departments.files import PDF_BYTES

pytestmark = pytest.mark.django_db


def grow(department: Any, *, goals: int, checkins: int = 3) -> Any:
    """`goals` goals with `checkins` check-ins and a link each, and `goals` documents."""
    owner = department.head
    first = None
    for i in range(goals):
        goal = factories.GoalFactory(department=department, owner=owner)
        first = first or goal
        for day in range(checkins):
            factories.CheckInFactory(
                goal=goal, date=dt.date(2026, 1, 1) + dt.timedelta(days=day), author=owner
            )
        factories.LinkFactory(goal=goal, initiative=factories.InitiativeFactory())
        factories.DocumentFactory(department=department, uploaded_by=owner, title=f"Doc {i}")
    return first


def queries(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code in (200, 302), response.status_code
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(captured)


def assert_flat(
    request: Callable[[], Any], department: Any, ceiling: int, django_assert_max_num_queries: Any
) -> None:
    grow(department, goals=2)
    small = queries(request)
    grow(department, goals=18, checkins=30)  # 10× goals and documents, far more check-ins
    with django_assert_max_num_queries(ceiling):
        large = queries(request)
    assert large == small, f"{small} queries with little data, {large} with 10×"


@pytest.mark.parametrize("role", ["head_a", "ciso", "executive"])
@pytest.mark.usefixtures("page_cache_off")
def test_department_page_queries_do_not_grow(
    client: Any,
    role: str,
    request: pytest.FixtureRequest,
    dept_a: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(request.getfixturevalue(role))
    url = dept_a.get_absolute_url()
    assert_flat(lambda: client.get(url), dept_a, 16, django_assert_max_num_queries)


def test_goal_list_queries_do_not_grow(
    client: Any, ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    url = reverse("departments:goal-list")
    assert_flat(lambda: client.get(url), dept_a, 10, django_assert_max_num_queries)


def test_goal_detail_queries_do_not_grow_with_check_ins_and_links(
    client: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, owner=head_a)
    client.force_login(head_a)

    def add_history(n: int) -> None:
        for day in range(n):
            factories.CheckInFactory(goal=goal, date=dt.date(2026, 1, 1) + dt.timedelta(days=day))
            factories.LinkFactory(goal=goal, initiative=factories.InitiativeFactory())

    add_history(3)
    small = queries(lambda: client.get(goal.get_absolute_url()))
    add_history(30)
    with django_assert_max_num_queries(14):
        large = queries(lambda: client.get(goal.get_absolute_url()))
    assert large == small


def test_htmx_check_in_queries_do_not_grow(
    client: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    goal = factories.GoalFactory(department=dept_a, baseline=Decimal("0"), target=Decimal("100"))
    client.force_login(head_a)
    url = reverse("departments:checkin-create", args=[goal.pk])

    def check_in(day: int) -> Any:
        data = {"date": f"2026-03-{day:02d}", "value": str(day), "confidence": "3"}
        return client.post(url, data, **HTMX)

    small = queries(lambda: check_in(1))
    for day in range(30):
        factories.CheckInFactory(goal=goal, date=dt.date(2026, 1, 1) + dt.timedelta(days=day))
    with django_assert_max_num_queries(22):
        large = queries(lambda: check_in(2))
    assert large == small


def test_htmx_upload_queries_do_not_grow(
    client: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(head_a)
    url = reverse("departments:document-upload", args=[dept_a.slug])

    def post() -> Any:
        return client.post(url, {"file": SimpleUploadedFile("p.pdf", PDF_BYTES)}, **HTMX)

    assert_flat(post, dept_a, 16, django_assert_max_num_queries)


def test_htmx_review_queries_do_not_grow(
    client: Any, ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    document = factories.DocumentFactory(department=dept_a)
    url = reverse("departments:document-review", args=[document.pk])
    post = lambda: client.post(url, {"review_note": "ok"}, **HTMX)  # noqa: E731
    assert_flat(post, dept_a, 12, django_assert_max_num_queries)


def test_download_queries_do_not_grow(
    client: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(head_a)
    document = factories.DocumentFactory(department=dept_a)
    url = reverse("departments:document-download", args=[document.pk])
    assert_flat(lambda: client.get(url), dept_a, 8, django_assert_max_num_queries)


def test_my_department_costs_a_few_queries(
    client: Any, head_a: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(head_a)
    url = reverse("departments:my-department")
    assert_flat(lambda: client.get(url), dept_a, 6, django_assert_max_num_queries)
