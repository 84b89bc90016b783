"""The posture report and board packs: figures that agree with the dashboard, a frozen pack
that never moves, its PDF, spreadsheet and hash, and its lifecycle by role."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from alignment import figures, notifications, packs, posture
from alignment.meetings import services as meeting_services
from alignment.meetings.models import MeetingKind
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.models import (
    AlignmentLink,
    BoardPack,
    PackStatus,
    PostureReport,
    ProgrammeEmail,
    ProgrammeEmailKind,
    Relation,
)
from objectives.models import Sample
from tests import factories

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def by_key(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return posture.figures_by_key(document)


@pytest.fixture
def programme(ciso: Any, head_a: Any, dept_a: Any) -> dict[str, Any]:
    """Two goals (one supported, one in an unmitigated conflict) and a measure with samples."""
    supported = factories.GoalFactory(department=dept_a, owner=head_a, title="Grow revenue")
    conflicted = factories.GoalFactory(department=dept_a, owner=head_a, title="Ship faster")
    initiative = factories.InitiativeFactory(owner=ciso, title="Roll out SSO")
    factories.LinkFactory(initiative=initiative, goal=supported)
    conflict = factories.LinkFactory(
        initiative=initiative, goal=conflicted, relation=Relation.CONFLICTS, mitigation=""
    )
    measure = factories.MeasureFactory(
        objective=initiative.objective, title="Staff on SSO with MFA"
    )
    today = timezone.localdate()
    for days, value in ((90, "50"), (60, "65"), (30, "72")):
        Sample.objects.create(
            measure=measure,
            date=today - dt.timedelta(days=days),
            period=today - dt.timedelta(days=days),
            value=Decimal(value),
        )
    return {"measure": measure, "conflict": conflict, "initiative": initiative}


def senior_meeting(ciso: Any, executive: Any) -> Any:
    """A senior-leadership meeting held last week, made by the service the pages use."""
    first = timezone.localdate() - dt.timedelta(days=7)
    series = meeting_services.series_create(
        organiser=ciso,
        kind=MeetingKind.SENIOR,
        title="Senior leadership",
        rule=preset_rule(Preset.QUARTERLY, first),
        start_date=first,
        start_time=dt.time(10, 0),
        time_zone="Europe/London",
        duration_minutes=60,
        users=[executive],
        now=timezone.now() - dt.timedelta(days=8),
    )
    return series.occurrences.order_by("start").first()


# --- the document ------------------------------------------------------------------------


def test_the_report_shows_the_dashboards_figures(programme: dict[str, Any]) -> None:
    document = posture.build(posture.current_report())
    found = by_key(document)
    coverage = figures.goal_coverage()
    assert found["coverage.percent"]["value"] == coverage.percent == 50
    assert found["coverage.active"]["value"] == coverage.active == 2
    assert found["conflicts.unmitigated"]["value"] == figures.unmitigated_conflicts().count() == 1
    measures = next(s for s in document["sections"] if s["key"] == "measures")
    row = measures["table"]["rows"][0]
    # 72 against amber 80 and red 60, higher is better: amber, with its three samples.
    assert row[1] == "Staff on SSO with MFA" and row[6] == "72.00" and row[7] == "Amber"
    assert measures["trends"][0] == ["50.00", "65.00", "72.00"]
    assert found["measures.amber"]["value"] == 1
    assert document["previous"] is None
    assert found["coverage.percent"]["change"] is None


def test_a_measure_is_reported_as_of_the_end_of_the_period(programme: dict[str, Any]) -> None:
    """A past quarter's report reads the samples taken by the quarter's end, not later ones."""
    today = timezone.localdate()
    period = posture.quarter_start(today - dt.timedelta(days=200))
    report = PostureReport.objects.create(period=period)
    measures = posture.build(report)["sections"][0]
    assert measures["table"]["rows"][0][6] is None  # no sample by then
    assert measures["table"]["rows"][0][7] == "No sample yet"


def test_sections_switched_off_are_left_out_of_the_document(programme: dict[str, Any]) -> None:
    report = posture.current_report()
    report.hidden_sections = ["portfolio", "meetings"]
    report.narratives = {"coverage": "Half the goals have a sponsor."}
    report.save()
    keys = [s["key"] for s in posture.build(report)["sections"]]
    assert "portfolio" not in keys and "meetings" not in keys and "measures" in keys
    coverage = next(s for s in posture.build(report)["sections"] if s["key"] == "coverage")
    assert coverage["narrative"] == "Half the goals have a sponsor."
    shown = [s["key"] for s in posture.build(report, include_hidden=True)["sections"]]
    assert shown == [key for key, _ in posture.SECTIONS]


def test_every_figure_shows_its_change_since_the_last_approved_pack(
    programme: dict[str, Any], ciso: Any, executive: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    packs.approve(pack, by=executive)
    conflict = programme["conflict"]
    AlignmentLink.objects.filter(pk=conflict.pk).update(mitigation="Deploy windows agreed")
    found = by_key(posture.build(posture.current_report()))
    unmitigated = found["conflicts.unmitigated"]
    assert (unmitigated["previous"], unmitigated["value"], unmitigated["change"]) == (1, 0, -1)
    changed = posture.differences(posture.build(posture.current_report()))
    assert [c["key"] for c in changed] == ["conflicts.unmitigated"]


# --- freezing ----------------------------------------------------------------------------


def test_a_frozen_pack_never_changes_when_the_data_does(
    programme: dict[str, Any], ciso: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    frozen = json.loads(json.dumps(pack.document))
    assert pack.verifies()
    # The data moves on: the conflict is mitigated, a new sample turns the measure green.
    AlignmentLink.objects.filter(pk=programme["conflict"].pk).update(mitigation="Agreed")
    Sample.objects.create(
        measure=programme["measure"],
        date=timezone.localdate(),
        period=timezone.localdate(),
        value=Decimal("95"),
    )
    stored = BoardPack.objects.get(pk=pack.pk)
    assert stored.document == frozen and stored.verifies()
    assert by_key(stored.document)["conflicts.unmitigated"]["value"] == 1
    page = client(ciso).get(stored.get_absolute_url())
    assert page.status_code == 200 and "Verified" in page.content.decode()
    live = by_key(posture.build(posture.current_report()))
    assert live["conflicts.unmitigated"]["value"] == 0


def test_a_tampered_pack_no_longer_verifies(programme: dict[str, Any], ciso: Any) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    document = pack.document
    document["sections"][0]["figures"][0]["value"] = 999
    BoardPack.objects.filter(pk=pack.pk).update(document=document)
    stored = BoardPack.objects.get(pk=pack.pk)
    assert not stored.verifies()
    assert "Does not verify" in client(ciso).get(stored.get_absolute_url()).content.decode()


def test_the_json_download_hashes_to_the_stored_sha256(
    programme: dict[str, Any], ciso: Any, executive: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    url = reverse("alignment:pack-file", args=[pack.pk, "json"])
    response = client(executive).get(url)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == pack.sha256
    assert json.loads(response.content)["schema_version"] == posture.SCHEMA_VERSION


def test_the_pdf_opens_and_names_the_period_and_a_measure(
    programme: dict[str, Any], ciso: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    response = client(ciso).get(reverse("alignment:pack-file", args=[pack.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert pack.document["period_label"] in text
    assert "Staff on SSO with MFA" in text
    assert "Security posture report" in text and f"BOARD PACK {pack.number}" in text.upper()


def test_the_spreadsheet_parses_back_with_the_screens_figures(
    programme: dict[str, Any], ciso: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    response = client(ciso).get(reverse("alignment:pack-file", args=[pack.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Figures"]
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=5, values_only=True)}
    found = by_key(pack.document)
    assert values["Active goals with a supporting initiative"] == 50
    assert values["Unmitigated conflicts"] == found["conflicts.unmitigated"]["value"] == 1
    hours = values["Hours a week security adds"]
    assert isinstance(hours, (int, float)) and Decimal(str(hours)) == Decimal(
        found["friction.hours"]["value"]
    )
    assert [s["title"][:31] for s in pack.document["sections"]] == book.sheetnames[1:]
    measures = book["Measures against targets"]
    rows = list(measures.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Objective"))
    first = rows[header + 1]
    assert first[1] == "Staff on SSO with MFA" and first[6] == 72  # a number, not text
    page = client(ciso).get(pack.get_absolute_url()).content.decode()
    assert "72" in page and "50 %" in page


def test_freezing_again_supersedes_the_pack_awaiting_approval(
    programme: dict[str, Any], ciso: Any
) -> None:
    first = packs.freeze(posture.current_report(), by=ciso)
    second = packs.freeze(posture.current_report(), by=ciso)
    first.refresh_from_db()
    assert (first.status, first.superseded_by_id) == (PackStatus.SUPERSEDED, second.pk)
    assert second.status == PackStatus.DRAFT and second.number == first.number + 1


# --- lifecycle and roles -----------------------------------------------------------------


def test_only_an_executive_approves_and_only_once(
    programme: dict[str, Any], ciso: Any, executive: Any, head_a: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    url = reverse("alignment:pack-approve", args=[pack.pk])
    assert client(ciso).post(url).status_code == 403
    assert client(head_a).post(url).status_code == 403
    assert BoardPack.objects.get(pk=pack.pk).status == PackStatus.DRAFT
    response = client(executive).post(url)
    assert response.status_code == 302
    pack.refresh_from_db()
    assert (pack.status, pack.approved_by) == (PackStatus.APPROVED, executive)
    again = client(executive).post(url, follow=True)
    assert "only a pack awaiting approval can be approved" in again.content.decode()


def test_approving_a_pack_supersedes_the_one_approved_before(
    programme: dict[str, Any], ciso: Any, executive: Any
) -> None:
    first = packs.approve(packs.freeze(posture.current_report(), by=ciso), by=executive)
    second = packs.freeze(posture.current_report(), by=ciso)
    assert second.previous_id == first.pk
    assert second.document["previous"] == {
        "number": first.number,
        "period_label": first.period_label,
    }
    packs.approve(second, by=executive)
    first.refresh_from_db()
    assert (first.status, first.superseded_by_id) == (PackStatus.SUPERSEDED, second.pk)


def test_a_pack_is_presented_at_a_senior_leadership_meeting(
    programme: dict[str, Any], ciso: Any, executive: Any, head_a: Any, dept_a: Any
) -> None:
    meeting = senior_meeting(ciso, executive)
    pack = packs.freeze(posture.current_report(), by=ciso)
    url = reverse("alignment:pack-present", args=[pack.pk])
    early = client(ciso).post(url, {"meeting": meeting.pk}, follow=True)
    assert "Only an approved pack can be presented." in early.content.decode()
    packs.approve(pack, by=executive)
    one_on_one = factories.one_on_one(organiser=ciso, leader=head_a, department=dept_a)
    wrong = one_on_one.occurrences.first()
    refused = client(ciso).post(url, {"meeting": wrong.pk})
    assert refused.status_code == 422
    assert "Choose one of the senior-leadership meetings listed." in refused.content.decode()
    assert client(executive).post(url, {"meeting": meeting.pk}).status_code == 403
    assert client(ciso).post(url, {"meeting": meeting.pk}).status_code == 302
    pack.refresh_from_db()
    assert (pack.status, pack.meeting_id) == (PackStatus.PRESENTED, meeting.pk)
    page = client(executive).get(pack.get_absolute_url()).content.decode()
    assert "Senior leadership" in page and "What the meeting decided" in page


def test_heads_see_neither_the_report_nor_the_packs(
    programme: dict[str, Any], ciso: Any, head_a: Any
) -> None:
    pack = packs.freeze(posture.current_report(), by=ciso)
    for url in (
        reverse("alignment:report"),
        reverse("alignment:pack-list"),
        pack.get_absolute_url(),
        reverse("alignment:pack-file", args=[pack.pk, "pdf"]),
        reverse("alignment:report-file", args=["xlsx"]),
    ):
        assert client(head_a).get(url).status_code == 403, url
    assert client(head_a).post(reverse("alignment:report-freeze")).status_code == 403
    assert BoardPack.objects.count() == 1


def test_executives_read_but_neither_write_nor_freeze(
    programme: dict[str, Any], executive: Any
) -> None:
    c = client(executive)
    page = c.get(reverse("alignment:report")).content.decode()
    assert "Freeze as a board pack" not in page and "Write the narrative" not in page
    assert c.post(reverse("alignment:report-freeze")).status_code == 403
    assert c.post(reverse("alignment:report-edit"), {"version": 1}).status_code == 403
    assert not BoardPack.objects.exists()


# --- emails ------------------------------------------------------------------------------


def test_executives_are_asked_to_approve_and_receive_the_approved_pack(
    programme: dict[str, Any], ciso: Any, executive: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.BOARD_PACK_EMAIL_APPROVED = True
    cfo = factories.executive_user("cfo")
    pack = packs.freeze(posture.current_report(), by=ciso)
    asks = ProgrammeEmail.objects.filter(kind=ProgrammeEmailKind.PACK_TO_APPROVE)
    assert sorted(asks.values_list("recipient", flat=True)) == sorted([cfo.email, executive.email])
    assert notifications.sweep()["programme_emails"] == 2
    assert "awaits your approval" in mailoutbox[0].subject
    packs.approve(pack, by=executive)
    assert notifications.sweep()["programme_emails"] == 2
    approved = [m for m in mailoutbox if m.subject.endswith("approved")]
    assert len(approved) == 2
    name, content, kind = approved[0].attachments[0]
    assert kind == "application/pdf" and content.startswith(b"%PDF") and name.endswith(".pdf")


def test_no_approved_pack_email_when_the_setting_is_off(
    programme: dict[str, Any], ciso: Any, executive: Any, settings: Any
) -> None:
    settings.BOARD_PACK_EMAIL_APPROVED = False
    packs.approve(packs.freeze(posture.current_report(), by=ciso), by=executive)
    assert not ProgrammeEmail.objects.filter(kind=ProgrammeEmailKind.PACK_APPROVED).exists()


def test_a_late_request_to_approve_is_skipped(
    programme: dict[str, Any], ciso: Any, executive: Any, mailoutbox: Any
) -> None:
    packs.approve(packs.freeze(posture.current_report(), by=ciso), by=executive)
    notifications.sweep()
    assert not any("awaits your approval" in m.subject for m in mailoutbox)


# --- the narrative -----------------------------------------------------------------------


def test_the_ciso_writes_the_narrative_and_switches_sections_off(
    programme: dict[str, Any], ciso: Any
) -> None:
    c = client(ciso)
    data = {f"show_{key}": "on" for key, _ in posture.SECTIONS if key != "meetings"}
    data |= {"narrative_coverage": "Half the goals have a sponsor.", "version": "1"}
    assert c.post(reverse("alignment:report-edit"), data).status_code == 302
    page = c.get(reverse("alignment:report")).content.decode()
    assert "Half the goals have a sponsor." in page and "switched off" in page
    pack = packs.freeze(posture.current_report(), by=ciso)
    assert "meetings" not in [s["key"] for s in pack.document["sections"]]


def test_a_stale_narrative_is_refused(programme: dict[str, Any], ciso: Any) -> None:
    c = client(ciso)
    data = {f"show_{key}": "on" for key, _ in posture.SECTIONS} | {"version": "1"}
    assert (
        c.post(reverse("alignment:report-edit"), data | {"narrative_measures": "A"}).status_code
        == 302
    )
    stale = c.post(reverse("alignment:report-edit"), data | {"narrative_measures": "B"})
    assert stale.status_code == 422 and "review and retry" in stale.content.decode()
    assert PostureReport.objects.get().narratives == {"measures": "A"}


@pytest.mark.parametrize(
    "data",
    [
        {},  # every section switched off
        {"show_measures": "on", "narrative_measures": "x" * 4001},
        {"show_measures": "on", "narrative_measures": "nul \x00 byte"},
    ],
)
def test_hostile_narratives_are_refused_in_place(
    programme: dict[str, Any], ciso: Any, data: dict[str, str]
) -> None:
    response = client(ciso).post(reverse("alignment:report-edit"), data | {"version": "1"})
    assert response.status_code == 422
    assert PostureReport.objects.get().narratives == {}


@pytest.mark.parametrize("meeting", ["", "abc", "99999999999999999999999", "-1"])
def test_hostile_meeting_ids_are_refused(
    programme: dict[str, Any], ciso: Any, executive: Any, meeting: str
) -> None:
    pack = packs.approve(packs.freeze(posture.current_report(), by=ciso), by=executive)
    senior_meeting(ciso, executive)
    response = client(ciso).post(
        reverse("alignment:pack-present", args=[pack.pk]), {"meeting": meeting}
    )
    assert response.status_code == 422
    assert BoardPack.objects.get(pk=pack.pk).status == PackStatus.APPROVED


def test_an_unknown_pack_is_a_404(ciso: Any) -> None:
    assert client(ciso).get("/packs/99999999999999999999999/").status_code == 404
    assert client(ciso).get("/packs/99999999999999999999999/board-pack.pdf").status_code == 404


def test_a_race_to_freeze_is_refused_with_a_message(
    programme: dict[str, Any], ciso: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two freezes that pick the same number: the loser is told to retry, nothing half-made."""
    first = packs.freeze(posture.current_report(), by=ciso)
    monkeypatch.setattr(posture, "last_approved_pack", lambda before=None: None)
    original = BoardPack.objects.aggregate

    def stale_max(*args: Any, **kwargs: Any) -> dict[str, int]:
        original(*args, **kwargs)
        return {"n": first.number - 1}  # as a concurrent freeze would have read it

    monkeypatch.setattr(BoardPack.objects, "aggregate", stale_max)
    with pytest.raises(ValidationError, match="retry"):
        packs.freeze(posture.current_report(), by=ciso)
    assert BoardPack.objects.count() == 1


