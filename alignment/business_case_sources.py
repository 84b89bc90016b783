"""Alignment's answers to what business cases need to know (see business_cases/sources.py).

Business cases sit below alignment and may not import it, so alignment registers these
functions at start-up (AlignmentConfig.ready()).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Sum

from alignment.models import AlignmentLink, Commitment, ImpactAssessment
from business_cases.sources import (
    AssessedTime,
    Conflict,
    DepartmentLoad,
    Softening,
    TradeOff,
)
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


def trade_off(initiative: Initiative) -> TradeOff:
    """Conflicts, each assessed department's hours against its friction budget with the
    head's answer, and the commitments made on the initiative's assessments and links:
    four queries, whatever the size of the organisation."""
    conflicts = (
        AlignmentLink.objects.conflicts()
        .filter(initiative=initiative)
        .select_related("goal__department")
        .order_by("goal__department__name", "goal__title")
    )
    assessments = list(
        ImpactAssessment.objects.filter(initiative=initiative)
        .select_related("department")
        .order_by("department__name")
    )
    totals = dict(
        ImpactAssessment.objects.counted()
        .filter(department__in=[a.department_id for a in assessments])
        .values_list("department")
        .annotate(total=Sum("hours_per_week"))
        .order_by()
    )
    commitments = (
        Commitment.objects.filter(
            Q(assessment__initiative=initiative) | Q(link__initiative=initiative)
        )
        .select_related("department")
        .order_by("due_date", "pk")
    )
    return TradeOff(
        conflicts=tuple(
            Conflict(
                goal=link.goal.title,
                department=link.goal.department.name,
                rationale=link.rationale,
                mitigation=link.mitigation,
            )
            for link in conflicts
        ),
        loads=tuple(
            DepartmentLoad(
                department=a.department.name,
                hours_per_week=a.hours_per_week,
                # A cancelled initiative's own hours do not count; the others' do.
                total_hours=totals.get(a.department_id) or Decimal(0),
                budget_hours=a.department.friction_budget_hours,
                answer=a.head_agreement,
                answer_label=a.get_head_agreement_display(),
                head_comment=a.head_comment,
            )
            for a in assessments
        ),
        commitments=tuple(
            Softening(
                title=c.title,
                department=c.department.name,
                status=c.get_status_display(),
                due_date=c.due_date,
            )
            for c in commitments
        ),
    )
