"""Every URL the project defines × every role × GET and POST.

URL patterns are discovered from the resolver, so a new URL is covered the day it is
added; a parameter this test cannot fill fails loudly (add it to `kwargs_for`).

- anonymous is sent to the login page (except the login page and /healthz);
- the head of department A gets 403 or 404 on department B's URLs, and no POST of theirs
  (every object here belongs to department B or to the security team) changes anything;
- an executive's POST changes nothing (they decide business cases, nothing here);
- nobody ever gets a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from alignment.meetings.models import ActionItem
from alignment.models import ApiToken, BoardPack, Change, StakeholderReading, TokenScope
from alignment.models.commitments import Commitment, SupportRequest
from alignment.models.reports import digest
from alignment.reviews import open_review
from business_cases.models import CaseStatus
from objectives.models import Sample
from tests import factories

# Reached without a session: signed answer links, secret calendar-feed URLs, and the
# password-reset pages (the same answer for any address; a link is signed and expires).
PUBLIC = {
    "login",
    "healthz",
    "meeting-answer",
    "calendar-feed",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Single sign-on: off to the provider and back (404 while it is not configured).
    "oidc_authentication_init",
    "oidc_authentication_callback",
}
# A user's own settings, which every role may change for themselves.
OWN_DATA = {"logout", "meeting-profile", "feed-revoke", "token-list"}
# What an executive's POST may change: their decision on a business case.
EXECUTIVE_WRITES = {"case-decide", "pack-approve", "envelope-set"}
# Roles for which nothing in the world below is theirs to change.
READ_ONLY_ROLES = {"head_a", "executive"}
# Django's admin guards itself (staff only); tests/alignment/test_admin.py covers it.
SKIPPED_NAMESPACES = {"admin"}
# Parameters that point at data the head of department A may not see: department B's
# data, head B's meetings, and business cases (security team and executives only).
DEPARTMENT_KWARGS = {
    "slug",
    "goal_id",
    "checkin_id",
    "document_id",
    "link_id",
    "assessment_id",
    "series_id",
    "occurrence_id",
    "item_id",
    "case_id",
    "leader_id",
    "commitment_id",
    "request_id",
    # Head B's API token: another user's, so head A gets 404.
    "token_id",
}
# The REST API (alignment/api/) answers for itself: 401 without credentials, never the
# login redirect; tests/api/ holds its own matrix (tokens × roles × methods).
API_PREFIX = "api:"
# Private to the security team (the stakeholder engagement map; onboarding from a
# spreadsheet, which administrators may also do): every other role gets 403 or 404 (405
# on a page that takes no POST), whatever the department.
SECURITY_ONLY_PREFIXES = ("alignment:engagement", "departments:onboarding")
PROJECT_APPS = ["departments", "objectives", "business_cases", "alignment"]

# One payload that every form of the project would accept, so that a POST which
# should be refused would really have changed something if it were let through.
VALID_POST = {
    "title": "Changed by the matrix",
    "description": "x",
    "category": "availability",
    "metric": "uptime",
    "unit": "%",
    "direction": "higher",
    "baseline": "1",
    "target": "2",
    "current": "1.5",
    "due_date": "2030-01-01",
    "status": "on_track",
    "date": "2026-11-01",
    "value": "1.7",
    "confidence": "3",
    "comment": "matrix",
    "relation": "conflicts",
    "rationale": "matrix",
    "mitigation": "",
    "hours_per_week": "99",
    "people_affected": "9",
    "head_agreement": "agreed",
    "head_comment": "matrix",
    "friction_budget_hours": "1",
    "charter": "matrix",
    "version": "1",
    # A stakeholder engagement reading (alignment/forms/engagement.py).
    "current_engagement": "2",
    "desired_engagement": "4",
    "influence": "3",
    "interest": "3",
    "note": "matrix",
    # Commitments and requests: the need, a reason, the head's verdict, the request's version.
    "need": "matrix",
    "reason": "matrix",
    "verdict": "helped",
    "request_version": "1",
}
# The programme-review schedule's form: it writes django-celery-beat's tables (the one
# PeriodicTask and its crontab), so the snapshot covers those tables too.
VALID_POST |= {"frequency": "monthly", "day": "2", "hour": "9"}
PROJECT_APPS.append("django_celery_beat")


def discover(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, Any]]:
    """(full URL name, pattern) for every named URL pattern in the project."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            found += discover(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", entry.pattern))
    return found


