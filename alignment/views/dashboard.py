"""The CISO's dashboard (also read by executives and administrators) and the lists behind it.

Each figure on the dashboard links to a list that shows exactly what was counted: both
come from the querysets in alignment/figures.py.
"""

from __future__ import annotations

from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alignment import changes, charts, engagement, figures, friction, heatmap
from alignment.meetings import figures as meeting_figures
from alignment.meetings.models import ActionItem, Occurrence
from alignment.models import AlignmentLink, ImpactAssessment, Relation
from business_cases import budget
from departments import roles
from departments.http import HtmxHttpRequest, page_of
from departments.models import BudgetProposal, Department, Goal, ProposalStatus

# A head's home shows this many goals and action items, and the next meetings.
HOME_ROWS = 20
HOME_MEETINGS = 5
HOME_MEETING_DAYS = 60
# One-on-ones in the dashboard's cadence table (the furthest behind; all are counted).
CADENCE_ROWS = 10


def _dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The figures are rendered once per version of the programme, minute, reader's time
    zone and role (alignment/changes.py): the template caches them under `figures_key`,
    and the context is lazy, so a cached dashboard computes nothing."""
    board = changes.lazily(lambda: figures.build_dashboard(Department.objects.order_by("name")))
    meetings = changes.lazily(lambda: meeting_figures.meetings_overview(cadence_rows=CADENCE_ROWS))
    can_edit = roles.is_ciso(request.user)
    context = {
        "figures_key": changes.key("dashboard", timezone.get_current_timezone_name(), can_edit),
        "figures_seconds": changes.SECONDS,
        "board": board,
        "chart": changes.lazily(lambda: charts.friction_chart(board.friction_worst)),
        "heatmap": changes.lazily(lambda: heatmap.summarise(Department.objects.all())),
        "can_edit": can_edit,
        "meetings": meetings,
        "cadence": changes.lazily(lambda: meetings.cadence),
        # None (not a lazy None) tells the template a reader outside the security team.
        "engagement_flags": (
            changes.lazily(lambda: engagement.dashboard_flags(request.user)) if can_edit else None
        ),
        "security_budget": changes.lazily(lambda: budget.year_budget(budget.this_year())),
    }
    return render(request, "alignment/dashboard.html", context)


def _department_home(request: HtmxHttpRequest) -> HttpResponse:
    """A head's (or key leader's) one screen: their goals with the initiatives that
    support or conflict with each, what awaits their answer, their next meetings with
    the security team and their open action items. Bounded: a fixed number of queries
    and rows, with links to the full lists."""
    user = request.user
    departments = list(Department.objects.visible_to(user).select_related("head"))
    goals = (
        Goal.objects.visible_to(user)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "links",
                queryset=AlignmentLink.objects.exclude(relation=Relation.NEUTRAL)
                .select_related("initiative")
                .order_by("relation", "initiative__title"),
            )
        )
        .order_by("department__name", "due_date", "title")
    )
    headed = [d for d in departments if roles.heads(user, d)]
    awaiting = (
        ImpactAssessment.objects.counted()
        .filter(department__in=headed)
        .awaiting_head()
        .select_related("initiative", "department")
        .order_by("department__name", "initiative__title")
    )
    budgets_to_answer = BudgetProposal.objects.filter(
        department__in=headed, status=ProposalStatus.OPEN, from_security_team=True
    ).select_related("department", "proposed_by")
    meetings = (
        Occurrence.objects.filter(series__attendees__user=user, series__active=True)
        .upcoming(days=HOME_MEETING_DAYS)
        .select_related("series")
        .order_by("start")
    )
    actions = (
        ActionItem.objects.filter(owner=user)
        .open()
        .select_related("occurrence__series", "review_item")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
    context = {
        "departments": departments,
        "goals": goals[:HOME_ROWS],
        "more_goals": goals.count() > HOME_ROWS,
        "assessments": awaiting,
        "budgets_to_answer": budgets_to_answer,
        "friction": friction.by_department(headed),
        "meetings": meetings[:HOME_MEETINGS],
        "actions": actions[:HOME_ROWS],
        "more_actions": actions.count() > HOME_ROWS,
        "today": timezone.localdate(),
    }
    return render(request, "alignment/home_department.html", context)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard for those who read everything (the CISO edits, executives and
    administrators read); heads and key leaders get their departments."""
    if roles.reads_everything(request.user):
        return _dashboard(request)
    return _department_home(request)


def _department_filter(request: HtmxHttpRequest) -> tuple[list[Department], Department | None]:
    """The departments the user may see, and the one chosen with ?department=<slug>."""
    departments = list(Department.objects.visible_to(request.user).order_by("name"))
    slug = request.GET.get("department", "")
    chosen = next((d for d in departments if d.slug == slug), None)
    return departments, chosen


@require_GET
def conflict_list(request: HtmxHttpRequest) -> HttpResponse:
    """Conflicts between initiatives and goals; ?unmitigated=1 keeps the unmitigated ones."""
    links = (
        AlignmentLink.objects.visible_to(request.user).counted().filter(relation=Relation.CONFLICTS)
    )
    unmitigated = request.GET.get("unmitigated") == "1"
    if unmitigated:
        links = figures.unmitigated_conflicts(links)
    departments, department = _department_filter(request)
    if department is not None:
        links = links.filter(goal__department=department)
    links = links.select_related("initiative__objective", "goal__department").order_by(
        "goal__department__name", "goal__title", "initiative__title"
    )
    context = {
        "page": page_of(request, links),
        "unmitigated": unmitigated,
        "departments": departments,
        "department": department,
    }
    return render(request, "alignment/conflict_list.html", context)


@require_GET
def coverage(request: HtmxHttpRequest) -> HttpResponse:
    """Active goals with and without a supporting initiative; ?supported=1|0 filters."""
    goals = Goal.objects.visible_to(request.user)
    departments, department = _department_filter(request)
    if department is not None:
        goals = goals.filter(department=department)
    totals = figures.goal_coverage(goals)
    listed = figures.goals_with_support(goals).select_related("department")
    supported = request.GET.get("supported", "")
    if supported == "1":
        listed = listed.filter(supporting_count__gt=0)
    elif supported == "0":
        listed = listed.filter(supporting_count=0)
    listed = listed.order_by("department__name", "due_date", "title")
    context = {
        "page": page_of(request, listed),
        "coverage": totals,
        "supported": supported,
        "departments": departments,
        "department": department,
    }
    return render(request, "alignment/coverage.html", context)
