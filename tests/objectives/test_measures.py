"""Measures (key results): status by thresholds and direction, staleness, samples typed in
or computed from the product's own data once per period, and who may change them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from alignment import figures
from alignment.models import Relation
from objectives import computations
from objectives.models import (
    Computation,
    Direction,
    Measure,
    MeasureStatus,
    Sample,
    SampleSource,
)
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


def measure_data(owner: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Laptops with EDR",
        "unit": "%",
        "direction": "higher",
        "baseline": "40",
        "target": "98",
        "amber": "90",
        "red": "75",
        "cadence": "monthly",
        "computation": "",
        "owner": owner.pk,
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("direction", "amber", "red", "value", "status"),
    [
        # Higher is better: at amber or above is on target, below red is red.
        ("higher", "90", "75", "95", MeasureStatus.ON_TARGET),
        ("higher", "90", "75", "90", MeasureStatus.ON_TARGET),
        ("higher", "90", "75", "80", MeasureStatus.AMBER),
        ("higher", "90", "75", "75", MeasureStatus.AMBER),
        ("higher", "90", "75", "74.99", MeasureStatus.RED),
        # Lower is better ("DSO under 45 days"): the comparisons flip.
        ("lower", "50", "60", "44", MeasureStatus.ON_TARGET),
        ("lower", "50", "60", "55", MeasureStatus.AMBER),
        ("lower", "50", "60", "61", MeasureStatus.RED),
    ],
)
def test_status_follows_the_thresholds_in_the_measures_direction(
    direction: str, amber: str, red: str, value: str, status: str
) -> None:
    target = "98" if direction == "higher" else "45"
    measure = factories.MeasureFactory(
        direction=direction, target=D(target), amber=D(amber), red=D(red)
    )
    assert measure.status_of(D(value)) == status
    assert measure.status_of(None) == MeasureStatus.NO_DATA


def test_a_measure_is_stale_after_its_cadence_and_a_grace_period() -> None:
    measure = factories.MeasureFactory(cadence="monthly")
    today = dt.date(2026, 11, 29)
    assert measure.is_stale(today)  # no sample at all
    Sample.objects.create(
        measure=measure, date=today - dt.timedelta(days=38), period=today, value=1
    )
    assert not measure.is_stale(today)  # 31 days + a week of grace
    assert measure.is_stale(today + dt.timedelta(days=1))


def test_ciso_defines_a_measure_and_the_head_sees_it_beside_their_goal(
    client: Any, ciso: Any, head_a: Any, dept_a: Any
) -> None:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    objective = factories.ObjectiveFactory(title="Be ready for the bad day")
    client.force_login(ciso)
    url = reverse("objectives:measure-create", args=[objective.pk])
    response = client.post(url, measure_data(ciso, goals=[uptime.pk]))
    measure = Measure.objects.get()
    assert response.status_code == 302 and response["Location"] == measure.get_absolute_url()
    sample_url = reverse("objectives:sample-create", args=[measure.pk])
    today = timezone.localdate().isoformat()
    assert client.post(sample_url, {"date": today, "value": "85"}).status_code == 302
    assert measure.status == MeasureStatus.AMBER

    client.force_login(head_a)
    page = client.get(uptime.get_absolute_url()).content.decode()
    assert "Security measures beside this goal" in page
    assert "Laptops with EDR" in page and "Amber" in page
    detail = client.get(measure.get_absolute_url()).content.decode()
    assert "Record a sample" not in detail and "Edit measure" not in detail


def test_thresholds_out_of_order_are_refused_in_the_form_and_the_database(
    client: Any, ciso: Any
) -> None:
    objective = factories.ObjectiveFactory()
    client.force_login(ciso)
    url = reverse("objectives:measure-create", args=[objective.pk])
    response = client.post(url, measure_data(ciso, amber="70", red="80"))
    assert response.status_code == 422
    assert "Put the thresholds in order" in response.content.decode()
    assert not Measure.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MeasureFactory(direction=Direction.LOWER, target=D(45), amber=D(40), red=D(60))


def test_a_second_measure_with_the_same_title_is_refused_with_a_pointer(
    client: Any, ciso: Any
) -> None:
    existing = factories.MeasureFactory(title="Laptops with EDR")
    client.force_login(ciso)
    url = reverse("objectives:measure-create", args=[existing.objective_id])
    response = client.post(url, measure_data(ciso, title="laptops with edr"))
    assert response.status_code == 422
    assert existing.get_absolute_url() in response.content.decode()
    assert Measure.objects.count() == 1


def test_a_sample_dated_in_the_future_is_refused(client: Any, ciso: Any) -> None:
    measure = factories.MeasureFactory()
    client.force_login(ciso)
    url = reverse("objectives:sample-create", args=[measure.pk])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"date": tomorrow, "value": "99"})
    assert response.status_code == 422 and "date it today" in response.content.decode()
    assert not measure.samples.exists()


@pytest.mark.parametrize("who", ["head_a", "executive"])
def test_only_the_security_team_defines_measures_and_records_samples(
    client: Any, request: Any, who: str
) -> None:
    measure = factories.MeasureFactory(title="Laptops with EDR")
    client.force_login(request.getfixturevalue(who))
    today = timezone.localdate().isoformat()
    posts = [
        (reverse("objectives:measure-create", args=[measure.objective_id]), {}),
        (reverse("objectives:measure-edit", args=[measure.pk]), {"title": "Hijacked"}),
        (reverse("objectives:sample-create", args=[measure.pk]), {"date": today, "value": "1"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert client.get(measure.get_absolute_url()).status_code == 200
    assert (Measure.objects.get().title, Sample.objects.count()) == ("Laptops with EDR", 0)


def test_a_computed_sample_equals_the_figure_the_dashboard_shows(dept_a: Any) -> None:
    supported, _uncovered = (factories.GoalFactory(department=dept_a) for _ in range(2))
    factories.LinkFactory(goal=supported, relation=Relation.SUPPORTS)
    factories.LinkFactory(goal=supported, relation=Relation.CONFLICTS, mitigation="")
    coverage = factories.MeasureFactory(computation=Computation.GOAL_COVERAGE)
    conflicts = factories.MeasureFactory(
        computation=Computation.UNMITIGATED_CONFLICTS,
        direction=Direction.LOWER,
        baseline=D(5),
        target=D(0),
        amber=D(1),
        red=D(3),
    )
    assert computations.take_samples() == 2
    assert coverage.samples.get().value == D(figures.goal_coverage().percent) == D(50)
    assert conflicts.samples.get().value == figures.unmitigated_conflicts().count() == 1
    assert conflicts.samples.get().source == SampleSource.COMPUTED


def test_computed_samples_are_taken_once_per_period(client: Any, ciso: Any) -> None:
    measure = factories.MeasureFactory(computation=Computation.OVERDUE_ACTIONS, cadence="monthly")
    day = dt.date(2026, 11, 3)
    assert computations.take_samples(today=day) == 1
    assert computations.take_samples(today=day + dt.timedelta(days=20)) == 0  # same month
    assert computations.take_samples(today=dt.date(2026, 12, 1)) == 1
    assert list(measure.samples.values_list("period", flat=True)) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    ]
    # A typed-in sample is refused for a computed measure: the app owns its samples.
    client.force_login(ciso)
    url = reverse("objectives:sample-create", args=[measure.pk])
    client.post(url, {"date": "2026-11-20", "value": "7"})
    assert measure.samples.count() == 2


def test_the_database_keeps_one_computed_sample_per_period() -> None:
    measure = factories.MeasureFactory(computation=Computation.OVERDUE_ACTIONS)
    first = dt.date(2026, 11, 1)
    Sample.objects.create(
        measure=measure, date=first, period=first, value=1, source=SampleSource.COMPUTED
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Sample.objects.create(
            measure=measure, date=first, period=first, value=2, source=SampleSource.COMPUTED
        )
