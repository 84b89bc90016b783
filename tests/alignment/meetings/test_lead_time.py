"""Reminder lead times in words, as the series page and the outbox page show them."""

from __future__ import annotations

import pytest

from alignment.templatetags.meeting_tags import lead_time


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "90 minutes"),
        (120, "2 hours"),
        (1440, "1 day"),
        (2880, "2 days"),
        (10080, "1 week"),
    ],
)
def test_a_lead_time_is_said_exactly(minutes: int, words: str) -> None:
    assert lead_time(minutes) == words