def parameter_names(pattern: Any) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.regex.groupindex)


URLS = discover()


@dataclass
class World:
    objects: dict[str, Any]
    users: dict[str, Any]


@pytest.fixture
def world(ciso: Any, executive: Any, head_a: Any, head_b: Any, dept_a: Any, dept_b: Any) -> World:
    goal_b = factories.GoalFactory(department=dept_b, owner=head_b)
    factories.GoalFactory(department=dept_a, owner=head_a)
    initiative = factories.InitiativeFactory(owner=ciso)
    # Neighbours that sort first, so that moving the world's objective and initiative
    # "up" really changes the order (and a refused move would show).
    factories.ObjectiveFactory(title="0 first objective")
    factories.InitiativeFactory(objective=initiative.objective, title="0 first initiative")
    objects = {
        "slug": dept_b.slug,
        "goal_id": goal_b.pk,
        "checkin_id": factories.CheckInFactory(goal=goal_b).pk,
        "document_id": factories.DocumentFactory(department=dept_b, uploaded_by=head_b).pk,
        "link_id": factories.LinkFactory(initiative=initiative, goal=goal_b).pk,
        "assessment_id": factories.AssessmentFactory(initiative=initiative, department=dept_b).pk,
        "objective_id": initiative.objective_id,
        "initiative_id": initiative.pk,
        "direction": "up",
        "measure_id": factories.MeasureFactory(objective=initiative.objective).pk,
    }
    review, _ = open_review()
    objects["review_id"] = review.pk
    objects["review_item_id"] = review.items.order_by("pk").first().pk
    series = factories.one_on_one(
        organiser=ciso, leader=head_b, department=dept_b, now=timezone.now()
    )
    occurrence = series.occurrences.order_by("start").first()
    case = factories.sso_case(author=ciso, initiative=initiative, status=CaseStatus.SUBMITTED)
    objects.update(
        series_id=series.pk,
        occurrence_id=occurrence.pk,
        leader_id=head_b.pk,
        item_id=ActionItem.objects.create(
            occurrence=occurrence, title="Send the runbook", owner=head_b
        ).pk,
        # Not a valid signature or feed token: those must answer 4xx, never 500.
        token="not-a-valid-token",
        uidb64="bm9ib2R5",  # "nobody": no such user
        case_id=case.pk,
    )
    # A board pack awaiting approval (its files stand in: rendering is tested elsewhere).
    document = {"schema_version": 1, "sections": []}
    objects["pack_id"] = BoardPack.objects.create(
        number=1,
        period=timezone.localdate().replace(day=1),
        schema_version=1,
        document=document,
        sha256=digest(document),
        pdf=b"%PDF-1.7",
        xlsx=b"PK",
        frozen_at=timezone.now(),
        frozen_by=ciso,
    ).pk
    objects["extension"] = "pdf"
    # An onboarding template (departments/onboarding/files.py).
    objects["kind"] = "goals"
    objects["file_format"] = "csv"
    # Department B's commitment (from the world's assessment) and its request for help.
    objects["commitment_id"] = Commitment.objects.create(
        department=dept_b,
        title="Keys",
        due_date="2030-01-01",
        assessment_id=objects["assessment_id"],
    ).pk
    objects["request_id"] = SupportRequest.objects.create(
        department=dept_b, need="A vault", due_date="2030-01-01", requested_by=head_b
    ).pk
    # A typed-in sample of the world's measure, and head B's API token.
    objects["sample_id"] = Sample.objects.create(
        measure_id=objects["measure_id"], date=timezone.localdate(), period="2026-01-01", value=1
    ).pk
    objects["token_id"] = ApiToken.issue(
        user=head_b,
        name="matrix",
        scope=TokenScope.READ_WRITE,
        expires_at=timezone.now() + timedelta(days=30),
    )[0].pk
    users = {"ciso": ciso, "executive": executive, "head_a": head_a, "head_b": head_b}
    return World(objects=objects, users=users)


