"""Reading pages answered from the cache while the programme has not changed.

A page listed in PAGES is rendered once per person, version of the programme
(alignment/changes.py: every write anywhere moves it, whoever makes it), minute, time
zone, address and HTMX target; the next same request is the stored answer, so a person
reading around a programme nobody is changing pays for one query of the version instead
of the page's queries and template. After any save the version differs and the page is
rendered again: a cached page is never older than the last write.

What a stored answer must not carry to someone else cannot reach them: the key holds the
person and a digest of their CSRF secret (the forms' tokens are theirs), a request with
a message waiting or without a CSRF cookie yet is neither answered from nor kept in the
cache, nor is an answer that sets a cookie or queues a message; the CSP nonce is replaced
by the request's own. Only GET, status 200, HTML.

Only pages that show nothing but the programme are listed: not the outbox, tokens, the
profile (its busy calendar is fetched from outside), the PDFs or the calendar feed (which
has its own cache). The portfolio CSV streams as it is made and is kept once it has all
gone out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any, cast

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from alignment import changes

PAGES = frozenset(
    {
        "home",
        "departments:department-list",
        "departments:department-detail",
        "departments:goal-list",
        "departments:goal-detail",
        "objectives:objective-list",
        "objectives:objective-detail",
        "objectives:initiative-list",
        "objectives:initiative-detail",
        "alignment:matrix-index",
        "alignment:matrix",
        "alignment:heatmap",
        "alignment:heatmap-department",
        "alignment:heatmap-objective",
        "alignment:assessment-list",
        "alignment:conflict-list",
        "alignment:coverage",
        "alignment:commitment-list",
        "alignment:request-list",
        "alignment:activity",
        "alignment:review-list",
        "alignment:report",
        "alignment:engagement-matrix",
        "alignment:meeting-list",
        "alignment:series-detail",
        "alignment:meeting-detail",
        "business_cases:case-list",
        "business_cases:case-detail",
        "business_cases:portfolio-csv",
    }
)
# The request headers an answer may depend on (django-htmx's partials).
HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted")
ATTRIBUTE = "_page_cache_key"
READING = "_page_cache_reading"
# A streamed export larger than this is not kept (it streams so as not to be held).
STREAM_LIMIT = 4 * 1024 * 1024


class PageCacheMiddleware:
    """Placed after the CSP, messages and HTMX middleware (it reads what they set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with ExitStack() as reading:
            setattr(request, READING, reading)
            response = self.get_response(request)
        cache_key, secret = getattr(request, ATTRIBUTE, (None, ""))
        if cache_key is None or not _keepable(request, response, secret):
            return response
        nonce = getattr(request, "_csp_nonce", None)
        stored: dict[str, object] = {
            "nonce": nonce if isinstance(nonce, str) else None,
            "streamed": response.streaming,
            "headers": [
                (name, value)
                for name, value in response.items()
                if name.lower() not in ("content-length", "set-cookie")
            ],
        }
        if response.streaming:  # kept once it has all gone out, if not too large
            streamed = cast(StreamingHttpResponse, response)
            if not streamed.is_async:
                chunks = cast(Iterator[bytes], streamed.streaming_content)
                streamed.streaming_content = _kept(chunks, cache_key, stored)
        else:
            body = cast(HttpResponse, response).content
            cache.set(cache_key, {**stored, "body": body}, changes.SECONDS)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if not _kept_page(request):
            return None
        # The page and its parts read the version once (alignment/changes.py), whether
        # or not the answer can come from the cache.
        getattr(request, READING).enter_context(changes.reading())
        secret = request.META.get("CSRF_COOKIE")
        if not secret or len(get_messages(request)):
            return None
        cache_key = _key(request, secret)
        stored = cache.get(cache_key)
        if stored is None:
            setattr(request, ATTRIBUTE, (cache_key, secret))
            return None
        # As rendering the tokens would: the CSRF cookie's expiry is renewed.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
        body: bytes = stored["body"]
        if stored["nonce"]:
            body = body.replace(stored["nonce"].encode(), str(request.csp_nonce).encode())  # type: ignore[attr-defined]
        response: HttpResponseBase = (
            StreamingHttpResponse(iter([body])) if stored["streamed"] else HttpResponse(body)
        )
        for name, value in stored["headers"]:
            response[name] = value
        return response


def _kept_page(request: HttpRequest) -> bool:
    if not settings.PAGE_CACHE or request.method != "GET":
        return False
    match = request.resolver_match
    if match is None or match.view_name not in PAGES:
        return False
    return bool(request.user.is_authenticated)


def _key(request: HttpRequest, secret: str) -> str:
    headers = [request.headers.get(name, "") for name in HEADERS]
    return changes.key(
        "page",
        request.user.pk,
        hashlib.sha256(secret.encode()).hexdigest()[:16],
        timezone.get_current_timezone_name(),
        hashlib.sha256("\n".join([request.get_full_path(), *headers]).encode()).hexdigest(),
    )


def _keepable(request: HttpRequest, response: HttpResponseBase, secret: str) -> bool:
    """Kept: an HTML page (or a streamed export) that set no cookie of its own, queued no
    message and kept the CSRF secret of its key (the CSRF middleware renews the same
    cookie)."""
    return (
        response.status_code == 200
        and not response.cookies
        and response.get("Content-Type", "").startswith(("text/html", "text/csv"))
        and request.META.get("CSRF_COOKIE") == secret
        and not len(get_messages(request))
    )


def _kept(chunks: Iterable[bytes], cache_key: str, stored: dict[str, object]) -> Iterator[bytes]:
    """The export's chunks as they go out; all of them kept at the end, unless they grew
    past STREAM_LIMIT (then nothing is) or the reader went away before the end."""
    kept: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        if kept is not None:
            kept.append(chunk)
            size += len(chunk)
            if size > STREAM_LIMIT:
                kept = None
        yield chunk
    if kept is not None:
        cache.set(cache_key, {**stored, "body": b"".join(kept)}, changes.SECONDS)