# --- bounded work ------------------------------------------------------------------------


def grow(times: int, ciso: Any) -> None:
    for n in range(times):
        department = factories.DepartmentFactory()
        goal = factories.GoalFactory(department=department)
        initiative = factories.InitiativeFactory(owner=ciso)
        factories.LinkFactory(initiative=initiative, goal=goal, relation=Relation.CONFLICTS)
        factories.AssessmentFactory(initiative=initiative, department=department)
        measure = factories.MeasureFactory(objective=initiative.objective, title=f"Grown {n}")
        Sample.objects.create(
            measure=measure, date=timezone.localdate(), period=timezone.localdate(), value=1
        )


def test_the_report_page_costs_the_same_queries_at_ten_times_the_size(ciso: Any) -> None:
    c = client(ciso)
    grow(2, ciso)
    c.get(reverse("alignment:report"))  # the report row is created on the first visit
    cache.clear()  # computed, not read from the cache
    with CaptureQueriesContext(connection) as small:
        assert c.get(reverse("alignment:report")).status_code == 200
    grow(20, ciso)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        assert c.get(reverse("alignment:report")).status_code == 200
    assert len(large) == len(small)


def test_the_report_is_built_once_and_shows_a_change_at_once(ciso: Any) -> None:
    c = client(ciso)
    grow(2, ciso)
    c.get(reverse("alignment:report"))
    cache.clear()
    with CaptureQueriesContext(connection) as built:
        first = c.get(reverse("alignment:report")).content.decode()
    with CaptureQueriesContext(connection) as cached:
        assert c.get(reverse("alignment:report")).status_code == 200
    assert len(cached) < len(built) // 2
    assert "Grown 7" not in first
    grow(8, ciso)  # a write of any kind moves the programme's version
    assert "Grown 7" in c.get(reverse("alignment:report")).content.decode()
