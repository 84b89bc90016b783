"""`python manage.py export_programme FILE`: the whole programme in one file
(alignment/portability/), for a move to another instance or to keep safe."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alignment.portability.export import export_programme


class Command(BaseCommand):
    help = "Write the whole programme (rows and documents) to a ZIP file; '-' for stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the export (.zip), or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        exported = export_programme()
        if options["file"] == "-":
            self.stdout.flush()
            os.write(1, exported.content)
            return
        target = Path(options["file"])
        try:
            # Written beside the target and renamed: a failed write leaves no half file.
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(exported.content)
            Path(handle.name).replace(target)
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror}") from error
        total = sum(exported.rows.values())
        self.stdout.write(
            f"Exported {total} rows and {exported.files} files to {target} "
            f"({len(exported.content):,} bytes)."
        )
