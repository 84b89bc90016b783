"""`python manage.py import_programme FILE`: read a programme export into this instance
(alignment/portability/restore.py). It shows what it would do and asks before doing it;
`--dry-run` only shows, `--yes` does not ask, `--merge` allows an instance that already
holds a programme."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alignment.portability.kinds import Refused
from alignment.portability.restore import Plan, restore


class Command(BaseCommand):
    help = "Import a programme export (ZIP); shows what it would create and update first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an export written by export_programme")
        parser.add_argument(
            "--merge",
            action="store_true",
            help="import into an instance that already holds a programme (update and add)",
        )
        parser.add_argument("--dry-run", action="store_true", help="show, change nothing")
        parser.add_argument("--yes", action="store_true", help="import without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        try:
            plan = restore(content, merge=options["merge"], dry_run=True)
            self._show(plan, "would be")
            if options["dry_run"] or not plan.changes_anything:
                return
            if not options["yes"] and not self._confirmed():
                raise CommandError("Nothing was imported.")
            plan = restore(content, merge=options["merge"], dry_run=False)
        except Refused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            f"Imported: {plan.created} created, {plan.updated} updated, {plan.unchanged} unchanged."
        )

    def _show(self, plan: Plan, mood: str) -> None:
        exported_at = plan.manifest.get("exported_at", "an unknown time")
        self.stdout.write(f"Export of {exported_at}; rows that {mood}:")
        width = max((len(t.name) for t in plan.tallies), default=10)
        self.stdout.write(f"  {'':{width}}  created  updated  unchanged")
        for tally in plan.tallies:
            self.stdout.write(
                f"  {tally.name:{width}}  {tally.created:7}  {tally.updated:7}  {tally.unchanged:9}"
            )

    def _confirmed(self) -> bool:
        if not sys.stdin.isatty():
            raise CommandError("Not a terminal to ask on: rerun with --yes to import.")
        return input("Import? [y/N] ").strip().lower() in {"y", "yes"}
