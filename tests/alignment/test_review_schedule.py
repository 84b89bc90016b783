"""The review schedule: the security team chooses how often beat opens a programme review;
it is the crontab of the one PeriodicTask beat already runs, in the organisation's zone."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from alignment import review_schedule
from alignment.review_schedule import TASK_NAME, Frequency

pytestmark = pytest.mark.django_db
URL = "alignment:review-schedule"


@pytest.fixture(autouse=True)
def review_task(db: None) -> None:
    """The review task of alignment's migration 0007, as a fresh database has it.

    A transactional test (the browser tests) empties every table, migration rows included,
    and may run before these: the migration's own function puts the row back (by name).
    """
    migration = importlib.import_module("alignment.migrations.0007_programme_review_schedule")
    migration.create_schedule(apps, None)


def task() -> PeriodicTask:
    return PeriodicTask.objects.select_related("crontab").get(name=TASK_NAME)


def test_it_reads_the_migrations_quarterly_schedule(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/London"
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    schedule = review_schedule.current(now=now)
    assert schedule is not None and schedule.frequency == Frequency.QUARTERLY
    assert schedule.next_run == dt.datetime(2027, 1, 1, 6, tzinfo=dt.UTC)
    # The migration's row says 06:00 UTC; the form offers it back in London time.
    assert (schedule.day, schedule.hour) == (1, 6)
    summer = review_schedule.current(now=dt.datetime(2027, 5, 2, tzinfo=dt.UTC))
    assert summer is not None and (summer.day, summer.hour) == (1, 7)
    assert "06:00 (UTC)" in schedule.description


JAN_20, JAN_10 = dt.datetime(2027, 1, 20, tzinfo=dt.UTC), dt.datetime(2027, 1, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("frequency", "after", "expected"),
    [
        (Frequency.MONTHLY, JAN_20, dt.datetime(2027, 2, 15, 8)),
        (Frequency.QUARTERLY, JAN_20, dt.datetime(2027, 4, 15, 8)),
        (Frequency.HALF_YEARLY, JAN_20, dt.datetime(2027, 7, 15, 8)),
        (Frequency.YEARLY, JAN_20, dt.datetime(2028, 1, 15, 8)),
        (Frequency.YEARLY, JAN_10, dt.datetime(2027, 1, 15, 8)),
    ],
)
def test_it_stores_the_choice_in_the_organisations_zone(
    settings: Any, frequency: str, after: dt.datetime, expected: dt.datetime
) -> None:
    settings.TIME_ZONE = "Europe/London"
    review_schedule.set_schedule(frequency=frequency, day=15, hour=8)
    crontab = task().crontab
    assert crontab is not None
    assert (crontab.minute, crontab.hour, crontab.day_of_month) == ("0", "8", "15")
    assert str(crontab.timezone) == "Europe/London"
    fires = review_schedule.next_run(crontab, after=after)
    # 08:00 London, whether in GMT (January) or BST (April, July).
    assert fires.replace(tzinfo=None) == expected and str(fires.tzinfo) == "Europe/London"
    schedule = review_schedule.current(now=after)
    assert schedule is not None and schedule.frequency == frequency
    assert (schedule.day, schedule.hour) == (15, 8)


def test_it_reuses_the_crontab_row_and_never_adds_a_task() -> None:
    tasks_before = PeriodicTask.objects.count()
    review_schedule.set_schedule(frequency=Frequency.MONTHLY, day=3, hour=7)
    crontabs = CrontabSchedule.objects.count()
    review_schedule.set_schedule(frequency=Frequency.YEARLY, day=3, hour=7)
    review_schedule.set_schedule(frequency=Frequency.MONTHLY, day=3, hour=7)
    assert CrontabSchedule.objects.count() == crontabs + 1
    assert PeriodicTask.objects.count() == tasks_before
    assert PeriodicTask.objects.filter(task="alignment.tasks.open_programme_review").count() == 1


def test_it_puts_back_a_task_deleted_in_the_admin() -> None:
    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    assert review_schedule.current() is None
    review_schedule.set_schedule(frequency=Frequency.QUARTERLY, day=1, hour=6)
    assert task().task == "alignment.tasks.open_programme_review"


def test_it_refuses_what_the_form_would_refuse() -> None:
    for bad in [("weekly", 1, 6), ("monthly", 29, 6), ("monthly", 0, 6), ("monthly", 1, 24)]:
        with pytest.raises(ValueError):
            review_schedule.set_schedule(frequency=bad[0], day=bad[1], hour=bad[2])


def test_a_crontab_edited_in_the_admin_shows_as_custom() -> None:
    odd = CrontabSchedule.objects.create(minute="30", hour="*/2", timezone="UTC")
    PeriodicTask.objects.filter(name=TASK_NAME).update(crontab=odd)
    schedule = review_schedule.current()
    assert schedule is not None and schedule.frequency is None
    assert schedule.description.startswith("Custom, set in the admin")


def test_ciso_changes_the_schedule_and_beat_is_told(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    page = client.get(reverse(URL))
    assert page.status_code == 200 and "Save the schedule" in page.content.decode()
    PeriodicTasks.objects.all().delete()
    response = client.post(reverse(URL), {"frequency": "half_yearly", "day": "2", "hour": "9"})
    assert response.status_code == 302 and response["Location"] == reverse("alignment:review-list")
    crontab = task().crontab
    assert crontab is not None and (crontab.month_of_year, crontab.day_of_month) == ("1,7", "2")
    assert crontab.hour == "9"
    assert PeriodicTasks.last_change() is not None  # a running beat reloads
    listing = client.get(reverse("alignment:review-list")).content.decode()
    assert "Every six months, on day 2 at 09:00" in listing and "Next run:" in listing
    assert "Change the schedule" in listing


def test_executives_read_it_but_cannot_change_it(client: Any, executive: Any) -> None:
    before = task().crontab_id
    client.force_login(executive)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert "Quarterly" in page.content.decode() and "Save the schedule" not in page.content.decode()
    response = client.post(reverse(URL), {"frequency": "monthly", "day": "2", "hour": "9"})
    assert response.status_code == 403
    assert task().crontab_id == before


def test_heads_and_outsiders_cannot_see_it(client: Any, head_a: Any, outsider: Any) -> None:
    for user in (head_a, outsider):
        client.force_login(user)
        assert client.get(reverse(URL)).status_code == 403
        response = client.post(reverse(URL), {"frequency": "monthly", "day": "2", "hour": "9"})
        assert response.status_code == 403
    assert task().crontab is not None and task().crontab.month_of_year == "1,4,7,10"


def test_it_refuses_other_methods(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert client.put(reverse(URL)).status_code == 405


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"frequency": "weekly", "day": "1", "hour": "6"},
        {"frequency": "monthly", "day": "29", "hour": "6"},
        {"frequency": "monthly", "day": "0", "hour": "6"},
        {"frequency": "monthly", "day": "-1", "hour": "6"},
        {"frequency": "monthly", "day": "9" * 400, "hour": "6"},
        {"frequency": "monthly", "day": "1", "hour": "24"},
        {"frequency": "monthly", "day": "1", "hour": "1e9"},
        {"frequency": "monthly", "day": "1.5", "hour": "6"},
        {"frequency": "\x00", "day": "1", "hour": "6"},
        {"frequency": "monthly", "day": "1"},
    ],
)
def test_hostile_schedules_are_refused_in_place(
    client: Any, ciso: Any, data: dict[str, str]
) -> None:
    before = (task().crontab_id, CrontabSchedule.objects.count())
    client.force_login(ciso)
    response = client.post(reverse(URL), data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.content.decode()
    assert (task().crontab_id, CrontabSchedule.objects.count()) == before
