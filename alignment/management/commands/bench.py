"""`make bench`: is every page as fast at 100× the demo as at 1×, and does the outbox keep up?

For each scale (1×, 10×, 100× by default) it builds the organisation with bulk inserts
(alignment/bench/organisation.py) in a throwaway database — a new PostgreSQL database
when DATABASE_URL points at PostgreSQL, a temporary SQLite file otherwise; the configured
database's data is never touched — and requests every main page and HTMX endpoint as the
CISO and as a department head, each followed by a static page of the same byte size
(alignment/bench/pages.py). It prints, per page: the queries at each scale (the page
made, without the page cache) and of the same request again (from the page cache where
the page is kept), the median time, the first request's time (cache cold) and the size at the
largest scale, and the ratio to the static page at each scale. Then the outbox's rate
against raw smtplib's to the same local server (alignment/bench/outbox_rate.py). The
last line is the summary:

    summary: worst_ratio=… worst_growth=… query_growth=… outbox_ratio=…

worst_ratio is the largest page ÷ static ratio at the largest scale, worst_growth the
largest growth of a page's ratio from the second-largest scale to the largest,
query_growth the number of pages whose query counts (made or again) differ between
scales, outbox_ratio the sweep's rate ÷ raw smtplib's. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import setup_test_environment

from alignment.bench import organisation, outbox_rate, pages
from alignment.bench.pages import CISO, Row


def scales_of(text: str) -> list[int]:
    try:
        scales = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise CommandError(
            "--scales takes whole numbers separated by commas, e.g. 1,10,100"
        ) from error
    if not scales or scales[0] < 1:
        raise CommandError("--scales needs at least one scale of 1 or more.")
    return scales


class Command(BaseCommand):
    help = "Pages at 1×, 10× and 100× the demo against a static page; the outbox against smtplib."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scales", default="1,10,100", help="e.g. 1,10,100")
        parser.add_argument("--repeat", type=int, default=5, help="requests per page and scale")
        parser.add_argument("--emails", type=int, default=2000, help="reminders the outbox sends")

    def handle(self, *args: Any, **options: Any) -> None:
        scales = scales_of(options["scales"])
        repeat = max(1, options["repeat"])
        setup_test_environment()
        workdir = tempfile.TemporaryDirectory(prefix="bench-")
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            test_settings["NAME"] = str(Path(workdir.name) / "bench.sqlite3")
        else:
            test_settings["NAME"] = f"bench_{os.getpid()}"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with override_settings(ROOT_URLCONF="alignment.bench.urls", DEBUG=False):
                rows = self.pages(scales, repeat)
                self.report(rows, scales)
                rate = self.outbox(max(1, options["emails"]))
            self.summary(rows, scales, rate)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            workdir.cleanup()

    def fresh(self) -> None:
        call_command("flush", interactive=False, verbosity=0)
        cache.clear()

    def pages(self, scales: list[int], repeat: int) -> list[Row]:
        rows = [Row(page, role) for page in pages.PAGES for role in page.roles]
        for scale in scales:
            self.fresh()
            started = time.perf_counter()
            org = organisation.build(scale)
            with connection.cursor() as cursor:  # statistics, as a database in use has them
                cursor.execute("ANALYZE")
            counts = ", ".join(f"{n:,} {name}" for name, n in org.counts.items())
            self.stdout.write(
                f"{scale}×: {counts} (built in {time.perf_counter() - started:.1f} s, "
                f"{connection.vendor})"
            )
            clients = {CISO: Client(), pages.HEAD: Client()}
            clients[CISO].force_login(org.ciso)
            clients[pages.HEAD].force_login(org.head)
            for row in rows:
                reading = pages.measure(clients[row.role], row.page, org, repeat)
                if reading is not None:
                    row.readings[scale] = reading
        return [row for row in rows if row.readings]

    def report(self, rows: list[Row], scales: list[int]) -> None:
        top = scales[-1]
        marks = "/".join(f"{s}×" for s in scales)
        self.stdout.write("")
        self.stdout.write(
            f"{'page':<22} {'as':<5} {'queries ' + marks:>22} {'again':>9} "
            f"{'ms at ' + str(top) + '×':>10} {'1st ms':>8} {'KB at ' + str(top) + '×':>10} "
            f"{'÷ static ' + marks:>26}"
        )
        for row in rows:
            queries = "/".join(_cell(row, s, lambda r: str(r.queries)) for s in scales)
            again = "/".join(_cell(row, s, lambda r: str(r.cached_queries)) for s in scales)
            ratios = "/".join(_cell(row, s, lambda r: f"{r.ratio:.1f}") for s in scales)
            last = row.readings.get(top)
            ms = f"{last.median_ms:.1f}" if last else "—"
            first = f"{last.first_ms:.0f}" if last else "—"
            kb = f"{last.size / 1024:.0f}" if last else "—"
            self.stdout.write(
                f"{row.page.label:<22} {row.role:<5} {queries:>22} {again:>9} {ms:>10} "
                f"{first:>8} {kb:>10} {ratios:>26}"
            )

    def outbox(self, emails: int) -> outbox_rate.OutboxRate:
        self.fresh()
        rate = outbox_rate.measure(emails)
        self.stdout.write("")
        self.stdout.write(
            f"outbox: {rate.emails:,} reminders in {rate.sessions} SMTP sessions at "
            f"{rate.sweep_per_second:.0f}/s; raw smtplib, same messages, one session: "
            f"{rate.raw_per_second:.0f}/s; ratio {rate.ratio:.2f}"
        )
        return rate

    def summary(self, rows: list[Row], scales: list[int], rate: outbox_rate.OutboxRate) -> None:
        top = scales[-1]
        previous = scales[-2] if len(scales) > 1 else top
        at_top = [row.readings[top] for row in rows if top in row.readings]
        worst_ratio = max((r.ratio for r in at_top), default=0.0)
        worst_growth = max(
            (
                row.readings[top].ratio / row.readings[previous].ratio
                for row in rows
                if top in row.readings and previous in row.readings
            ),
            default=1.0,
        )
        query_growth = sum(
            1
            for row in rows
            if len({(r.queries, r.cached_queries) for r in row.readings.values()}) > 1
        )
        self.stdout.write(
            f"summary: worst_ratio={worst_ratio:.2f} worst_growth={worst_growth:.2f} "
            f"query_growth={query_growth} outbox_ratio={rate.ratio:.2f}"
        )


def _cell(row: Row, scale: int, text: Any) -> str:
    reading = row.readings.get(scale)
    return text(reading) if reading is not None else "—"
