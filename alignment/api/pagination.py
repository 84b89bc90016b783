"""The API's pages (its own module: DRF imports the pagination class while its generic
views are being defined, so this must not import them)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class Pages(PageNumberPagination):
    """`?page=`, settings.PAGE_SIZE rows a page (read per request, as the pages' lists);
    a page past the last is DRF's 404."""

    def get_page_size(self, request: Request) -> int:
        return int(settings.PAGE_SIZE)
