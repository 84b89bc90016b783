"""A busy database (SQLite's lock timeout, PostgreSQL's serialization failures) answers a
clear 503 with a retry hint, never a 500; other database errors stay errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.test import Client

from alignment.conf import busy
from alignment.meetings import figures as meeting_figures
from departments.models import Department
from tests import factories


class SerializationFailure(Exception):
    sqlstate = "40001"


def locked(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("database is locked")


def serialization_failure(*args: Any, **kwargs: Any) -> Any:
    try:
        raise SerializationFailure("could not serialize access")
    except SerializationFailure as cause:
        raise OperationalError("could not serialize access") from cause


@pytest.mark.parametrize("failure", [locked, serialization_failure])
def test_a_busy_database_answers_503_with_retry_after(
    ciso: Any, monkeypatch: Any, failure: Any
) -> None:
    monkeypatch.setattr(meeting_figures, "meetings_overview", failure)
    client = Client(raise_request_exception=False)
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(busy.RETRY_AFTER_SECONDS)
    assert "Nothing of yours was saved" in response.text


def test_other_database_errors_are_not_called_busy() -> None:
    assert not busy.is_busy(OperationalError("no such table: x"))
    assert not busy.is_busy(ValueError("database is locked"))
    assert busy.is_busy(OperationalError("database is locked"))


class Flaky:
    """The dashboard's figures, busy for the first `failures` calls, then answering."""

    def __init__(self, failures: int, real: Any, *, write_first: bool = False) -> None:
        self.failures, self.real, self.write_first, self.calls = failures, real, write_first, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.write_first:
            # Autocommit, outside any transaction: committed before the failure.
            Department.objects.create(name=f"Written {self.calls}", slug=f"written-{self.calls}")
        if self.calls <= self.failures:
            locked()
        return self.real(*args, **kwargs)


@pytest.fixture
def pauses(monkeypatch: Any) -> list[float]:
    """The retry's pauses, recorded instead of slept (the waiting itself is not the point)."""
    taken: list[float] = []
    monkeypatch.setattr(busy, "sleep", taken.append)
    return taken


def test_a_briefly_busy_database_is_retried_and_the_page_answers(
    ciso: Any, monkeypatch: Any, pauses: list[float]
) -> None:
    flaky = Flaky(1, meeting_figures.meetings_overview)
    monkeypatch.setattr(meeting_figures, "meetings_overview", flaky)
    client = Client(raise_request_exception=False)
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 200
    assert flaky.calls == 2
    assert pauses == [busy.PAUSES[0]]


def test_a_database_busy_through_every_attempt_answers_503(
    ciso: Any, monkeypatch: Any, pauses: list[float]
) -> None:
    flaky = Flaky(99, meeting_figures.meetings_overview)
    monkeypatch.setattr(meeting_figures, "meetings_overview", flaky)
    client = Client(raise_request_exception=False)
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 503
    assert flaky.calls == busy.ATTEMPTS
    assert pauses == list(busy.PAUSES)


@pytest.mark.django_db(transaction=True)
def test_a_request_that_committed_a_write_is_not_run_twice(
    monkeypatch: Any, pauses: list[float]
) -> None:
    ciso = factories.security_user("ciso")
    flaky = Flaky(1, meeting_figures.meetings_overview, write_first=True)
    monkeypatch.setattr(meeting_figures, "meetings_overview", flaky)
    client = Client(raise_request_exception=False)
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 503
    assert flaky.calls == 1
    assert Department.objects.filter(slug__startswith="written-").count() == 1
    assert pauses == []


@pytest.mark.django_db(transaction=True)
def test_writes_rolled_back_with_the_failed_transaction_do_not_stop_the_retry(
    monkeypatch: Any, pauses: list[float]
) -> None:
    ciso = factories.security_user("ciso")
    real = meeting_figures.meetings_overview

    def inside_a_transaction(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            return flaky(*args, **kwargs)

    flaky = Flaky(1, real, write_first=True)
    monkeypatch.setattr(meeting_figures, "meetings_overview", inside_a_transaction)
    client = Client(raise_request_exception=False)
    client.force_login(ciso)
    response = client.get("/")
    assert response.status_code == 200
    # The first attempt's row went with its transaction; the second's was committed.
    assert list(
        Department.objects.filter(slug__startswith="written-").values_list("slug", flat=True)
    ) == ["written-2"]
    assert pauses == [busy.PAUSES[0]]
