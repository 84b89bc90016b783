"""Where business and security meet: alignment links and impact assessments."""

from __future__ import annotations

from alignment.models.impact import (
    Agreement,
    ImpactAssessment,
    get_assessment_for,
)
from alignment.models.links import (
    AlignmentLink,
    Relation,
    get_link_for,
)

__all__ = [
    "Agreement",
    "AlignmentLink",
    "ImpactAssessment",
    "Relation",
    "get_assessment_for",
    "get_link_for",
]
