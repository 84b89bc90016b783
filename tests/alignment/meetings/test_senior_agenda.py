"""The senior-leadership agenda: what leadership must see or decide, each section listing
what it should and nothing else, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alignment.meetings import agenda, agenda_view
from alignment.meetings import services as meeting_services
from alignment.meetings.models import ActionItem, MeetingKind, MeetingSeries, Occurrence
from alignment.meetings.recurrence import Preset, preset_rule
from alignment.models import (
    Agreement,
    BoardPack,
    PackStatus,
    ProgrammeReview,
    ReviewItem,
    ReviewStatus,
    Verdict,
)
from alignment.models.reports import digest
from business_cases.models import CaseStatus
from departments.models import Direction
from objectives.models import (
    Cadence,
    InitiativeStatus,
    Measure,
    MeasureStatus,
    ObjectiveStatus,
    Sample,
)
from objectives.models.measures import period_start
from tests import factories
from tests.alignment.meetings.helpers import NOW

pytestmark = pytest.mark.django_db

SENIOR_KEYS = ["packs", "cases", "friction", "refused", "measures", "reviews", "actions"]


def senior_series(organiser: Any, users: list[Any]) -> MeetingSeries:
    """A monthly senior-leadership meeting, made by the service the pages use."""
    first = dt.date(2026, 3, 10)
    return meeting_services.series_create(
        organiser=organiser,
        kind=MeetingKind.SENIOR,
        title="Security with senior leadership",
        rule=preset_rule(Preset.MONTHLY, first),
        start_date=first,
        start_time=dt.time(16, 0),
        time_zone="Europe/Berlin",
        duration_minutes=60,
        users=users,
        now=NOW,
    )


@pytest.fixture
def occurrence(ciso: Any, executive: Any) -> Occurrence:
    series = senior_series(ciso, [executive])
    return series.occurrences.select_related("series").order_by("start").first()


def section(table: agenda.Agenda, key: str) -> agenda.AgendaSection:
    return next(s for s in table["sections"] if s["key"] == key)


def texts(table: agenda.Agenda, key: str) -> list[str]:
    return [item["text"] for item in section(table, key)["items"]]


def pack(number: int, status: str = PackStatus.DRAFT) -> BoardPack:
    document = {"number": number, "sections": []}
    decided = timezone.now() if status != PackStatus.DRAFT else None
    return BoardPack.objects.create(
        number=number,
        period=dt.date(2026, 1, 1),
        status=status,
        schema_version=1,
        document=document,
        sha256=digest(document),
        pdf=b"",
        xlsx=b"",
        frozen_at=timezone.now(),
        approved_at=decided,
        presented_at=decided if status == PackStatus.PRESENTED else None,
    )


def measure(
    title: str, value: str | None, *, days_ago: int = 0, direction: str = Direction.HIGHER
) -> Measure:
    """Higher is better: amber from 80, red below 60; lower: amber from 10, red above 20."""
    thresholds = (
        {"target": Decimal(90), "amber": Decimal(80), "red": Decimal(60)}
        if direction == Direction.HIGHER
        else {
            "baseline": Decimal(40),
            "target": Decimal(5),
            "amber": Decimal(10),
            "red": Decimal(20),
        }
    )
    made = factories.MeasureFactory(
        title=title, direction=direction, cadence=Cadence.MONTHLY, **thresholds
    )
    if value is not None:
        day = timezone.localdate() - dt.timedelta(days=days_ago)
        Sample.objects.create(
            measure=made, date=day, period=period_start(day, made.cadence), value=Decimal(value)
        )
    return made


# --- Which sections -------------------------------------------------------------------------


def test_a_senior_agenda_has_the_leadership_sections(occurrence: Occurrence) -> None:
    table = agenda.build_agenda(occurrence)
    assert table["scope"] == "All departments"
    assert [s["key"] for s in table["sections"]] == SENIOR_KEYS
    assert all(s["items"] == [] and s["more"] is False for s in table["sections"])


def test_one_on_one_and_joint_agendas_keep_their_sections(
    ciso: Any, head_a: Any, head_b: Any, dept_b: Any
) -> None:
    factories.CaseFactory(status=CaseStatus.SUBMITTED)
    factories.AssessmentFactory(department=dept_b, head_agreement=Agreement.DISAGREED)
    one = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    joint = factories.joint(organiser=ciso, heads=[head_a, head_b])
    keys = ["conflicts", "goals", "assessments", "actions"]
    for series, extra in ((one, ["commitments"]), (joint, [])):
        table = agenda.build_agenda(series.occurrences.first())
        # A one-on-one also lists the open commitments to its department.
        assert [s["key"] for s in table["sections"]] == keys + extra
    assert agenda.build_agenda(one.occurrences.first())["scope"] == "Sales"


# --- Each section ---------------------------------------------------------------------------


def test_only_the_pack_awaiting_approval_is_listed(occurrence: Occurrence) -> None:
    pack(1, PackStatus.SUPERSEDED)
    pack(2, PackStatus.APPROVED)
    pack(3, PackStatus.PRESENTED)
    draft = pack(4)
    table = agenda.build_agenda(occurrence)
    assert texts(table, "packs") == ["Board pack 4, Q1 2026"]
    assert section(table, "packs")["items"][0]["url"] == draft.get_absolute_url()


def test_only_cases_awaiting_a_decision_are_listed_with_their_cost(
    occurrence: Occurrence,
) -> None:
    submitted = factories.sso_case(title="SSO and MFA", status=CaseStatus.SUBMITTED)
    submitted.submitted_at = dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)
    submitted.save(update_fields=["submitted_at"])
    for status in (CaseStatus.DRAFT, CaseStatus.APPROVED, CaseStatus.REJECTED):
        factories.CaseFactory(title=f"Case {status}", status=status)
    table = agenda.build_agenda(occurrence)
    assert texts(table, "cases") == ["SSO and MFA (revision 1)"]
    item = section(table, "cases")["items"][0]
    # One-off 30,000 + 3 years × 18,900 yearly (tests/factories.sso_case).
    assert item["detail"] == "submitted 20 Feb 2026, total cost of ownership 86,700 EUR"
    assert item["url"] == submitted.get_absolute_url()


def test_only_departments_over_their_friction_budget_are_listed(
    occurrence: Occurrence, dept_a: Any, dept_b: Any
) -> None:
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("26.0"))
    factories.AssessmentFactory(department=dept_b, hours_per_week=Decimal("20.0"))  # at budget
    cancelled = factories.InitiativeFactory(status=InitiativeStatus.CANCELLED)
    factories.AssessmentFactory(
        department=dept_b, initiative=cancelled, hours_per_week=Decimal("30.0")
    )
    factories.DepartmentFactory(name="Legal", slug="legal", friction_budget_hours=Decimal(0))
    table = agenda.build_agenda(occurrence)
    assert texts(table, "friction") == ["Infrastructure: 26.0 h/week"]
    item = section(table, "friction")["items"][0]
    assert item["detail"] == "budget 20.0 h/week, 6.0 h over (130 %)"
    assert item["url"] == dept_a.get_absolute_url()


def test_only_assessments_refused_by_heads_are_listed(
    occurrence: Occurrence, dept_a: Any, dept_b: Any
) -> None:
    refused = factories.AssessmentFactory(
        department=dept_b,
        initiative=factories.InitiativeFactory(title="Change gate"),
        head_agreement=Agreement.DISAGREED,
        head_comment="Doubles our release time.",
    )
    factories.AssessmentFactory(department=dept_a, head_agreement=Agreement.AGREED)
    factories.AssessmentFactory(department=dept_a, head_agreement=Agreement.PENDING)
    factories.AssessmentFactory(
        department=dept_a,
        initiative=factories.InitiativeFactory(status=InitiativeStatus.CANCELLED),
        head_agreement=Agreement.DISAGREED,
        head_comment="Dropped anyway.",
    )
    table = agenda.build_agenda(occurrence)
    assert texts(table, "refused") == ["Change gate: 4.0 h/week (Sales)"]
    item = section(table, "refused")["items"][0]
    assert item["detail"] == "Doubles our release time."
    assert item["url"] == refused.initiative.get_absolute_url()


def test_red_and_stale_measures_are_listed_and_fresh_ones_on_target_or_amber_not(
    occurrence: Occurrence,
) -> None:
    measure("Red", "50")
    measure("Amber", "70")
    measure("On target", "85")
    measure("Stale", "85", days_ago=39)  # a month + a week of grace ago, and a day
    measure("Just in time", "85", days_ago=38)
    measure("Never sampled", None)
    measure("Lower and red", "25", direction=Direction.LOWER)
    measure("Lower and amber", "15", direction=Direction.LOWER)
    recovered = measure("Recovered", "40", days_ago=10)
    Sample.objects.create(
        measure=recovered,
        date=timezone.localdate(),
        period=period_start(timezone.localdate(), recovered.cadence),
        value=Decimal(95),
    )
    table = agenda.build_agenda(occurrence)
    listed = {t.split(" (")[0] for t in texts(table, "measures")}
    assert listed == {"Red", "Stale", "Never sampled", "Lower and red"}
    # The same answer as the rules on the model, measure by measure.
    for m in Measure.objects.prefetch_related("samples"):
        assert (m.title in listed) == (m.status == MeasureStatus.RED or m.is_stale()), m.title
    details = {
        item["text"].split(" (")[0]: item["detail"] for item in section(table, "measures")["items"]
    }
    assert details["Red"].startswith("Red at 50.00 %: last sample")
    assert details["Stale"].startswith("stale: last sample")
    assert details["Never sampled"] == "no sample yet"


def test_the_open_review_and_items_past_their_review_date_are_due(
    occurrence: Occurrence,
) -> None:
    today = timezone.localdate()
    past, future = today - dt.timedelta(days=3), today + dt.timedelta(days=3)
    objective = factories.ObjectiveFactory(title="Resilience", next_review=past)
    factories.ObjectiveFactory(title="Not yet", next_review=future)
    factories.ObjectiveFactory(title="Never reviewed", next_review=None)
    factories.ObjectiveFactory(title="Retired", next_review=past, status=ObjectiveStatus.RETIRED)
    initiative = factories.InitiativeFactory(title="EDR rollout", next_review=past)
    factories.InitiativeFactory(title="Delivered", next_review=past, status=InitiativeStatus.DONE)
    ProgrammeReview.objects.create(
        period=dt.date(2025, 10, 1), status=ReviewStatus.FINISHED, finished_at=timezone.now()
    )
    review = ProgrammeReview.objects.create(period=dt.date(2026, 1, 1))
    ReviewItem.objects.create(review=review, objective=objective, verdict=Verdict.KEEP)
    ReviewItem.objects.create(review=review, initiative=initiative)
    table = agenda.build_agenda(occurrence)
    assert texts(table, "reviews") == [
        "Programme review, Q1 2026 is open",
        "Resilience needs review",
        "EDR rollout needs review",
    ]
    items = section(table, "reviews")["items"]
    assert items[0]["detail"] == "1 of 2 items reviewed"
    assert items[0]["url"] == review.get_absolute_url()
    assert items[1]["url"] == objective.get_absolute_url()
    assert items[2]["url"] == initiative.get_absolute_url()


def test_open_action_items_of_earlier_meetings_of_the_series_come_back(
    occurrence: Occurrence, ciso: Any, head_b: Any, dept_b: Any
) -> None:
    later = occurrence.series.occurrences.filter(start__gt=occurrence.start).first()
    ActionItem.objects.create(occurrence=occurrence, title="Send the numbers", owner=head_b)
    # A one-on-one's action items stay in their series, even on a senior agenda.
    one = factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    earlier = one.occurrences.order_by("start").first()
    assert earlier.start < occurrence.start
    ActionItem.objects.create(occurrence=earlier, title="One-on-one action", owner=head_b)
    assert texts(agenda.build_agenda(occurrence), "actions") == []
    assert texts(agenda.build_agenda(later), "actions") == ["Send the numbers"]


def test_a_long_senior_section_is_capped_and_says_there_is_more(
    occurrence: Occurrence, executive: Any
) -> None:
    for n in range(agenda.ITEMS_PER_SECTION + 1):
        factories.CaseFactory(title=f"Case {n:02}", status=CaseStatus.SUBMITTED)
    cases = section(agenda_view.agenda_for(occurrence, executive, now=NOW), "cases")
    assert len(cases["items"]) == agenda.ITEMS_PER_SECTION
    assert cases["more"] is True


# --- Shown as every agenda is ---------------------------------------------------------------


def test_the_meeting_page_and_the_email_lines_show_the_senior_sections(
    occurrence: Occurrence, ciso: Any
) -> None:
    factories.CaseFactory(title="SIEM", status=CaseStatus.SUBMITTED)
    client = Client()
    client.force_login(ciso)
    body = client.get(occurrence.get_absolute_url()).content.decode()
    assert "Business cases awaiting a decision" in body
    assert "SIEM (revision 1)" in body
    lines = agenda_view.agenda_lines(agenda_view.agenda_for(occurrence, ciso))
    assert lines == ["Business cases awaiting a decision:", "  - SIEM (revision 1)"]


# --- Cost -----------------------------------------------------------------------------------


def test_a_senior_agenda_takes_the_same_queries_for_ten_times_the_data(
    occurrence: Occurrence, django_assert_num_queries: Any
) -> None:
    counter = iter(range(1, 1000))
    pack(next(counter))  # one draft at a time (pack_one_draft)

    def grow(n: int) -> None:
        today = timezone.localdate()
        for _ in range(n):
            pack(next(counter), PackStatus.APPROVED)
            factories.sso_case(status=CaseStatus.SUBMITTED)
            factories.AssessmentFactory(hours_per_week=Decimal("25.0"))
            factories.AssessmentFactory(
                head_agreement=Agreement.DISAGREED, head_comment="Too slow."
            )
            measure(f"Red {next(counter)}", "10")
            ProgrammeReview.objects.create(period=dt.date(2000 + next(counter), 1, 1))
            factories.ObjectiveFactory(next_review=today - dt.timedelta(days=1))
            factories.InitiativeFactory(next_review=today - dt.timedelta(days=1))
            ActionItem.objects.create(occurrence=occurrence, title="x")

    # Actions of this meeting are not from an earlier one: raise them on the next.
    later = occurrence.series.occurrences.order_by("start")[1]
    later.series = occurrence.series
    grow(1)
    with django_assert_num_queries(13):
        table = agenda.build_agenda(later)
    assert all(s["items"] for s in table["sections"])
    grow(10)
    with django_assert_num_queries(13):
        table = agenda.build_agenda(later)
    assert all(len(s["items"]) >= 10 for s in table["sections"] if s["key"] != "packs")
