"""`make load`: thirty simulated people against gunicorn + PostgreSQL + Redis + two Celery
workers on loopback, at 10× the demo, for a bounded time (alignment/bench/load.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alignment.bench import load


class Command(BaseCommand):
    help = "Load run: locust against the production layout on loopback (needs PostgreSQL, Redis)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=10)
        parser.add_argument("--users", type=int, default=30)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument(
            "--postgres",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="a PostgreSQL server where a throwaway database may be created",
        )
        parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
        parser.add_argument("--prepare", type=Path, help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["prepare"] is not None:
            load.prepare(options["scale"], options["prepare"])
            return
        if not 1 <= options["seconds"] <= 600 or not 1 <= options["users"] <= 200:
            raise CommandError("A load run lasts 1 to 600 seconds with 1 to 200 users.")
        failures = load.run(
            options["postgres"],
            options["redis"],
            scale=options["scale"],
            users=options["users"],
            seconds=options["seconds"],
            out=self.stdout,
        )
        if failures:
            raise CommandError(f"{failures} requests failed.")
        self.stdout.write("0 errors")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
