"""Where business and security meet: links, impact assessments, meetings and their outbox."""

from __future__ import annotations

from alignment.models.impact import (
    Agreement,
    ImpactAssessment,
    get_assessment_for,
    get_assessment_to_answer,
)
from alignment.models.links import (
    AlignmentLink,
    Relation,
    get_link_for,
)
from alignment.models.meeting_notes import (
    ActionItem,
    Decision,
    MeetingAnswer,
    Response,
    get_action_item_for,
)
from alignment.models.meetings import (
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAttendee,
    get_occurrence_for,
    get_occurrence_to_note,
    get_series_for,
)
from alignment.models.outbox import (
    DigestMessage,
    InviteMessage,
    InviteMethod,
    OutboxStatus,
    Reminder,
)
from alignment.models.profiles import UserProfile, profile_for

__all__ = [
    "ActionItem",
    "Agreement",
    "AlignmentLink",
    "Decision",
    "DigestMessage",
    "ImpactAssessment",
    "InviteMessage",
    "InviteMethod",
    "MeetingAnswer",
    "MeetingKind",
    "MeetingSeries",
    "Occurrence",
    "OccurrenceStatus",
    "OutboxStatus",
    "Relation",
    "Reminder",
    "Response",
    "SeriesAttendee",
    "UserProfile",
    "get_action_item_for",
    "get_assessment_for",
    "get_assessment_to_answer",
    "get_link_for",
    "get_occurrence_for",
    "get_occurrence_to_note",
    "get_series_for",
    "profile_for",
]
