"""Where business and security meet: alignment links, impact assessments, case emails.

The meetings' models live in alignment/meetings/models/ and belong to this app too;
AlignmentConfig.import_models registers them, so that this package, below the meetings,
never imports them.
"""

from __future__ import annotations

from alignment.models.account_emails import PasswordResetEmail
from alignment.models.case_emails import CaseEmail, CaseEmailKind
from alignment.models.changes import Change
from alignment.models.commitments import Commitment, SupportRequest
from alignment.models.engagement import Engagement, ReadingSource, StakeholderReading, StakeLevel
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
from alignment.models.notices import Delivery, Notice, NoticeEmail, NoticeKind
from alignment.models.programme_emails import ProgrammeEmail, ProgrammeEmailKind
from alignment.models.reports import (
    BoardPack,
    PackStatus,
    PostureReport,
    get_pack_for,
    quarter_label,
)
from alignment.models.reviews import (
    ProgrammeReview,
    ReviewItem,
    ReviewStatus,
    Verdict,
    get_review_for,
)
from alignment.models.tokens import ApiToken, TokenScope, get_token_for

__all__ = [
    "Agreement",
    "AlignmentLink",
    "ApiToken",
    "BoardPack",
    "CaseEmail",
    "CaseEmailKind",
    "Change",
    "Commitment",
    "Delivery",
    "Engagement",
    "ImpactAssessment",
    "Notice",
    "NoticeEmail",
    "NoticeKind",
    "PackStatus",
    "PasswordResetEmail",
    "PostureReport",
    "ProgrammeEmail",
    "ProgrammeEmailKind",
    "ProgrammeReview",
    "ReadingSource",
    "Relation",
    "ReviewItem",
    "ReviewStatus",
    "StakeLevel",
    "StakeholderReading",
    "SupportRequest",
    "TokenScope",
    "Verdict",
    "get_assessment_for",
    "get_assessment_to_answer",
    "get_link_for",
    "get_pack_for",
    "get_review_for",
    "get_token_for",
    "quarter_label",
]
