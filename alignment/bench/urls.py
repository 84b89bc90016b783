"""The project's URLs plus the benchmark's yardstick: a static page of any size, served
through the same middleware as every page (alignment/bench/pages.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from alignment.conf.urls import urlpatterns as project_urls

MAX_STATIC_BYTES = 50_000_000


def static_page(request: HttpRequest, size: int) -> HttpResponse:
    """`size` bytes of HTML that need no database and no template."""
    body = b"<!doctype html><title>static</title>"
    return HttpResponse(body + b"x" * max(min(size, MAX_STATIC_BYTES) - len(body), 0))


urlpatterns: list[URLPattern | URLResolver] = [
    path("__bench__/static/<int:size>/", static_page, name="bench-static"),
    *project_urls,
]
