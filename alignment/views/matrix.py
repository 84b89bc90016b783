"""The alignment matrix, the heatmap, and linking from either side with a type-ahead search.

Everyone who may read a department reads its matrix; only the security team changes
links. A department head sees their own department only (404 for any other).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import cast

from django.contrib import messages
from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from alignment import heatmap as heatmap_totals
from alignment.forms import LinkForm, MatrixFilterForm, QuickLinkForm
from alignment.matrix import (
    Choice,
    build_matrix,
    counters_for,
    department_choices,
    link_between,
)
from alignment.models import AlignmentLink
from departments import roles
from departments.http import (
    INVALID_FORM_STATUS,
    HtmxHttpRequest,
    is_fragment,
    page_of,
    require_security_team,
)
from departments.models import Department, Goal, get_department_for, get_goal_for
from objectives.models import (
    Initiative,
    SecurityObjective,
    get_initiative_for,
    get_objective_for,
)

MATRIX = "alignment/matrix.html"
HEATMAP = "alignment/heatmap.html"
SEARCH = "alignment/_link_search.html"
SEARCH_LIMIT = 10
SIDES = ("initiative", "goal")


LINKS_ONLY = "Only the security team links initiatives to goals."


@require_GET
def matrix_index(request: HtmxHttpRequest) -> HttpResponse:
    """The matrix of the department chosen with ?department=<slug> (the chooser's form),
    else of the first one the user may see."""
    departments = Department.objects.visible_to(request.user)
    if chosen := request.GET.get("department"):
        departments = departments.filter(slug=chosen)
    department = departments.order_by("name").first()
    if department is None and chosen:
        return redirect("alignment:matrix-index")
    if department is None:
        return redirect("alignment:heatmap")
    return redirect("alignment:matrix", slug=department.slug)


@require_GET
@vary_on_headers("HX-Request")
def matrix(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One department's matrix; ?objective=, ?q= (initiative title) and ?rows=all (every
    initiative, not only those linked to or assessed on the department) filter it."""
    department = get_department_for(request.user, slug)
    filters = MatrixFilterForm(request.GET)
    filters.is_valid()  # an unknown objective is ignored; the others still apply
    show_all = request.GET.get("rows") == "all"
    q = _query(request)
    objective = filters.cleaned_data.get("objective")
    table = build_matrix(
        department,
        objective=objective,
        show_all=show_all,
        q=q,
        page=request.GET.get("page"),
    )
    context: dict[str, object] = {
        "department": department,
        "matrix": table,
        "can_edit": roles.is_ciso(request.user),
        "show_all": show_all,
        "filtered": show_all or bool(q) or objective is not None,
        "q": q,
        "query": _matrix_query(request),
    }
    if is_fragment(request):
        return render(request, f"{MATRIX}#matrix-table", context)
    choices = department_choices(Department.objects.visible_to(request.user))
    context["department_chooser"] = _chooser(choices, department)
    context["counters"] = counters_for(department)
    context["filters"] = filters
    return render(request, MATRIX, context)


@dataclass(frozen=True)
class _Chooser:
    """The department chooser: the options before and after the chosen department's own
    (the `chooser-option` partial, which a saved cell replaces out of band)."""

    size: int
    before: SafeString
    chosen: Choice | None
    after: SafeString


def _chooser(choices: list[Choice], department: Department) -> _Chooser:
    """The options are joined here rather than looped over in the template: at 600
    departments the loop took longer than all the rest of the page."""
    at = next((n for n, c in enumerate(choices) if c.pk == department.pk), len(choices))
    # html.escape is what the templates' autoescape applies (django.utils.html.escape).
    options = [
        f'<option value="{escape(c.slug)}">{escape(c.name)}{_figures(c)}</option>' for c in choices
    ]
    return _Chooser(
        size=len(choices),
        before=SafeString("".join(options[:at])),  # every value in them escaped
        chosen=choices[at] if at < len(choices) else None,
        after=SafeString("".join(options[at + 1 :])),
    )


def _figures(choice: Choice) -> str:
    """' — 2 conflicts, 1 unmitigated' after a name, as the chooser-option partial says it."""
    if not choice.conflicts:
        return ""
    text = f" — {choice.conflicts} conflict{'' if choice.conflicts == 1 else 's'}"
    return f"{text}, {choice.unmitigated} unmitigated" if choice.unmitigated else text


def _matrix_query(request: HtmxHttpRequest) -> str:
    """The matrix's filters as a query string, for its page links (the page left out)."""
    kept = request.GET.copy()
    kept.pop("page", None)
    return kept.urlencode()


def _cell_objects(
    request: HtmxHttpRequest, slug: str, initiative_id: int, goal_id: int
) -> tuple[Department, Initiative, Goal]:
    """404 unless the user reads the department and the goal is one of its goals; then 403
    unless they are on the security team."""
    department = get_department_for(request.user, slug)
    goal = get_object_or_404(Goal, pk=goal_id, department=department)
    initiative = get_initiative_for(request.user, initiative_id)
    require_security_team(request.user, LINKS_ONLY)
    return department, initiative, goal


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def matrix_cell(
    request: HtmxHttpRequest, slug: str, initiative_id: int, goal_id: int
) -> HttpResponse:
    department, initiative, goal = _cell_objects(request, slug, initiative_id, goal_id)
    matrix_url = reverse("alignment:matrix", args=[department.slug])
    link = link_between(initiative, goal)
    context: dict[str, object] = {
        "department": department,
        "initiative": initiative,
        "goal": goal,
        "link": link,
        "can_edit": True,
    }
    if request.method == "GET" and "cancel" in request.GET:
        if not is_fragment(request):
            return redirect(matrix_url)
        return render(request, f"{MATRIX}#matrix-cell", {**context, "refocus": True})
    form = LinkForm(
        request.POST if request.method == "POST" else None,
        initiative=initiative,
        goal=goal,
        link=link,
    )
    if request.method == "POST" and form.is_valid() and form.save():
        if not is_fragment(request):
            messages.success(request, f"Saved the link of “{initiative}” to “{goal}”.")
            return redirect(f"{matrix_url}#matrix-cell-{initiative.pk}-{goal.pk}")
        # The department chooser (shown when there is more than one) follows the counters.
        chooser = Department.objects.visible_to(request.user)[:2].count() > 1
        context.update(
            link=form.link, counters=counters_for(department), refocus=True, chooser=chooser
        )
        return render(request, f"{MATRIX}#cell-saved", context)
    context["form"] = form
    if is_fragment(request):
        status = 422 if form.is_bound else 200
        return render(request, f"{MATRIX}#matrix-cell", context, status=status)
    context.update(action=request.path, back_url=matrix_url)
    return render(request, "alignment/link_form.html", context)


def _heatmap_page(request: HtmxHttpRequest) -> dict[str, object]:
    """The summary: one row per department (or per objective with ?by=objective), worst
    first, ?q= to find one by name, paginated; never the cells of more than one."""
    departments = Department.objects.visible_to(request.user)
    by = "objective" if request.GET.get("by") == "objective" else "department"
    q = _query(request)
    # Every department's totals as numbers, in one aggregate query: the summary counts
    # them all and, unfiltered, the page of departments is a slice of them; only that
    # page's departments are read as objects.
    worst_first = heatmap_totals.departments_worst_first(departments)
    every = [
        heatmap_totals.Figures(*row) for row in worst_first.values_list(*heatmap_totals.FIGURES)
    ]
    if by == "department" and not q:
        page: Page[object] = page_of(request, every)
        figures = cast("list[heatmap_totals.Figures]", page.object_list)
        shown = Department.objects.in_bulk([f.pk for f in figures])
        totals = [heatmap_totals.Total.of_figures(shown[f.pk], f) for f in figures]
    else:
        rows: QuerySet[Department] | QuerySet[SecurityObjective]
        if by == "objective":
            objectives = SecurityObjective.objects.visible_to(request.user)
            rows = heatmap_totals.objectives_worst_first(objectives, departments)
            rows = rows.filter(title__icontains=q) if q else rows
        else:
            rows = worst_first.filter(name__icontains=q)
        page = page_of(request, rows)
        # The paginator forgets the union of the two querysets' models.
        items = cast("list[Department | SecurityObjective]", page.object_list)
        totals = [heatmap_totals.Total.of(item) for item in items]
    return {
        "by": by,
        "q": q,
        "page": page,
        "totals": totals,
        "summary": heatmap_totals.summary_of(every),
    }


@require_GET
@vary_on_headers("HX-Request")
def heatmap(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, HEATMAP, _heatmap_page(request))


def _opened(request: HtmxHttpRequest, context: dict[str, object], partial: str) -> HttpResponse:
    """The opened row as a fragment (?open=0 closes it), or the whole page with it open."""
    context["open"] = request.GET.get("open") != "0"
    if is_fragment(request):
        return render(request, f"{HEATMAP}#{partial}", context)
    return render(request, HEATMAP, {**_heatmap_page(request), **context, "opened": partial})


@require_GET
@vary_on_headers("HX-Request")
def heatmap_department(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One department's cells: its totals by objective (only objectives linked to it)."""
    department = get_department_for(request.user, slug)
    objectives = list(SecurityObjective.objects.visible_to(request.user).order_by("title"))
    row = heatmap_totals.departments_worst_first(Department.objects.filter(pk=department.pk))
    cells = heatmap_totals.department_cells(department, objectives)
    context: dict[str, object] = {
        "total": heatmap_totals.Total.of(row.get()),
        "cells": cells[: heatmap_totals.OBJECTIVE_CELLS],
        "more": max(len(cells) - heatmap_totals.OBJECTIVE_CELLS, 0),
        "unlinked": len(objectives) - len(cells),
    }
    return _opened(request, context, "heatmap-department")


@require_GET
@vary_on_headers("HX-Request")
def heatmap_objective(request: HtmxHttpRequest, objective_id: int) -> HttpResponse:
    """One objective's cells in the departments the user may see, worst first."""
    objective = get_objective_for(request.user, objective_id)
    departments = Department.objects.visible_to(request.user)
    objectives = SecurityObjective.objects.filter(pk=objective.pk)
    row = heatmap_totals.objectives_worst_first(objectives, departments).get()
    cells, linked = heatmap_totals.objective_cells(objective, departments)
    context: dict[str, object] = {
        "total": heatmap_totals.Total.of(row),
        "cells": cells,
        "more": linked - len(cells),
    }
    return _opened(request, context, "heatmap-objective")


@dataclass
class SearchResult:
    """One line of a type-ahead search: the pair, its current link and the quick form
    (always a QuickLinkForm; `link_create` picks the class at run time, hence the base type)."""

    initiative: Initiative
    goal: Goal
    link: AlignmentLink | None
    form: LinkForm
    side: str
    saved: bool = False

    @property
    def target(self) -> Initiative | Goal:
        """What was searched for: goals from an initiative's page, initiatives from a goal's."""
        return self.goal if self.side == "initiative" else self.initiative


def _pair_form(
    form_class: type[LinkForm],
    data: Mapping[str, object] | None,
    initiative: Initiative,
    goal: Goal,
    side: str,
    link: AlignmentLink | None,
) -> LinkForm:
    """A link form whose ids are unique on a page listing several results."""
    target = goal if side == "initiative" else initiative
    return form_class(
        data, initiative=initiative, goal=goal, link=link, auto_id=f"id_link{target.pk}_%s"
    )


def _result(
    initiative: Initiative,
    goal: Goal,
    link: AlignmentLink | None,
    side: str,
    *,
    form: LinkForm | None = None,
    saved: bool = False,
) -> SearchResult:
    if form is None:
        form = _pair_form(QuickLinkForm, None, initiative, goal, side, link)
    return SearchResult(
        initiative=initiative, goal=goal, link=link, form=form, side=side, saved=saved
    )


def _search_response(
    request: HtmxHttpRequest, subject: Initiative | Goal, side: str, results: list[SearchResult]
) -> HttpResponse:
    view = "alignment:goal-search" if side == "initiative" else "alignment:initiative-search"
    context = {
        "subject": subject,
        "side": side,
        "results": results,
        "show": True,
        "q": _query(request),
        "search_url": reverse(view, args=[subject.pk]),
    }
    if is_fragment(request):
        return render(request, f"{SEARCH}#link-search-results", context)
    return render(request, "alignment/link_search.html", context)


def _query(request: HtmxHttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


@require_GET
@vary_on_headers("HX-Request")
def goal_search(request: HtmxHttpRequest, initiative_id: int) -> HttpResponse:
    """Goals matching ?q= by title or department, for linking them to this initiative."""
    initiative = get_initiative_for(request.user, initiative_id)
    require_security_team(request.user, LINKS_ONLY)
    goals: list[Goal] = []
    if q := _query(request):
        goals = list(
            Goal.objects.visible_to(request.user)
            .filter(Q(title__icontains=q) | Q(department__name__icontains=q))
            .select_related("department")
            .order_by("department__name", "title")[:SEARCH_LIMIT]
        )
    links = {link.goal_id: link for link in initiative.links.filter(goal__in=goals)}
    results = [_result(initiative, goal, links.get(goal.pk), "initiative") for goal in goals]
    return _search_response(request, initiative, "initiative", results)


@require_GET
@vary_on_headers("HX-Request")
def initiative_search(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    """Initiatives matching ?q= by title or objective, for linking them to this goal."""
    goal = get_goal_for(request.user, goal_id)
    require_security_team(request.user, LINKS_ONLY)
    initiatives: list[Initiative] = []
    if q := _query(request):
        initiatives = list(
            Initiative.objects.visible_to(request.user)
            .filter(Q(title__icontains=q) | Q(objective__title__icontains=q))
            .select_related("objective")
            .order_by("objective__title", "title")[:SEARCH_LIMIT]
        )
    links = {link.initiative_id: link for link in goal.links.filter(initiative__in=initiatives)}
    results = [_result(i, goal, links.get(i.pk), "goal") for i in initiatives]
    return _search_response(request, goal, "goal", results)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def link_create(request: HtmxHttpRequest, initiative_id: int, goal_id: int) -> HttpResponse:
    """Create or change the link of a pair picked in a search (GET: the full form)."""
    goal = get_goal_for(request.user, goal_id)
    require_security_team(request.user, LINKS_ONLY)
    initiative = get_initiative_for(request.user, initiative_id)
    side = request.POST.get("side") or request.GET.get("side")
    side = side if side in SIDES else "initiative"
    quick = request.method == "POST" and bool(request.POST.get("quick"))
    link = link_between(initiative, goal)
    data = request.POST if request.method == "POST" else None
    form = _pair_form(QuickLinkForm if quick else LinkForm, data, initiative, goal, side, link)
    back_url = (initiative if side == "initiative" else goal).get_absolute_url()
    if request.method == "POST" and form.is_valid() and form.save():
        if not is_fragment(request):
            messages.success(request, f"Saved the link of “{initiative}” to “{goal}”.")
            return redirect(back_url)
        result = _result(initiative, goal, form.link, side, saved=True)
        return render(request, f"{SEARCH}#link-result", {"result": result, "side": side})
    if is_fragment(request) and quick:
        result = _result(initiative, goal, link, side, form=form)
        return render(
            request,
            f"{SEARCH}#link-result",
            {"result": result, "side": side},
            status=INVALID_FORM_STATUS,
        )
    context = {"form": form, "initiative": initiative, "goal": goal, "link": link, "side": side}
    context |= {"quick": quick, "action": request.path, "back_url": back_url}
    return render(request, "alignment/link_form.html", context)
