"""The senior-leadership agenda: what leadership must see or decide — the board pack
awaiting approval, business cases awaiting a decision, departments over their friction
budget, impact assessments their heads refused, red and stale measures, the reviews due
(the open programme review, objectives and initiatives past their review date) — and
the open action items of the series' earlier meetings.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.db.models import F, QuerySet
from django.utils import timezone

from alignment.friction import Friction
from alignment.meetings.agenda_items import (
    DEPARTMENT,
    EVERYONE,
    LEADERSHIP,
    Agenda,
    AgendaItem,
    AgendaSection,
    Hours,
    LatestSample,
    Progress,
    actions,
    counted_hours,
    limited,
    make_item,
    make_section,
    per,
)
from alignment.meetings.models import Occurrence
from alignment.models import (
    BoardPack,
    ImpactAssessment,
    PackStatus,
    ProgrammeReview,
    ReviewStatus,
)
from business_cases.models import BusinessCase
from business_cases.templatetags.business_case_tags import money
from departments.models import Department
from objectives.models import Initiative, Measure, MeasureStatus, SecurityObjective

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def senior_agenda(occurrence: Occurrence) -> Agenda:
    today = timezone.localdate()
    return {
        "scope": "All departments",
        "sections": [
            _packs(),
            _cases(),
            _friction(),
            _refused(),
            _measures(today),
            _reviews(),
            actions(occurrence),
        ],
    }


def _packs() -> AgendaSection:
    # pack_one_draft allows one draft at a time; the section is still capped like the rest.
    packs = BoardPack.objects.filter(status=PackStatus.DRAFT).only("number", "period", "frozen_at")
    rows = [
        make_item(
            str(pack),
            f"frozen {timezone.localtime(pack.frozen_at):%d %b %Y}",
            pack.get_absolute_url(),
            LEADERSHIP,
        )
        for pack in limited(packs.order_by("-number"))
    ]
    return make_section("packs", "Board packs awaiting approval", rows)


def _cases() -> AgendaSection:
    # with_lines reads what the figures need in a fixed number of queries, and only for
    # the cases shown (the slice comes first).
    cases = BusinessCase.objects.awaiting_decision().with_lines().order_by("submitted_at", "pk")
    rows = [
        make_item(
            f"{case.title} (revision {case.revision})",
            _case_detail(case),
            case.get_absolute_url(),
            LEADERSHIP,
        )
        for case in limited(cases)
    ]
    return make_section("cases", "Business cases awaiting a decision", rows)


def _case_detail(case: BusinessCase) -> str:
    tco = f"total cost of ownership {money(case.figures.total_cost_of_ownership, case.currency)}"
    if case.submitted_at is None:
        return tco
    return f"submitted {timezone.localtime(case.submitted_at):%d %b %Y}, {tco}"


def _friction() -> AgendaSection:
    """Departments whose counted hours exceed their budget (`Friction.over_budget`),
    chosen in SQL: one query, however many departments."""
    departments = cast(
        "QuerySet[WithAnnotations[Department, Hours]]",
        Department.objects.annotate(hours=counted_hours())
        .filter(hours__gt=F("friction_budget_hours"))
        .order_by("name"),
    )
    rows = [_friction_item(department) for department in limited(departments)]
    return make_section("friction", "Departments over their friction budget", rows)


def _friction_item(department: WithAnnotations[Department, Hours]) -> AgendaItem:
    friction = Friction(department, department.hours, department.friction_budget_hours)
    return make_item(
        # One decimal, as hours are stored: SQLite hands a sum back without its scale.
        f"{department.name}: {friction.hours:.1f} h/week",
        f"budget {friction.budget:.1f} h/week, {friction.overrun:.1f} h over "
        f"({friction.percent} %)",
        department.get_absolute_url(),
        DEPARTMENT,
        department.pk,
    )


def _refused() -> AgendaSection:
    assessments = (
        ImpactAssessment.objects.counted().refused().select_related("initiative", "department")
    )
    rows = [
        make_item(
            f"{assessment.initiative.title}: {assessment.hours_per_week} h/week"
            f" ({assessment.department.name})",
            assessment.head_comment,
            assessment.initiative.get_absolute_url(),
            DEPARTMENT,
            assessment.department_id,
        )
        for assessment in per(assessments, "department", "department__name", "pk")
    ]
    return make_section("refused", "Impact assessments refused by heads", rows)


def _measures(today: dt.date) -> AgendaSection:
    measures = cast(
        "QuerySet[WithAnnotations[Measure, LatestSample]]",
        Measure.objects.red_or_stale(today)
        .select_related("objective")
        .order_by("objective__position", "objective__title", "title"),
    )
    rows = [
        make_item(
            f"{measure.title} ({measure.objective.title})",
            _measure_detail(measure),
            measure.get_absolute_url(),
            EVERYONE,
        )
        for measure in limited(measures)
    ]
    return make_section("measures", "Red and stale measures", rows)


def _measure_detail(measure: WithAnnotations[Measure, LatestSample]) -> str:
    """From the annotations of `MeasureQuerySet.red_or_stale`: no query per measure."""
    if measure.latest_date is None:
        return "no sample yet"
    found = []
    if measure.red_now:
        # Two decimals, as samples are stored (SQLite hands a subquery's back without them).
        value = f"{measure.latest_value:.2f} {measure.unit}".rstrip()
        found.append(f"{MeasureStatus.RED.label} at {value}")
    if measure.stale_now:
        found.append("stale")
    return f"{', '.join(found)}: last sample {measure.latest_date:%d %b %Y}"


def _reviews() -> AgendaSection:
    """The open programme review, then the objectives and initiatives it should cover
    whose next review date has passed."""
    open_reviews = cast(
        "QuerySet[WithAnnotations[ProgrammeReview, Progress]]",
        ProgrammeReview.objects.filter(status=ReviewStatus.OPEN).annotate_progress(),
    )
    rows = [_review_item(review) for review in limited(open_reviews)]
    objectives = SecurityObjective.objects.active().needs_review().order_by("next_review", "pk")
    initiatives = Initiative.objects.unfinished().needs_review().order_by("next_review", "pk")
    subjects: list[SecurityObjective | Initiative] = [*limited(objectives), *limited(initiatives)]
    rows += [
        make_item(
            f"{subject} needs review",
            f"due {subject.next_review:%d %b %Y}",
            subject.get_absolute_url(),
            EVERYONE,
        )
        for subject in subjects
    ]
    return make_section("reviews", "Reviews due", rows)


def _review_item(review: WithAnnotations[ProgrammeReview, Progress]) -> AgendaItem:
    return make_item(
        f"{review} is open",
        f"{review.done_count} of {review.item_count} items reviewed",
        review.get_absolute_url(),
        LEADERSHIP,
    )
