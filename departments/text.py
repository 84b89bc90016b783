"""Text that goes where a line break or a leading sign means something else: one-line
fields (email headers, calendar lines, CSV cells, PDF headings) and spreadsheet cells."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 and C1 control characters (CR, LF, tab, NUL…) and the Unicode line separators: in a
# title or a place written into an email header or a calendar line, a line break starts
# a new header or property.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value: str) -> None:
    """Refuse line breaks and other control characters in a one-line text."""
    if CONTROL_CHARACTERS.search(value or ""):
        raise ValidationError(
            "Write this on one line, without line breaks, tabs or other control characters.",
            code="control_character",
        )


def spreadsheet_safe(text: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
