"""Every form and HTMX endpoint × role, fed hostile values: never a 500, bounded queries.

The URL list, the world of objects and the URL parameters come from
tests/test_permission_matrix.py, so a new URL is attacked the day it is added. For each
POST-able URL, hypothesis builds bodies from the field names the GET page renders (hidden
fields and formset management fields included) plus a few invented names, each filled
with a hostile value: huge, negative and non-finite numbers, dates at year 1 and 9999,
control characters, 100 kB strings, ids above 2^63, missing and duplicated fields and
enormous formset counts. Each body is sent as a plain POST and as an HTMX POST, and
every row of the tables it wrote is read back and checked against its model's bounds.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from business_cases.models import BusinessCase, CaseStatus
from tests.conftest import HTMX
from tests.test_permission_matrix import (
    DEPARTMENT_KWARGS,
    PUBLIC,
    URLS,
    VALID_POST,
    World,
    kwargs_for,
    parameter_names,
    world,
)

__all__ = ["world"]  # the fixture, imported so that pytest finds it here

# "owner" is whoever may really change the world's objects: head B for department B's
# data, and the CISO for the business case once it is back in draft. Without it the
# editors (the business case's formsets above all) would only ever answer 403.
ROLES = ("ciso", "head_a", "executive", "owner")
# Tokens, the login page and logout are not forms a logged-in role fills in.
SKIPPED = PUBLIC | {"logout"}
MAX_QUERIES = 200
EXAMPLES = {"ciso": 5, "head_a": 2, "executive": 2, "owner": 3}

HOSTILE = st.sampled_from(
    [
        "-1",
        "0",
        "1e309",
        "NaN",
        "sNaN",
        "Infinity",
        "-99999999999999999999",
        "9" * 40,
        "18446744073709551617",  # above 2^64, so above any bigint id
        "0001-01-01",
        "9999-12-31",
        "99999-01-01",
        "\r\nBcc: x@example.com",
        "\x00",
        "a" * 100_000,
        "",
    ]
) | st.text(max_size=50)
FIELD_NAME = re.compile(r'\bname="([^"]+)"')
INVENTED = st.lists(
    st.sampled_from(["id", "pk", "form-0-id", "form-0-DELETE", "ORDER", "owner", "department"])
    | st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12),
    max_size=3,
)

POSTABLE = [(name, pattern) for name, pattern in URLS if name.split(":")[-1] not in SKIPPED]


def field_names(client: Client, url: str) -> list[str]:
    """The names the page's forms post; the matrix payload's when the page is refused."""
    response = client.get(url)
    names = set(FIELD_NAME.findall(response.content.decode(errors="replace")))
    names.discard("csrfmiddlewaretoken")
    return sorted(names) or sorted(VALID_POST)


@st.composite
def hostile_body(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in names + draw(INVENTED):
        if name.endswith("TOTAL_FORMS"):
            body[name] = draw(st.sampled_from(["1000000", "-1", "NaN", "0"]))
            continue
        shape = draw(st.sampled_from(["one", "one", "one", "missing", "twice"]))
        if shape == "one":
            body[name] = draw(HOSTILE)
        elif shape == "twice":
            body[name] = [draw(HOSTILE), draw(HOSTILE)]
    return body


def describe(body: dict[str, Any]) -> str:
    def short(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:30]}…({len(text)} chars)"

    return ", ".join(f"{key}={short(value)}" for key, value in body.items())


def post(client: Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    # A savepoint per request, so that a database error cannot poison the test's
    # transaction (on PostgreSQL) and hide the next example's result.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.post(url, body, **headers)
    response.query_count = len(queries)
    response.written = written_models(queries.captured_queries)
    return response


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
PROJECT_APPS = ("departments", "objectives", "business_cases", "alignment")
# What the model's own validators say about a stored value's range, length and kind;
# "blank" and "required" describe forms (code fills some fields in later), not storage.
NOT_ABOUT_RANGE = {"blank", "required", "unique", "unique_together"}
ROWS_READ_BACK = 500


def written_models(queries: list[dict[str, str]]) -> set[type[Model]]:
    tables = {match.group(1) for q in queries if (match := WRITE.match(q["sql"]))}
    return {
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.db_table in tables
    }


def stored_out_of_range(models: set[type[Model]]) -> list[str]:
    """Every row of the tables a request wrote, read back and checked field by field."""
    problems = []
    for model in models:
        for row in model._default_manager.order_by("-pk")[:ROWS_READ_BACK]:
            try:
                row.clean_fields()
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    codes = {e.code for e in errors} - NOT_ABOUT_RANGE
                    if codes:
                        value = repr(getattr(row, field, None))[:60]
                        problems.append(f"{model.__name__} {row.pk}: {field}={value} {codes}")
    return problems


def user_for(role: str, kwargs: dict[str, Any], world: World) -> Any:
    if role != "owner":
        return world.users[role]
    if "case_id" in kwargs:
        BusinessCase.objects.filter(pk=kwargs["case_id"]).update(status=CaseStatus.DRAFT)
        return world.users["ciso"]
    return world.users["head_b"]


def owned(pattern: Any) -> bool:
    """Whether the URL points at department B's data or the business case (see `user_for`)."""
    return bool(DEPARTMENT_KWARGS & set(parameter_names(pattern)))


CASES = [
    pytest.param(name, pattern, role, id=f"{name}-{role}")
    for name, pattern in POSTABLE
    for role in ROLES
    if role != "owner" or owned(pattern)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern", "role"), CASES)
def test_hostile_post_never_fails(name: str, pattern: Any, role: str, world: World) -> None:
    kwargs = kwargs_for(name, pattern, world)
    url = reverse(name, kwargs=kwargs)
    client = Client(raise_request_exception=False)
    client.force_login(user_for(role, kwargs, world))
    if client.post(url, {}).status_code == 405:
        return  # a read-only page: nothing to post to
    names = field_names(client, url)

    @settings(
        max_examples=EXAMPLES[role],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=hostile_body(names))
    def attack(body: dict[str, Any]) -> None:
        for kind, headers in (("plain", {}), ("htmx", HTMX)):
            response = post(client, url, body, headers)
            error = getattr(response, "exc_info", None)
            assert response.status_code != 500, (
                f"{kind} POST {name} as {role}: "
                f"{error[0].__name__ + ': ' + str(error[1])[:200] if error else ''}\n"
                f"body: {describe(body)}"
            )
            assert response.query_count <= MAX_QUERIES, (
                f"{kind} POST {name} as {role}: {response.query_count} queries"
            )
            problems = stored_out_of_range(response.written)
            assert not problems, (
                f"{kind} POST {name} as {role} stored out of range: {problems[:5]}\n"
                f"body: {describe(body)}"
            )

    attack()
