"""Board packs: freezing the posture report, and the pack's lifecycle.

- `freeze`: the security team freezes this period's report. The pack stores the document
  (alignment/posture.py) with its SHA-256, and the PDF and XLSX rendered from it, and is
  never recomputed. A pack still awaiting approval is superseded by the new one. Every
  executive is emailed.
- `approve`: an executive approves the pack awaiting approval; earlier approved packs
  are superseded by it. Executives receive it by email when BOARD_PACK_EMAIL_APPROVED is on.
- `present`: the security team records the senior-leadership meeting where it was
  discussed; that meeting's decisions and action items are the board's answer.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from alignment import posture, programme_emails
from alignment.meetings.models import MeetingKind, Occurrence, OccurrenceStatus
from alignment.models import BoardPack, PackStatus, PostureReport
from alignment.models.reports import digest
from alignment.templatetags.report_tags import report_value
from business_cases.pdf import refuse_fetch, stylesheet

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PRINT_TEMPLATE = "alignment/report_print.html"


# --- files -------------------------------------------------------------------------------


def render_pdf(
    document: posture.Document,
    *,
    title: str,
    number: int | None = None,
    frozen_at: dt.datetime | None = None,
) -> bytes:
    """The print view of the document, through WeasyPrint (the business cases' path:
    the print stylesheet, inline SVG charts, no fetching). A pack's PDF names the pack."""
    from weasyprint import CSS, HTML  # imported here: it loads Pango

    context = {
        "document": document,
        "title": title,
        "for_pdf": True,
        "frozen": {"number": number, "frozen_at": frozen_at} if number else None,
    }
    html = render_to_string(PRINT_TEMPLATE, context)
    pdf = HTML(string=html, url_fetcher=refuse_fetch, base_url="about:blank")
    return pdf.write_pdf(stylesheets=[CSS(string=stylesheet())])


def _cell(value: Any, kind: str) -> Any:
    """A value as a spreadsheet cell: numbers as numbers (Decimal), dates as dates."""
    if value is None or value == "":
        return None
    if kind in ("int", "percent", "money", "hours", "decimal"):
        number = posture.number(value)
        if number is None:
            return str(value)
        return int(number) if kind == "int" else number
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    return str(value)


FORMATS = {
    "int": "#,##0",
    "percent": '0" %"',
    "money": "#,##0.00",
    "hours": "#,##0.0",
    "decimal": "#,##0.00",
    "date": "yyyy-mm-dd",
}


