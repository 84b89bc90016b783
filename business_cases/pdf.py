"""The one-page view of a case, for print and as a PDF (WeasyPrint).

The PDF is the print page's own template rendered without its screen-only parts, with
the print stylesheet handed to WeasyPrint directly. WeasyPrint may fetch nothing over
the network: every chart is inline SVG, and any other URL is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from business_cases import charts, sources
from business_cases.models import BusinessCase, Outcome

STYLESHEET = "css/print.css"


def context(case: BusinessCase, *, for_pdf: bool) -> dict[str, object]:
    decisions = list(case.decisions.select_related("decided_by"))
    return {
        "case": case,
        "for_pdf": for_pdf,
        "latest_decision": decisions[0] if decisions else None,
        "approval": next((d for d in decisions if d.outcome == Outcome.APPROVED), None),
        "cash_chart": charts.cumulative_cash(case.figures, case.horizon_years),
        "trade_off": sources.trade_off(case.initiative),
        "printed_at": timezone.now(),
    }


def stylesheet() -> str:
    found = finders.find(STYLESHEET)
    if found:
        return Path(found).read_text()
    with staticfiles_storage.open(STYLESHEET) as handle:  # after collectstatic
        return handle.read().decode()


def refuse_fetch(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"The PDF renderer does not fetch {url!r}.")


def render(case: BusinessCase, *, request: HttpRequest | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only this view needs.
    from weasyprint import CSS, HTML

    html = render_to_string(
        "business_cases/case_print.html", context(case, for_pdf=True), request=request
    )
    document = HTML(string=html, url_fetcher=refuse_fetch, base_url="about:blank")
    return document.write_pdf(stylesheets=[CSS(string=stylesheet())])


def filename(case: BusinessCase) -> str:
    return f"business-case-{case.pk}-r{case.revision}-{slugify(case.title)[:60] or 'case'}.pdf"