def kwargs_for(name: str, pattern: Any, world: World) -> dict[str, Any]:
    kwargs = {}
    for param in parameter_names(pattern):
        assert param in world.objects, (
            f"URL {name!r} takes {param!r}: teach tests/test_permission_matrix.py to fill it"
        )
        kwargs[param] = world.objects[param]
    return kwargs


def snapshot() -> str:
    """Every row of every project model, to prove a refused POST changed nothing (but the
    change log, which a login's last_login moves: alignment/changes.py)."""
    models = [
        m
        for label in PROJECT_APPS
        for m in apps.get_app_config(label).get_models()
        if m is not Change
    ]
    return "".join(serializers.serialize("json", m._default_manager.order_by("pk")) for m in models)


def client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), URLS, ids=[name for name, _ in URLS])
def test_url_answers_every_role_without_error(name: str, pattern: Any, world: World) -> None:
    kwargs = kwargs_for(name, pattern, world)
    url = reverse(name, kwargs=kwargs)
    short_name = name.split(":")[-1]
    department_scoped = bool(DEPARTMENT_KWARGS & kwargs.keys())

    for method in ("get", "post"):
        anonymous = getattr(client_for(None), method)(url, VALID_POST if method == "post" else {})
        assert anonymous.status_code < 500 or short_name == "healthz", (method, url)
        if name.startswith(API_PREFIX):
            assert anonymous.status_code == 401, (method, url, anonymous.status_code)
        elif short_name not in PUBLIC:
            assert anonymous.status_code == 302, (method, url, anonymous.status_code)
            assert anonymous["Location"].startswith(reverse("login")), (method, url)

        for role, user in world.users.items():
            exempt = PUBLIC | OWN_DATA | (EXECUTIVE_WRITES if role == "executive" else set())
            guarded = role in READ_ONLY_ROLES and short_name not in exempt
            before = snapshot() if guarded and method == "post" else None
            response = getattr(client_for(user), method)(
                url, VALID_POST if method == "post" else {}
            )
            assert response.status_code < 500 or short_name == "healthz", (role, method, url)
            if role == "head_a" and department_scoped:
                # 405 reveals nothing either: the method is refused before any lookup.
                allowed = {403, 404, 405}
                assert response.status_code in allowed, (role, method, url, response.status_code)
            if role != "ciso" and name.startswith(SECURITY_ONLY_PREFIXES):
                allowed = {403, 404, 405}
                assert response.status_code in allowed, (role, method, url, response.status_code)
            if before is not None:
                assert snapshot() == before, f"{role} {method.upper()} {url} changed data"


def test_the_matrix_covers_the_project_urls() -> None:
    names = {name for name, _ in URLS}
    assert {"home", "healthz", "departments:goal-edit", "objectives:initiative-detail"} <= names
    assert not any(name.startswith("admin:") for name in names)


@pytest.mark.django_db
def test_valid_post_really_changes_data_for_the_owner(world: World) -> None:
    """The matrix payload is not inert: the rightful head's POST goes through."""
    url = reverse("departments:goal-edit", kwargs={"goal_id": world.objects["goal_id"]})
    response = client_for(world.users["head_b"]).post(url, VALID_POST)
    assert response.status_code == 302
    goal = factories.GoalFactory._meta.model.objects.get(pk=world.objects["goal_id"])
    assert goal.title == VALID_POST["title"]


@pytest.mark.django_db
def test_valid_post_records_an_engagement_reading_for_the_security_team(world: World) -> None:
    """The payload would record a reading, so the roles refused above really were refused."""
    for name in ("engagement-leader", "engagement-meeting"):
        param = "leader_id" if name == "engagement-leader" else "occurrence_id"
        url = reverse(f"alignment:{name}", kwargs={param: world.objects[param]})
        assert client_for(world.users["ciso"]).post(url, VALID_POST).status_code == 302
    assert StakeholderReading.objects.filter(leader=world.users["head_b"]).count() == 2


@pytest.mark.django_db
def test_admin_is_for_staff_only(head_a: Any, ciso: Any, admin_user: Any) -> None:
    for user in (head_a, ciso):
        response = client_for(user).get(reverse("admin:index"))
        assert response.status_code == 302
    assert client_for(admin_user).get(reverse("admin:index")).status_code == 200
