"""Programme reviews: open one per quarter, gather each item's evidence, finish it.

When a review finishes, every objective and initiative it covered gets its next review
date: when the next review is due under the schedule (a quarter, 91 days, by default;
182 or 365 days when reviews open every six months or yearly — review_schedule.cadence),
or 30 days when something is wrong —

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

from alignment import friction, programme_emails, review_schedule
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from alignment.models.links import unmitigated
from alignment.models.reviews import ProgrammeReview, ReviewItem, ReviewStatus
from departments.models import Department
from objectives.models import (
    Initiative,
    Measure,
    MeasureStatus,
    ObjectiveStatus,
    Sample,
    SecurityObjective,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
            programme_emails.queue_review_opened(review)
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


def evidence(review: ProgrammeReview, items: list[ReviewItem] | None = None) -> dict[int, Evidence]:
    """Evidence per item id (of `items`, by default every item of the review): measures
    and linked goals of objectives; conflicts, support and added hours of initiatives."""
    items = list(review.items.all()) if items is None else items
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


@dataclass
class MeasureChange:
    """One measure's last sample on the previous review's day and on this one's."""

    measure: Measure
    then: Sample | None
    now: Sample | None

    @property
    def then_status(self) -> str:
        return self.measure.status_of(self.then.value if self.then else None)

    @property
    def now_status(self) -> str:
        return self.measure.status_of(self.now.value if self.now else None)

    @property
    def then_label(self) -> str:
        return MeasureStatus(self.then_status).label

    @property
    def now_label(self) -> str:
        return MeasureStatus(self.now_status).label


@dataclass
class SubjectChange:
    """A subject present in both reviews: the verdicts, and (objectives) the measures."""

    before: ReviewItem
    after: ReviewItem
    measures: list[MeasureChange] = field(default_factory=list)

    @property
    def verdict_changed(self) -> bool:
        return self.before.verdict != self.after.verdict


@dataclass
class Changes:
    """What changed since the previous finished review (`previous` None: there is none)."""

    previous: ProgrammeReview | None = None
    then: dt.date | None = None
    now: dt.date | None = None
    both: list[SubjectChange] = field(default_factory=list)
    new: list[ReviewItem] = field(default_factory=list)
    gone: list[ReviewItem] = field(default_factory=list)
    earlier: dict[tuple[str, int], ReviewItem] = field(default_factory=dict)

    def before(self, item: ReviewItem) -> ReviewItem | None:
        """The previous review's item for the same subject as `item`."""
        return self.earlier.get(subject_key(item))


def changes(review: ProgrammeReview, *, today: dt.date | None = None) -> Changes:
    """This review against the previous finished one, in five queries.

    For each subject in both: the verdict then and now and, for an objective, each of its
    measures' last sample dated on or before the day the previous review finished ("then")
    and on or before the day this one finished, or today while it is open ("now"), with
    the status each value had (Measure.status_of). Subjects only in this review are new;
    those only in the previous one are gone (retired, delivered or deleted since).
    """
    before = previous(review)
    if before is None:
        return Changes()
    assert before.finished_at is not None  # review_finished_has_time
    related = ("objective", "initiative__objective")
    now_items = {subject_key(i): i for i in review.items.select_related(*related)}
    then_items = {subject_key(i): i for i in before.items.select_related(*related)}
    then = timezone.localdate(before.finished_at)
    now = timezone.localdate(review.finished_at) if review.finished_at else None
    now = now or today or timezone.localdate()
    common = [key for key in now_items if key in then_items]
    objective_ids = [pk for kind, pk in common if kind == "objective"]
    measures: dict[int, list[Measure]] = {}
    for measure in Measure.objects.filter(objective_id__in=objective_ids).prefetch_related(
        "samples"
    ):
        measures.setdefault(measure.objective_id, []).append(measure)
    both = [
        SubjectChange(
            before=then_items[key],
            after=now_items[key],
            measures=[
                MeasureChange(measure=m, then=m.latest_on(then), now=m.latest_on(now))
                for m in (measures.get(key[1], []) if key[0] == "objective" else [])
            ],
        )
        for key in common
    ]
    return Changes(
        previous=before,
        then=then,
        now=now,
        both=both,
        new=[item for key, item in now_items.items() if key not in then_items],
        gone=[item for key, item in then_items.items() if key not in now_items],
        earlier=then_items,
    )


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
    regular = review_schedule.cadence()
    for item in review.items.select_related("objective", "initiative"):
        due = today + (SOONER if found[item.pk].concerns else regular)
        model = SecurityObjective if item.objective_id else Initiative
        model.objects.filter(pk=item.subject.pk).update(next_review=due)
    review.status, review.finished_at, review.finished_by = ReviewStatus.FINISHED, now, by
    review.save(update_fields=["status", "finished_at", "finished_by"])
