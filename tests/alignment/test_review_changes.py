"""What changed since the previous finished review: verdicts then and now, each measure's
last sample on or before each review's day, subjects new and gone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment import reviews
from alignment.models import ProgrammeReview
from objectives.models import MeasureStatus, ObjectiveStatus, Sample
from tests import factories

pytestmark = pytest.mark.django_db
THEN = dt.datetime(2026, 8, 14, 12, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 12, 10, tzinfo=dt.UTC)


def sample(measure: Any, day: dt.date, value: str) -> Sample:
    return Sample.objects.create(measure=measure, date=day, period=day, value=Decimal(value))


@pytest.fixture
def story(ciso: Any) -> dict[str, Any]:
    """Q3 finished on 14 Aug; since then one objective retired and one initiative began."""
    kept = factories.ObjectiveFactory(title="Protect revenue")
    retired = factories.ObjectiveFactory(title="Paper policies")
    sso = factories.InitiativeFactory(objective=kept, title="SSO everywhere")
    # Higher is better; amber from 80, red below 60.
    edr = factories.MeasureFactory(objective=kept, title="Laptops with EDR")
    lower = factories.MeasureFactory(
        objective=kept, title="Days to patch", direction="lower", baseline=Decimal("30"),
        target=Decimal("7"), amber=Decimal("10"), red=Decimal("20"),
    )  # fmt: skip
    sample(edr, dt.date(2026, 8, 1), "50")
    sample(edr, dt.date(2026, 8, 14), "70")  # the value on the day Q3 finished: amber
    sample(edr, dt.date(2026, 8, 20), "75")
    sample(edr, dt.date(2026, 11, 10), "85")  # on target by Q4
    sample(edr, dt.date(2026, 11, 20), "40")  # after Q4 finished: not counted
    sample(lower, dt.date(2026, 9, 1), "25")  # no sample yet when Q3 finished
    q3, _ = reviews.open_review(today=dt.date(2026, 8, 1))
    q3.items.update(verdict="keep")
    q3.items.filter(initiative=sso).update(verdict="adjust")
    reviews.finish(q3, by=ciso, now=THEN)
    retired.status = ObjectiveStatus.RETIRED
    retired.save()
    new = factories.InitiativeFactory(objective=kept, title="Passkeys pilot")
    q4, _ = reviews.open_review(today=dt.date(2026, 11, 1))
    return {"q3": q3, "q4": q4, "kept": kept, "retired": retired, "sso": sso, "new": new,
            "edr": edr, "lower": lower}  # fmt: skip


def test_it_compares_verdicts_and_measures_with_the_previous_review(story: Any, ciso: Any) -> None:
    q4 = story["q4"]
    q4.items.update(verdict="keep")
    reviews.finish(q4, by=ciso, now=NOW)
    found = reviews.changes(q4)
    assert found.previous == story["q3"]
    assert (found.then, found.now) == (dt.date(2026, 8, 14), dt.date(2026, 11, 12))
    by_subject = {str(c.after.subject): c for c in found.both}
    assert set(by_subject) == {"Protect revenue", "SSO everywhere"}
    sso = by_subject["SSO everywhere"]
    assert (sso.before.verdict, sso.after.verdict, sso.verdict_changed) == ("adjust", "keep", True)
    assert sso.measures == []
    measures = {m.measure.title: m for m in by_subject["Protect revenue"].measures}
    edr = measures["Laptops with EDR"]
    assert (edr.then.value, edr.then_status) == (Decimal("70"), MeasureStatus.AMBER)  # type: ignore[union-attr]
    assert (edr.now.value, edr.now_status) == (Decimal("85"), MeasureStatus.ON_TARGET)  # type: ignore[union-attr]
    patch = measures["Days to patch"]
    assert (patch.then, patch.then_status) == (None, MeasureStatus.NO_DATA)
    assert (patch.now.value, patch.now_status) == (Decimal("25"), MeasureStatus.RED)  # type: ignore[union-attr]
    assert [str(i.subject) for i in found.new] == ["Passkeys pilot"]
    assert [str(i.subject) for i in found.gone] == ["Paper policies"]
    assert found.before(found.gone[0]) is not None and found.before(found.new[0]) is None


def test_an_open_review_is_compared_as_of_today(story: Any) -> None:
    found = reviews.changes(story["q4"], today=dt.date(2026, 9, 5))
    assert found.now == dt.date(2026, 9, 5)
    edr = next(m for c in found.both for m in c.measures if m.measure.title == "Laptops with EDR")
    assert edr.now is not None and edr.now.value == Decimal("75")


def test_the_first_review_has_nothing_to_compare(story: Any) -> None:
    assert reviews.changes(story["q3"]).previous is None
    open_before = ProgrammeReview.objects.create(period=dt.date(2026, 4, 1))
    assert reviews.changes(open_before).previous is None


def test_it_reads_in_a_fixed_number_of_queries(story: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            reviews.changes(story["q4"], today=dt.date(2026, 11, 15))
        return len(captured)

    few = count()
    for n in range(5):
        measure = factories.MeasureFactory(objective=story["kept"], title=f"More {n}")
        for day in range(1, 6):
            sample(measure, dt.date(2026, 9, day), str(70 + day))
    assert count() == few <= 6


def test_the_review_page_shows_what_changed(client: Any, ciso: Any, story: Any) -> None:
    client.force_login(ciso)
    page = client.get(story["q4"].get_absolute_url()).content.decode()
    assert 'id="changes"' in page and "What changed since" in page
    assert "Verdict: Adjust" in page and "Laptops with EDR" in page
    assert "Passkeys pilot" in page.split("New since then")[1]
    assert "Paper policies" in page.split("Gone since then")[1]
    first = client.get(story["q3"].get_absolute_url()).content.decode()
    assert 'id="changes"' not in first
