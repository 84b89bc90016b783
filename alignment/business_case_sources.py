"""Alignment's answers to what business cases need to know (see business_cases/sources.py).

Business cases sit below alignment and may not import it, so alignment registers these
two functions at start-up (AlignmentConfig.ready()).
"""

from __future__ import annotations

from alignment.models import AlignmentLink, ImpactAssessment
from business_cases.sources import AssessedTime
from objectives.models import Initiative


def people_time(initiative: Initiative) -> list[AssessedTime]:
    """Each assessed department's total added hours per week for the initiative (one query)."""
    assessments = (
        ImpactAssessment.objects.filter(initiative=initiative)
        .select_related("department")
        .order_by("department__name")
    )
    return [
        AssessedTime(
            department_id=a.department_id,
            department_name=a.department.name,
            hours_per_week=a.hours_per_week,
            people_affected=a.people_affected,
        )
        for a in assessments
    ]


def supporting_goals(initiative: Initiative) -> list[int]:
    """Ids of the goals the initiative supports (one query)."""
    links = AlignmentLink.objects.supporting().filter(initiative=initiative)
    return list(links.values_list("goal_id", flat=True))
