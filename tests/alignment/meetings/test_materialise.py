"""Occurrences: materialised 90 days ahead, idempotently, following changes of the series."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from alignment import outbox
from alignment.meetings import after, materialise
from alignment.meetings import scheduling as meeting_setup
from alignment.meetings import services as meeting_services
from alignment.meetings.materialise import materialise_series
from alignment.meetings.models import (
    ActionItem,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
)
from alignment.meetings.recurrence import Preset, preset_rule
from tests import factories
from tests.alignment.meetings.helpers import NOW

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


@pytest.fixture
def series(ciso: Any, head_b: Any, dept_b: Any) -> MeetingSeries:
    return factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, preset=Preset.WEEKLY
    )


def starts(series: MeetingSeries) -> list[dt.datetime]:
    return list(series.occurrences.order_by("start").values_list("start", flat=True))


def test_it_materialises_the_next_90_days(series: MeetingSeries) -> None:
    found = starts(series)
    # Weekly on Tuesdays from 10 March; the horizon is 31 May 08:00 UTC.
    assert len(found) == 12
    assert found[0] == dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)  # 09:00 CET
    assert found[-1] < NOW + dt.timedelta(days=90)
    assert {s.astimezone(BERLIN).time() for s in found} == {dt.time(9, 0)}
    # After 29 March Berlin is on summer time: 09:00 local is 07:00 UTC.
    assert dt.datetime(2026, 3, 31, 7, tzinfo=dt.UTC) in found


def test_materialising_again_creates_nothing(series: MeetingSeries) -> None:
    before = set(series.occurrences.values_list("pk", "start"))
    result = materialise_series(series, now=NOW)
    result_later = materialise_series(series, now=NOW + dt.timedelta(hours=5))
    assert result.created == [] and result.updated == [] and result.removed == 0
    assert result_later.created == []
    assert set(series.occurrences.values_list("pk", "start")) == before


def test_a_day_later_it_adds_what_came_into_the_horizon(series: MeetingSeries) -> None:
    count = series.occurrences.count()
    result = materialise_series(series, now=NOW + dt.timedelta(days=7))
    assert len(result.created) == 1
    assert series.occurrences.count() == count + 1


def test_the_database_refuses_a_second_occurrence_for_the_same_instance(
    series: MeetingSeries,
) -> None:
    first = series.occurrences.first()
    with pytest.raises(ValidationError):
        Occurrence(
            series=series, original_start=first.original_start, start=first.start, end=first.end
        ).validate_constraints()


def test_a_changed_duration_updates_future_meetings_but_not_held_ones(
    series: MeetingSeries,
) -> None:
    later = NOW + dt.timedelta(days=15)  # the meetings of 10 and 17 March are held
    meeting_services.series_change(series, changes={"duration_minutes": 60}, now=later)
    lengths = {
        o.start.date(): (o.end - o.start).seconds // 60
        for o in series.occurrences.order_by("start")
    }
    assert lengths[dt.date(2026, 3, 10)] == 45
    assert lengths[dt.date(2026, 3, 17)] == 45
    assert lengths[dt.date(2026, 3, 24)] == 60


def test_a_changed_time_moves_future_meetings_and_keeps_held_ones(series: MeetingSeries) -> None:
    later = NOW + dt.timedelta(days=15)
    held = list(series.occurrences.filter(start__lt=later).values_list("pk", "start"))
    meeting_services.series_change(series, changes={"start_time": dt.time(11, 0)}, now=later)
    assert list(series.occurrences.filter(start__lt=later).values_list("pk", "start")) == held
    future = series.occurrences.filter(start__gt=later)
    assert {o.start.astimezone(BERLIN).time() for o in future} == {dt.time(11, 0)}


def test_a_moved_single_meeting_keeps_its_override_when_the_series_changes(
    series: MeetingSeries,
) -> None:
    target = series.occurrences.order_by("start")[2]
    new_start = target.start + dt.timedelta(days=1, hours=2)
    meeting_services.occurrence_move(target, start=new_start, now=NOW)
    cancelled = series.occurrences.order_by("start")[3]
    meeting_services.occurrence_cancel(cancelled, now=NOW)

    meeting_services.series_change(series, changes={"title": "Renamed"}, now=NOW)
    meeting_services.series_change(series, changes={"duration_minutes": 30}, now=NOW)

    target.refresh_from_db()
    cancelled.refresh_from_db()
    assert target.start == new_start and target.overridden
    assert cancelled.status == OccurrenceStatus.CANCELLED


def test_a_new_rule_removes_meetings_the_rule_no_longer_produces(series: MeetingSeries) -> None:
    with_notes = series.occurrences.order_by("start")[1]  # 17 March
    ActionItem.objects.create(occurrence=with_notes, title="Keep me")
    fortnightly = preset_rule(Preset.FORTNIGHTLY, series.start_date)

    meeting_services.series_change(series, changes={"rule": fortnightly}, now=NOW)

    scheduled = series.occurrences.scheduled().order_by("start")
    days = [o.start.date() for o in scheduled]
    assert days[:3] == [dt.date(2026, 3, 10), dt.date(2026, 3, 24), dt.date(2026, 4, 7)]
    with_notes.refresh_from_db()  # not deleted: it has an action item
    assert with_notes.status == OccurrenceStatus.CANCELLED


def test_an_inactive_series_materialises_nothing(series: MeetingSeries) -> None:
    meeting_services.series_cancel(series, now=NOW)
    assert materialise_series(series, now=NOW + dt.timedelta(days=30)).created == []
    assert not series.occurrences.scheduled().filter(start__gt=NOW).exists()


def test_since_materialises_history(ciso: Any, head_b: Any, dept_b: Any) -> None:
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=dt.date(2026, 1, 13),
        since=NOW - dt.timedelta(days=60),
    )
    assert series.occurrences.filter(start__lt=NOW).count() == 2  # 13 Jan is outside


def test_materialise_all_covers_every_active_series(
    ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any, monkeypatch: Any
) -> None:
    factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b)
    factories.joint(organiser=ciso, heads=[head_a, head_b])
    Occurrence.objects.all().delete()
    sweeps: list[bool] = []
    monkeypatch.setattr(outbox, "sweep_soon", lambda: sweeps.append(True))
    created = materialise.materialise_all(now=NOW)
    assert created == Occurrence.objects.count() > 0
    assert sweeps == [True]  # one sweep enqueued (after the commit)


def test_one_click_one_on_ones_with_every_key_leader_is_idempotent(
    ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    leader = factories.UserFactory(username="sre-lead")
    dept_a.key_leaders.add(leader)

    created = meeting_setup.schedule_one_on_ones(organiser=ciso, now=NOW)

    pairs = {(s.department.slug, s.leader.username) for s in created}
    assert pairs == {
        ("infrastructure", "head-infrastructure"),
        ("infrastructure", "sre-lead"),
        ("sales", "head-sales"),
    }
    assert {s.rule.split(";")[0] for s in created} == {"FREQ=MONTHLY"}
    slots = {(s.start_date, s.start_time) for s in created}
    assert len(slots) == 3  # staggered: no two at the same time
    assert all(s.attendees.filter(user=s.leader).exists() for s in created)
    assert meeting_setup.schedule_one_on_ones(organiser=ciso, now=NOW) == []


def test_one_click_joint_meeting_invites_every_head_once(
    ciso: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any
) -> None:
    series, created = meeting_setup.schedule_joint_meeting(organiser=ciso, now=NOW)
    again, created_again = meeting_setup.schedule_joint_meeting(organiser=ciso, now=NOW)
    assert created and not created_again and again == series
    assert series.kind == MeetingKind.JOINT
    assert "INTERVAL=3" in series.rule
    assert set(series.attendees.values_list("user__username", flat=True)) == {
        "ciso",
        "head-infrastructure",
        "head-sales",
    }
    assert series.start_date.weekday() == 3  # a Thursday


def test_a_one_on_one_needs_its_leader(ciso: Any, dept_b: Any) -> None:
    with pytest.raises(ValidationError):
        meeting_services.series_create(
            organiser=ciso,
            kind=MeetingKind.ONE_ON_ONE,
            title="x",
            rule="FREQ=WEEKLY",
            start_date=dt.date(2026, 3, 10),
            start_time=dt.time(9),
            time_zone="UTC",
            department=dept_b,
            now=NOW,
        )


def test_an_invalid_custom_rule_creates_nothing(ciso: Any, head_b: Any, dept_b: Any) -> None:
    with pytest.raises(ValidationError, match="FREQ must be"):
        factories.one_on_one(organiser=ciso, leader=head_b, department=dept_b, rule="FREQ=HOURLY")
    assert not MeetingSeries.objects.exists()


def test_moving_a_past_meeting_is_refused(series: MeetingSeries) -> None:
    first = series.occurrences.order_by("start").first()
    with pytest.raises(ValidationError, match="already started"):
        meeting_services.occurrence_move(
            first, start=first.start + dt.timedelta(days=30), now=first.start
        )


def test_cadence_counts_held_against_planned(ciso: Any, head_b: Any, dept_b: Any) -> None:
    series = factories.one_on_one(
        organiser=ciso,
        leader=head_b,
        department=dept_b,
        first=dt.date(2026, 1, 13),
        since=NOW - dt.timedelta(days=90),
    )
    missed = series.occurrences.order_by("start").first()
    missed.status = OccurrenceStatus.CANCELLED
    missed.save()
    unrecorded = MeetingSeries.objects.with_cadence(now=NOW).get(pk=series.pk)
    # Not cancelled is not enough: a meeting is held once attendance or minutes are recorded.
    assert (unrecorded.planned, unrecorded.held, unrecorded.cancelled) == (2, 0, 1)
    assert unrecorded.unrecorded == 1
    other = series.occurrences.exclude(pk=missed.pk).order_by("start").first()
    after.record_attendance(other, {a.pk for a in series.attendees.all()}, ciso, now=NOW)
    annotated = MeetingSeries.objects.with_cadence(now=NOW).get(pk=series.pk)
    assert (annotated.planned, annotated.held, annotated.unrecorded) == (2, 1, 0)
