"""A busy database (SQLite's lock timeout, PostgreSQL's serialization failures) answers a
clear 503 with a retry hint, never a 500; other database errors stay errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from alignment.conf import busy
from alignment.meetings import figures as meeting_figures


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
