"""Reading pages come from the cache while the programme is unchanged, and never after a
change, never to someone else, never with another request's nonce, token or message
(alignment/conf/page_cache.py)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alignment.conf import page_cache
from business_cases.models import BusinessCase
from departments.models import Goal
from tests import factories

GOALS = "/goals/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.get(GOALS)  # the first page gives the browser its CSRF cookie
    return client


def _get(client: Client, url: str, **extra: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def test_a_reading_page_is_made_once_and_again_after_any_write(ciso: Any, dept_a: Any) -> None:
    goal: Goal = factories.GoalFactory(department=dept_a, title="Cut invoice errors")  # type: ignore[assignment]
    client = _client(ciso)
    made, made_queries = _get(client, GOALS)
    again, again_queries = _get(client, GOALS)
    assert made.status_code == again.status_code == 200
    assert "Cut invoice errors" in again.content.decode()
    # The session, the user and the programme's version: nothing of the page itself.
    assert again_queries == 3 < made_queries
    # A write the page never saw (a bulk update, no signal) shows at once.
    Goal.objects.filter(pk=goal.pk).update(title="Halve invoice errors")
    after, after_queries = _get(client, GOALS)
    assert "Halve invoice errors" in after.content.decode()
    assert "Cut invoice errors" not in after.content.decode()
    assert after_queries == made_queries


def test_a_page_kept_for_one_person_is_never_shown_to_another(
    ciso: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    factories.GoalFactory(department=dept_a, title="Infrastructure only goal")
    url = reverse("departments:department-detail", args=[dept_a.slug])
    for _ in range(2):
        assert "Infrastructure only goal" in _client(ciso).get(url).content.decode()
    head = _client(head_b)
    for _ in range(2):
        assert head.get(url).status_code == 404
    assert "Infrastructure only goal" not in head.get(GOALS).content.decode()


def test_a_cached_page_carries_this_requests_nonce_and_its_readers_token(ciso: Any) -> None:
    client = _client(ciso)
    nonces = []
    for _ in range(3):
        response = client.get(GOALS)
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert header is not None
        nonce = header.group(1)
        assert f'nonce="{nonce}"' in response.content.decode()
        nonces.append(nonce)
    assert len(set(nonces)) == 3
    # Its forms' tokens are the reader's own: a POST with the cached page's token passes.
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get(GOALS).content.decode())
    assert token is not None
    poster = Client(enforce_csrf_checks=True)
    poster.cookies = client.cookies
    answer = poster.post(reverse("logout"), {"csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 302


def test_a_message_is_shown_once_never_kept_in_a_cached_page(head_a: Any, dept_a: Any) -> None:
    goal: Goal = factories.GoalFactory(department=dept_a)  # type: ignore[assignment]
    client = _client(head_a)
    for _ in range(2):
        assert "Check-in recorded." not in client.get(goal.get_absolute_url()).content.decode()
    answer = client.post(
        reverse("departments:checkin-create", args=[goal.pk]),
        {"date": "2026-11-30", "value": "42", "confidence": "4", "comment": ""},
        follow=True,
    )
    assert "Check-in recorded." in answer.content.decode()
    again = client.get(goal.get_absolute_url()).content.decode()
    assert "Check-in recorded." not in again
    assert "42" in again


def test_a_browser_without_a_csrf_cookie_gets_the_page_made_and_a_cookie(ciso: Any) -> None:
    _client(ciso).get(GOALS)
    fresh = Client()
    fresh.force_login(ciso)
    first, first_queries = _get(fresh, GOALS)
    assert first.status_code == 200
    assert "csrftoken" in first.cookies
    assert first_queries > 3


def test_a_page_and_its_htmx_fragment_are_kept_apart(ciso: Any, dept_a: Any) -> None:
    factories.GoalFactory(department=dept_a)
    url = reverse("alignment:matrix", args=[dept_a.slug])
    client = _client(ciso)
    page = client.get(url).content.decode()
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in page
    assert "<html" not in fragment
    assert "<html" in client.get(url).content.decode()
    assert "<html" not in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_portfolio_csv_streams_and_is_kept_until_a_case_changes(ciso: Any) -> None:
    case: BusinessCase = factories.CaseFactory(title="Phishing-resistant MFA")  # type: ignore[assignment]
    client = _client(ciso)
    url = reverse("business_cases:portfolio-csv")
    first, first_queries = _get(client, url)
    assert first.streaming
    body = b"".join(first.streaming_content)
    second, second_queries = _get(client, url)
    assert second.streaming
    assert b"".join(second.streaming_content) == body
    assert b"Phishing-resistant MFA" in body
    assert second_queries == 3 < first_queries
    BusinessCase.objects.filter(pk=case.pk).update(title="Passkeys for everyone")
    third = b"".join(client.get(url).streaming_content)  # type: ignore[attr-defined]
    assert b"Passkeys for everyone" in third
    assert b"Phishing-resistant MFA" not in third


def test_with_the_cache_switched_off_every_request_makes_the_page(ciso: Any, settings: Any) -> None:
    settings.PAGE_CACHE = False
    client = _client(ciso)
    _, made = _get(client, GOALS)
    _, again = _get(client, GOALS)
    assert again == made > 3


def _view_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _view_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_the_kept_pages_are_real_pages_and_none_shows_what_is_not_the_programme() -> None:
    names = _view_names(get_resolver().url_patterns)
    assert names >= page_cache.PAGES
    # Outboxes, tokens, the busy calendar and the feed's own cache move no version.
    assert (
        not {
            "alignment:outbox",
            "alignment:meeting-profile",
            "alignment:calendar-feed",
            "tokens:token-list",
        }
        & page_cache.PAGES
    )
