"""The meetings' models: series and their meetings, notes, profiles and outbox rows.

They belong to the `alignment` app (no app of their own, so no schema moved):
alignment/models/__init__.py imports this package so that Django registers them.
"""

from __future__ import annotations

from alignment.meetings.models.notes import (
    ActionItem,
    Decision,
    JointShare,
    MeetingAnswer,
    Response,
    get_action_item_for,
)
from alignment.meetings.models.outbox import (
    ActionReminder,
    ActionReminderKind,
    DigestMessage,
    InviteMessage,
    InviteMethod,
    MinutesMessage,
    Reminder,
)
from alignment.meetings.models.profiles import BusyCalendar, UserProfile, profile_for
from alignment.meetings.models.series import (
    Attendance,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
    get_occurrence_for,
    get_occurrence_to_note,
    get_series_for,
)

__all__ = [
    "ActionItem",
    "ActionReminder",
    "ActionReminderKind",
    "Attendance",
    "BusyCalendar",
    "Decision",
    "DigestMessage",
    "InviteMessage",
    "InviteMethod",
    "JointShare",
    "MeetingAnswer",
    "MeetingKind",
    "MeetingSeries",
    "MinutesMessage",
    "Occurrence",
    "OccurrenceStatus",
    "Reminder",
    "Response",
    "SeriesAttendee",
    "UserProfile",
    "get_action_item_for",
    "get_occurrence_for",
    "get_occurrence_to_note",
    "get_series_for",
    "profile_for",
]
