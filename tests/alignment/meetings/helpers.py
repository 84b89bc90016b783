"""The fixed clock of the meeting tests (the meeting builders are in tests/factories.py)."""

from __future__ import annotations

import datetime as dt

# A Monday morning; Europe changes to summer time on 29 March 2026, the US on 8 March.
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
