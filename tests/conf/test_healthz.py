"""/healthz: 200 when the database and the broker answer, 503 (quickly) when one does not."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import DatabaseError
from django.test import Client

from alignment.conf import health
from alignment.conf.celery import app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mute_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word, like a hung broker."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def point_broker_at(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    # All three: with CELERY_BROKER_URL in the environment Celery also fills the
    # read/write URLs, which win over broker_url.
    for key in ("broker_url", "broker_write_url", "broker_read_url"):
        monkeypatch.setitem(app.conf, key, f"redis://127.0.0.1:{port}/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {})


@pytest.mark.django_db
def test_it_reports_healthy_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] is True
    assert response.json()["broker"] is True


@pytest.mark.django_db
def test_it_fails_fast_when_the_broker_refuses(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_broker_at(monkeypatch, free_port())

    started = time.monotonic()
    response = client.get("/healthz")

    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["broker"] is False
    assert response.json()["database"] is True


def test_it_gives_up_on_a_broker_that_never_answers(
    monkeypatch: pytest.MonkeyPatch, mute_listener: int
) -> None:
    point_broker_at(monkeypatch, mute_listener)
    results: list[bool] = []

    # In a thread, so that a regression fails this test instead of hanging the run.
    probe = threading.Thread(target=lambda: results.append(health.broker_ok()), daemon=True)
    probe.start()
    probe.join(timeout=8)

    assert not probe.is_alive(), "broker_ok() still waiting on a silent broker after 8 s"
    assert results == [False]


@pytest.mark.django_db
def test_it_reports_a_database_outage(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def cursor(self) -> None:
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] is False


@pytest.mark.django_db
def test_it_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
