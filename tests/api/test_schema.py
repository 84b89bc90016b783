"""The OpenAPI schema, the documentation page under the Content-Security-Policy, and
Schemathesis: every operation of the generated schema, called with a security-team token
and generated data (25 examples each, derandomized), answers without a 500 and with a
body that conforms to the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import api
from tests.test_permission_matrix import World

pytestmark = pytest.mark.django_db


def generated_schema() -> dict[str, Any]:
    return dict(SchemaGenerator().get_schema(request=None, public=True))


SCHEMA = schemathesis.openapi.from_dict(generated_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_the_schema_is_served_to_tokens_and_sessions(tokens: dict[str, str], head_a: Any) -> None:
    response = api(tokens["head_a"]).get(reverse("api:schema"))
    assert response.status_code == 200
    assert b"/api/v1/goals/{goal_id}/check-ins/" in response.content
    assert api(None).get(reverse("api:schema")).status_code == 401


def test_the_docs_page_needs_no_inline_script_or_cdn(tokens: dict[str, str], head_a: Any) -> None:
    client = Client()
    client.force_login(head_a)
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    policy = page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    assert "<script>" not in html and "<style>" not in html and "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_generated_requests_never_fail_the_schema(
    operation: Any, world: World, tokens: dict[str, str], settings: Any
) -> None:
    settings.API_THROTTLE_RATE = "100000/min"  # the generator is not a runaway script
    app = get_wsgi_application()
    headers = {"Authorization": f"Bearer {tokens['ciso']}"}

    @hypothesis_settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    # As Django's test client does: the test's transaction must outlive each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        call()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