def render_xlsx(document: posture.Document) -> bytes:
    """One sheet of headline figures (with the previous pack's and the change), then one
    sheet per section with its table. Numbers are numbers, not text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    assert summary is not None
    summary.title = "Figures"
    summary.append([f"{document['title']}, {document['period_label']}"])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([f"As of {document['as_of']}; amounts in {document['currency']}"])
    summary.append([])
    summary.append(["Section", "Figure", "Value", "Previous pack", "Change"])
    for cell in summary[4]:
        cell.font = bold
    for section in document["sections"]:
        for item in section["figures"]:
            kind = item["type"]
            summary.append(
                [
                    section["title"],
                    item["label"],
                    _cell(item["value"], kind),
                    _cell(item.get("previous"), kind),
                    _cell(item.get("change"), kind),
                ]
            )
            row = summary.max_row
            for column in ("C", "D", "E"):
                summary[f"{column}{row}"].number_format = FORMATS.get(kind, "General")
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 44
    for section in document["sections"]:
        sheet = book.create_sheet(section["title"][:31])
        sheet.append([section["title"]])
        sheet["A1"].font = Font(bold=True, size=12)
        if section.get("narrative"):
            sheet.append([section["narrative"]])
        sheet.append([])
        found = section.get("table")
        if not found:
            continue
        columns = found["columns"]
        sheet.append([c["label"] for c in columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for values in found["rows"]:
            sheet.append([_cell(v, c["type"]) for v, c in zip(values, columns, strict=False)])
            row = sheet.max_row
            for index, column in enumerate(columns, start=1):
                if column["type"] in FORMATS:
                    sheet.cell(row=row, column=index).number_format = FORMATS[column["type"]]
        if found.get("more"):
            sheet.append([f"… and {found['more']} more rows in the application"])
        for index in range(1, len(columns) + 1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(pack: BoardPack, extension: str) -> str:
    return f"board-pack-{pack.number}-{slugify(pack.period_label)}.{extension}"


def figure_text(item: dict[str, Any]) -> str:
    return report_value(item.get("value"), item.get("type", "text"))


# --- lifecycle ---------------------------------------------------------------------------


def freeze(report: PostureReport, *, by: User, now: dt.datetime | None = None) -> BoardPack:
    """Freeze the report as the next board pack, awaiting an executive's approval."""
    now = now or timezone.now()
    previous = posture.last_approved_pack()
    document = posture.build(report, now=now, previous=previous)
    # The number is read before rendering, outside the transaction (a PDF takes seconds;
    # no lock is held meanwhile). Two freezes that read the same number cannot both
    # land: the number is unique, and the loser is asked to retry.
    number = (BoardPack.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    pdf = render_pdf(document, title=f"Board pack {number}", number=number, frozen_at=now)
    xlsx = render_xlsx(document)
    try:
        with transaction.atomic():
            drafts = list(BoardPack.objects.select_for_update().filter(status=PackStatus.DRAFT))
            BoardPack.objects.filter(pk__in=[d.pk for d in drafts]).update(
                status=PackStatus.SUPERSEDED, superseded_at=now
            )
            pack = BoardPack.objects.create(
                number=number,
                period=report.period,
                schema_version=document["schema_version"],
                document=document,
                sha256=digest(document),
                pdf=pdf,
                xlsx=xlsx,
                previous=previous,
                frozen_at=now,
                frozen_by=by,
            )
            BoardPack.objects.filter(pk__in=[d.pk for d in drafts]).update(superseded_by=pack)
            programme_emails.queue_pack_to_approve(pack)
    except IntegrityError as clash:
        raise ValidationError(
            "Someone froze a pack at the same moment: open the board packs and retry."
        ) from clash
    return pack


@transaction.atomic
def approve(pack: BoardPack, *, by: User, now: dt.datetime | None = None) -> BoardPack:
    now = now or timezone.now()
    locked = BoardPack.objects.select_for_update().defer("pdf", "xlsx").get(pk=pack.pk)
    if locked.status != PackStatus.DRAFT:
        raise ValidationError(
            f"{locked} is {locked.get_status_display().lower()}: only a pack awaiting "
            "approval can be approved."
        )
    BoardPack.objects.filter(
        status__in=[PackStatus.APPROVED, PackStatus.PRESENTED], number__lt=locked.number
    ).update(status=PackStatus.SUPERSEDED, superseded_at=now, superseded_by=locked)
    locked.status, locked.approved_at, locked.approved_by = PackStatus.APPROVED, now, by
    locked.save(update_fields=["status", "approved_at", "approved_by"])
    programme_emails.queue_pack_approved(locked)
    return locked


def leadership_meetings(*, now: dt.datetime | None = None) -> list[Occurrence]:
    """Senior-leadership meetings a pack may have been presented at: held in the last 120
    days or coming in the next 30, not cancelled."""
    now = now or timezone.now()
    return list(
        Occurrence.objects.filter(
            series__kind=MeetingKind.SENIOR,
            status=OccurrenceStatus.SCHEDULED,
            start__gte=now - dt.timedelta(days=120),
            start__lte=now + dt.timedelta(days=30),
        )
        .select_related("series")
        .order_by("-start")[:40]
    )


@transaction.atomic
def present(pack: BoardPack, meeting: Occurrence, *, now: dt.datetime | None = None) -> BoardPack:
    now = now or timezone.now()
    locked = BoardPack.objects.select_for_update().defer("pdf", "xlsx").get(pk=pack.pk)
    if locked.status not in (PackStatus.APPROVED, PackStatus.PRESENTED):
        raise ValidationError("Only an approved pack can be presented.")
    if meeting.series.kind != MeetingKind.SENIOR:
        raise ValidationError("Board packs are presented at senior-leadership meetings.")
    locked.status, locked.presented_at, locked.meeting = PackStatus.PRESENTED, now, meeting
    locked.save(update_fields=["status", "presented_at", "meeting"])
    return locked
