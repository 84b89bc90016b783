"""Programme reviews: open one per quarter, gather each item's evidence, finish it.

When a review finishes, every objective and initiative it covered gets its next review
date: a quarter (91 days) ahead, or 30 days when something is wrong —

- an objective with a red or stale measure;
- an initiative in an unmitigated conflict with a business goal, or adding hours to a
  department that is over its friction budget.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from alignment import friction
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from alignment.models.links import unmitigated
from alignment.models.reviews import ProgrammeReview, ReviewItem, ReviewStatus
from departments.models import Department
from objectives.models import (
    Initiative,
    Measure,
    MeasureStatus,
    ObjectiveStatus,
    SecurityObjective,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CADENCE = dt.timedelta(days=91)
SOONER = dt.timedelta(days=30)


def quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def open_review(*, today: dt.date | None = None) -> tuple[ProgrammeReview, bool]:
    """This quarter's review, created with an item per active objective and per initiative
    still to deliver; (review, created). Exactly one per quarter, even when two callers
    race: the period is unique, and the loser reads the winner's review."""
    period = quarter_start(today or timezone.localdate())
    existing = ProgrammeReview.objects.filter(period=period).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            review = ProgrammeReview.objects.create(period=period)
            objectives = SecurityObjective.objects.filter(status=ObjectiveStatus.ACTIVE)
            items = [ReviewItem(review=review, objective=o) for o in objectives.order_by("pk")]
            initiatives = Initiative.objects.unfinished().order_by("pk")
            items += [ReviewItem(review=review, initiative=i) for i in initiatives]
            ReviewItem.objects.bulk_create(items)
    except IntegrityError:
        return ProgrammeReview.objects.get(period=period), False
    return review, True


@dataclass
class Evidence:
    """What the CISO sees beside one item, read in a fixed number of queries per review."""

    measures: list[Measure] = field(default_factory=list)
    goals: int = 0
    unmitigated: int = 0
    supports: int = 0
    hours: Decimal = Decimal("0")
    over_budget: list[str] = field(default_factory=list)

    @property
    def concerns(self) -> list[str]:
        """Why the next review comes sooner (see the module docstring)."""
        found = [f"{m.title} is red" for m in self.measures if m.status == MeasureStatus.RED]
        found += [f"{m.title} is stale" for m in self.measures if m.is_stale()]
        if self.unmitigated:
            found.append(f"unmitigated conflicts: {self.unmitigated}")
        found += [f"{name} is over its friction budget" for name in self.over_budget]
        return found


def evidence(review: ProgrammeReview) -> dict[int, Evidence]:
    """Evidence per item id: measures and linked goals of objectives; conflicts, support
    and added hours of initiatives."""
    items = list(review.items.all())
    objective_ids = [i.objective_id for i in items if i.objective_id]
    initiative_ids = [i.initiative_id for i in items if i.initiative_id]
    measures: dict[int, list[Measure]] = {}
    for measure in Measure.objects.filter(objective_id__in=objective_ids).prefetch_related(
        Prefetch("samples")
    ):
        measures.setdefault(measure.objective_id, []).append(measure)
    goals = dict(
        SecurityObjective.objects.filter(pk__in=objective_ids)
        .annotate(n=Count("business_goals"))
        .values_list("pk", "n")
    )
    links = {
        row["initiative"]: row
        for row in AlignmentLink.objects.filter(initiative_id__in=initiative_ids)
        .values("initiative")
        .annotate(
            unmitigated=Count("pk", filter=unmitigated()),
            supports=Count("pk", filter=Q(relation=Relation.SUPPORTS)),
        )
        .order_by()
    }
    assessments = ImpactAssessment.objects.filter(initiative_id__in=initiative_ids)
    hours = dict(
        assessments.values_list("initiative").annotate(total=Sum("hours_per_week")).order_by()
    )
    departments = Department.objects.filter(impact_assessments__initiative_id__in=initiative_ids)
    over = {
        f.department.pk: f.department.name
        for f in friction.by_department(departments.distinct())
        if f.over_budget
    }
    assessed: dict[int, list[str]] = {}
    for initiative_id, department_id in assessments.values_list("initiative_id", "department_id"):
        if department_id in over:
            assessed.setdefault(initiative_id, []).append(over[department_id])
    found: dict[int, Evidence] = {}
    for item in items:
        if item.objective_id is not None:
            found[item.pk] = Evidence(
                measures=measures.get(item.objective_id, []), goals=goals.get(item.objective_id, 0)
            )
        elif item.initiative_id is not None:
            row = links.get(item.initiative_id, {})
            found[item.pk] = Evidence(
                unmitigated=row.get("unmitigated", 0),
                supports=row.get("supports", 0),
                hours=hours.get(item.initiative_id) or Decimal("0"),
                over_budget=sorted(assessed.get(item.initiative_id, [])),
            )
    return found


def previous(review: ProgrammeReview) -> ProgrammeReview | None:
    return (
        ProgrammeReview.objects.filter(status=ReviewStatus.FINISHED, period__lt=review.period)
        .order_by("-period")
        .first()
    )


def earlier_verdicts(review: ProgrammeReview) -> dict[tuple[str, int], ReviewItem]:
    """The previous finished review's items, by ("objective" | "initiative", id)."""
    before = previous(review)
    if before is None:
        return {}
    return {subject_key(item): item for item in before.items.all()}


def subject_key(item: ReviewItem) -> tuple[str, int]:
    """("objective", id) or ("initiative", id): the same subject across reviews."""
    if item.objective_id is not None:
        return ("objective", item.objective_id)
    assert item.initiative_id is not None  # review_item_one_subject
    return ("initiative", item.initiative_id)


@transaction.atomic
def finish(review: ProgrammeReview, *, by: User, now: dt.datetime | None = None) -> None:
    """Close the review (read-only from now on) and set every item's next review date."""
    now = now or timezone.now()
    locked = ProgrammeReview.objects.select_for_update().get(pk=review.pk)
    if not locked.is_open:
        raise ValidationError("This review is already finished.")
    missing = review.items.filter(verdict="").count()
    if missing:
        raise ValidationError(f"Give every item a verdict first: {missing} still without one.")
    today = timezone.localdate(now)
    found = evidence(review)
    for item in review.items.select_related("objective", "initiative"):
        due = today + (SOONER if found[item.pk].concerns else CADENCE)
        model = SecurityObjective if item.objective_id else Initiative
        model.objects.filter(pk=item.subject.pk).update(next_review=due)
    review.status, review.finished_at, review.finished_by = ReviewStatus.FINISHED, now, by
    review.save(update_fields=["status", "finished_at", "finished_by"])
