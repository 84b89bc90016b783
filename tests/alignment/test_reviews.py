"""Programme reviews: one per quarter, every item walked with its evidence, finished once
and read-only after, next review dates that come sooner when something is wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from alignment import review_schedule, reviews, tasks
from alignment.models import ProgrammeReview, Relation, ReviewStatus
from objectives.models import InitiativeStatus, ObjectiveStatus, Sample
from tests import factories

pytestmark = pytest.mark.django_db


def programme() -> dict[str, Any]:
    calm = factories.ObjectiveFactory(title="Calm objective")
    red = factories.ObjectiveFactory(title="Objective with a red measure")
    measure = factories.MeasureFactory(objective=red, title="Laptops with EDR")
    today = timezone.localdate()
    Sample.objects.create(measure=measure, date=today, period=today, value=Decimal("10"))
    factories.ObjectiveFactory(title="Retired one", status=ObjectiveStatus.RETIRED)
    quiet = factories.InitiativeFactory(objective=calm, title="Quiet initiative")
    clash = factories.InitiativeFactory(objective=calm, title="Clashing initiative")
    factories.LinkFactory(initiative=clash, relation=Relation.CONFLICTS, mitigation="")
    factories.InitiativeFactory(objective=calm, status=InitiativeStatus.DONE, title="Done one")
    return {"calm": calm, "red": red, "quiet": quiet, "clash": clash}


def findings(item: Any, verdict: str = "keep") -> dict[str, str]:
    prefix = f"item{item.pk}"
    return {f"{prefix}-relevant": "true", f"{prefix}-effective": "true",
            f"{prefix}-verdict": verdict, f"{prefix}-note": "Still needed."}  # fmt: skip


def test_a_review_covers_active_objectives_and_initiatives_still_to_deliver() -> None:
    things = programme()
    review, created = reviews.open_review(today=dt.date(2026, 11, 29))
    assert created and review.period == dt.date(2026, 10, 1)
    subjects = {str(item.subject) for item in review.items.all()}
    assert subjects == {
        "Calm objective",
        "Objective with a red measure",
        "Quiet initiative",
        "Clashing initiative",
    }
    again, created_again = reviews.open_review(today=dt.date(2026, 12, 31))
    assert (again, created_again) == (review, False)
    assert things and ProgrammeReview.objects.filter(period=review.period).count() == 1


def test_beat_opens_the_quarters_review_once() -> None:
    programme()
    assert tasks.open_programme_review() is True
    assert tasks.open_programme_review() is False
    review = ProgrammeReview.objects.get()
    assert review.period == reviews.quarter_start(timezone.localdate())
    assert review.items.count() == 4


def test_the_database_keeps_one_review_per_quarter() -> None:
    ProgrammeReview.objects.create(period=dt.date(2026, 10, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeReview.objects.create(period=dt.date(2026, 10, 1))


def test_ciso_walks_the_review_and_finishing_sets_next_reviews(client: Any, ciso: Any) -> None:
    things = programme()
    client.force_login(ciso)
    response = client.post(reverse("alignment:review-open"))
    review = ProgrammeReview.objects.get()
    assert response["Location"] == review.get_absolute_url()
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Concern: Laptops with EDR is red" in page
    assert "Concern: unmitigated conflicts: 1" in page

    finish = reverse("alignment:review-finish", args=[review.pk])
    client.post(finish)
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN  # verdicts missing: refused
    items = list(review.items.all())
    for item in items:
        url = reverse("alignment:review-item", args=[review.pk, item.pk])
        assert client.post(url, findings(item)).status_code == 302
    assert client.post(finish).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.FINISHED and review.finished_by == ciso

    today = timezone.localdate()
    for key, days in [("calm", 91), ("quiet", 91), ("red", 30), ("clash", 30)]:
        things[key].refresh_from_db()
        assert things[key].next_review == today + dt.timedelta(days=days), key

    # Read-only once finished.
    url = reverse("alignment:review-item", args=[review.pk, items[0].pk])
    client.post(url, findings(items[0], verdict="retire"))
    items[0].refresh_from_db()
    assert items[0].verdict == "keep"


def test_a_verdict_is_required_and_shown_in_place(client: Any, ciso: Any) -> None:
    programme()
    review, _ = reviews.open_review()
    item = review.items.first()
    client.force_login(ciso)
    url = reverse("alignment:review-item", args=[review.pk, item.pk])
    response = client.post(url, findings(item, verdict=""))
    assert response.status_code == 422
    item.refresh_from_db()
    assert item.verdict == ""


def test_the_next_review_shows_the_previous_verdicts(client: Any, ciso: Any) -> None:
    programme()
    first, _ = reviews.open_review(today=dt.date(2026, 8, 1))
    first.items.update(verdict="adjust")
    reviews.finish(first, by=ciso)
    second, _ = reviews.open_review(today=dt.date(2026, 11, 1))
    client.force_login(ciso)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "Last time: Adjust" in page and str(first) in page


def test_an_item_past_its_review_date_needs_review(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory(
        title="Overdue", next_review=timezone.localdate() - dt.timedelta(days=1)
    )
    assert objective.needs_review
    client.force_login(ciso)
    assert "Needs review" in client.get(objective.get_absolute_url()).content.decode()


def test_heads_cannot_see_reviews_and_executives_only_read(
    client: Any, head_a: Any, executive: Any
) -> None:
    programme()
    review, _ = reviews.open_review()
    item = review.items.first()
    client.force_login(head_a)
    assert client.get(reverse("alignment:review-list")).status_code == 403
    assert client.get(review.get_absolute_url()).status_code == 403
    client.force_login(executive)
    assert client.get(review.get_absolute_url()).status_code == 200
    for url in [
        reverse("alignment:review-open"),
        reverse("alignment:review-finish", args=[review.pk]),
        reverse("alignment:review-item", args=[review.pk, item.pk]),
    ]:
        assert client.post(url, findings(item)).status_code == 403
    item.refresh_from_db()
    assert item.verdict == "" and ProgrammeReview.objects.get().status == ReviewStatus.OPEN


def test_hostile_findings_are_refused_in_place_never_a_500(client: Any, ciso: Any) -> None:
    programme()
    review, _ = reviews.open_review()
    item = review.items.first()
    client.force_login(ciso)
    url = reverse("alignment:review-item", args=[review.pk, item.pk])
    prefix = f"item{item.pk}"
    for field in ["relevant", "effective", "verdict", "note"]:
        for value in ["", "maybe", "\x00", "9" * 500, "<script>x</script>"]:
            response = client.post(url, {f"{prefix}-verdict": "keep", f"{prefix}-{field}": value})
            assert response.status_code < 500, (field, value)
    other = reverse("alignment:review-item", args=[review.pk, 2**40])
    assert client.post(other, findings(item)).status_code == 404


def test_on_a_half_yearly_schedule_the_next_review_is_six_months_ahead(ciso: Any) -> None:
    """Items are not flagged "Needs review" months before the next review opens."""
    things = programme()
    review_schedule.set_schedule(frequency="half_yearly", day=1, hour=6)
    review, _ = reviews.open_review()
    review.items.update(relevant=True, effective=True, verdict="keep")
    reviews.finish(review, by=ciso)
    today = timezone.localdate()
    for key, days in [("calm", 182), ("red", 30)]:
        things[key].refresh_from_db()
        assert things[key].next_review == today + dt.timedelta(days=days), key


def test_a_large_review_is_walked_a_page_at_a_time(client: Any, ciso: Any) -> None:
    """Seventy initiatives: the page shows thirty items, and a saved item returns to its page."""
    objective = factories.ObjectiveFactory()
    for n in range(70):
        factories.InitiativeFactory(objective=objective, title=f"Initiative {n:03d}")
    review, _ = reviews.open_review()
    client.force_login(ciso)
    first = client.get(review.get_absolute_url()).content.decode()
    assert first.count('class="card mb-3" id="item-') == 30
    assert "Page 1 of 3" in first and "71 items still without a verdict" in first
    last = review.items.order_by("-pk").first()
    url = reverse("alignment:review-item", args=[review.pk, last.pk])
    response = client.post(url, findings(last))
    assert response["Location"] == f"{review.get_absolute_url()}?item={last.pk}#item-{last.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Page 3 of 3" in page and f'id="item-{last.pk}"' in page
    assert "70 items still without a verdict" in page
