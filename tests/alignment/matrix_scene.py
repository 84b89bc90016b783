"""The matrix and heatmap tests' company: Infrastructure's two goals, Sales' one, two
objectives with three initiatives (the `scene` fixture, tests/alignment/conftest.py), and
the addresses and counters those tests read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from alignment.models import Relation
from tests import factories

HTMX = {"HX-Request": "true"}


@dataclass
class Scene:
    """Infrastructure's two goals, Sales' one, two objectives with three initiatives."""

    uptime: Any
    deploys: Any
    revenue: Any
    access: Any
    sso: Any
    reviews: Any
    edr: Any
    endpoint: Any


def build_scene(dept_a: Any, dept_b: Any) -> Scene:
    uptime = factories.GoalFactory(department=dept_a, title="99.95 % uptime")
    deploys = factories.GoalFactory(department=dept_a, title="p95 deploy under 15 min")
    revenue = factories.GoalFactory(department=dept_b, title="Triple annual revenue")
    access = factories.ObjectiveFactory(title="Access control")
    endpoint = factories.ObjectiveFactory(title="Endpoint security")
    sso = factories.InitiativeFactory(objective=access, title="SSO and MFA")
    reviews = factories.InitiativeFactory(objective=access, title="Quarterly access reviews")
    edr = factories.InitiativeFactory(objective=endpoint, title="EDR on all laptops")
    factories.LinkFactory(initiative=sso, goal=uptime, relation=Relation.SUPPORTS)
    factories.LinkFactory(
        initiative=reviews, goal=deploys, relation=Relation.CONFLICTS, rationale="Slows releases"
    )
    factories.LinkFactory(initiative=edr, goal=revenue, relation=Relation.SUPPORTS)
    return Scene(uptime, deploys, revenue, access, sso, reviews, edr, endpoint)


def matrix_url(department: Any, query: str = "") -> str:
    return reverse("alignment:matrix", args=[department.slug]) + query


def cell_url(department: Any, initiative: Any, goal: Any) -> str:
    return reverse("alignment:matrix-cell", args=[department.slug, initiative.pk, goal.pk])


def counter(html: str, name: str) -> str:
    match = re.search(rf'data-counter="{name}">([^<]*)<', html)
    assert match, f"no counter {name}"
    return match.group(1)
