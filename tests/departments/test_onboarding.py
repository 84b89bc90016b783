"""Onboarding from a spreadsheet: preview, row-by-row errors, all-or-nothing import,
re-import as a no-op, people matched by email or created."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.test import Client
from django.urls import reverse

from departments.models import Department, Direction, Goal, GoalStatus
from tests import factories
from tests.departments.onboarding_helpers import (
    DEPARTMENT_HEADER,
    GOAL_HEADER,
    csv_bytes,
    preview_url,
    row_counts,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FORMATS = [("csv", csv_bytes), ("xlsx", xlsx_bytes)]

GOOD_GOALS = [
    GOAL_HEADER,
    ["Infrastructure", "99.95 % monthly uptime", "availability", "monthly uptime", "%", "",
     "99.5", "99.95", "2030-12-31", ""],
    ["sales", "Triple annual revenue", "Revenue", "annual revenue", "EUR", "higher",
     "1000000", "3000000", "2030-12-31", "On track"],
    ["Sales", "Cut DSO", "cost", "days sales outstanding", "days", "lower",
     "60", "45", "2030-06-30", "at_risk"],
    ["Infrastructure", "p95 deploy time under 15 min", "performance", "p95 deploy time",
     "min", "", "40", "15", "2030-09-30", ""],
]  # fmt: skip


def bad_goals() -> list[list[str]]:
    """The good file with three bad rows (3, 4 and 5 in the spreadsheet)."""
    rows = [list(row) for row in GOOD_GOALS]
    rows[2][0] = "Marketing"  # no such department
    rows[3][8] = "31/02/2030"  # no such day
    rows[4][5] = "higher"  # 40 → 15 is not higher
    return rows


@pytest.fixture
def client(ciso: Any, dept_a: Any, dept_b: Any) -> Client:
    client = Client()
    client.force_login(ciso)
    return client


@pytest.mark.parametrize(("extension", "build"), FORMATS)
def test_it_shows_exactly_the_three_bad_rows_and_saves_nothing(
    client: Client, extension: str, build: Any
) -> None:
    before = row_counts()
    url = preview_url(upload(client, "goals", f"goals.{extension}", build(bad_goals())))
    response = client.get(url)
    assert response.status_code == 200
    errors = [(e.line, e.column, e.message) for e in response.context["outcome"].errors]
    assert errors == [
        (3, "department", "No department is called or has the slug “Marketing”."),
        (4, "due_date", "Enter a valid date."),
        (
            5,
            "",
            "The target must improve on the baseline in the goal's direction: above it when "
            "higher is better, below it when lower is better.",
        ),
    ]
    assert "Nothing will be imported until these errors are fixed" in response.content.decode()
    assert b'id="onboarding-confirm"' not in response.content
    # Confirming anyway imports nothing: the rows are checked again.
    confirmed = client.post(url)
    assert confirmed.status_code == 422
    assert len(confirmed.context["outcome"].errors) == 3
    assert row_counts() == before


@pytest.mark.parametrize(("extension", "build"), FORMATS)
def test_it_imports_the_fixed_file_then_reimporting_changes_nothing(
    client: Client, extension: str, build: Any, head_a: Any
) -> None:
    url = preview_url(upload(client, "goals", f"goals.{extension}", build(GOOD_GOALS)))
    outcome = client.get(url).context["outcome"]
    assert outcome.errors == []
    assert [row.action for row in outcome.rows] == ["create"] * 4
    assert Goal.objects.count() == 0  # the preview keeps nothing

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("departments:goal-list")
    assert Goal.objects.count() == 4
    uptime = Goal.objects.get(title="99.95 % monthly uptime")
    assert uptime.department.slug == "infrastructure"
    assert uptime.direction == Direction.HIGHER  # read from baseline and target
    assert uptime.current == Decimal("99.5")  # starts at the baseline
    assert uptime.status == GoalStatus.ON_TRACK
    assert uptime.owner == head_a  # as if the head had logged it
    assert uptime.due_date == dt.date(2030, 12, 31)
    assert Goal.objects.get(title="Triple annual revenue").category == "revenue"
    deploy = Goal.objects.get(title="p95 deploy time under 15 min")
    assert deploy.direction == Direction.LOWER

    # The same file again: everything unchanged, and confirming writes nothing at all.
    before = row_counts()
    again = preview_url(upload(client, "goals", f"goals.{extension}", build(GOOD_GOALS)))
    outcome = client.get(again).context["outcome"]
    assert [row.action for row in outcome.rows] == ["unchanged"] * 4
    assert client.post(again).status_code == 302
    assert row_counts() == before


def test_a_changed_row_updates_its_goal_as_its_next_version(client: Client) -> None:
    client.post(preview_url(upload(client, "goals", "g.csv", csv_bytes(GOOD_GOALS))))
    rows = [list(row) for row in GOOD_GOALS]
    rows[3][7] = "40"  # Cut DSO: target 45 → 40
    rows[1][1] = "99.95 % MONTHLY UPTIME"  # matched any case; the title follows the file
    url = preview_url(upload(client, "goals", "g.csv", csv_bytes(rows)))
    outcome = client.get(url).context["outcome"]
    assert [row.action for row in outcome.rows] == ["update", "unchanged", "update", "unchanged"]
    target = outcome.rows[2].changes
    assert [(c.column, c.before, c.after) for c in target] == [("target", "45.00", "40")]
    client.post(url)
    dso = Goal.objects.get(title="Cut DSO")
    assert dso.target == Decimal("40") and dso.version == 2
    assert dso.history.count() == 2
    assert Goal.objects.filter(title="99.95 % MONTHLY UPTIME").count() == 1
    assert Goal.objects.count() == 4


def test_a_goal_named_twice_in_the_file_is_an_error(client: Client) -> None:
    rows = [*GOOD_GOALS, list(GOOD_GOALS[1])]
    rows[-1][1] = rows[-1][1].upper()
    outcome = client.get(preview_url(upload(client, "goals", "g.csv", csv_bytes(rows)))).context[
        "outcome"
    ]
    assert [(e.line, e.column, e.message) for e in outcome.errors] == [
        (6, "title", "Row 2 already has this goal.")
    ]


def test_a_goal_already_active_under_the_same_title_is_updated_not_duplicated(
    client: Client, dept_a: Any
) -> None:
    existing = factories.GoalFactory(department=dept_a, title="99.95 % Monthly Uptime")
    url = preview_url(upload(client, "goals", "g.csv", csv_bytes(GOOD_GOALS)))
    assert client.get(url).context["outcome"].rows[0].action == "update"
    client.post(url)
    existing.refresh_from_db()
    assert existing.title == "99.95 % monthly uptime"
    assert Goal.objects.filter(department=dept_a, title__iexact=existing.title).count() == 1


DEPARTMENTS = [
    DEPARTMENT_HEADER,
    ["Finance", "", "Pays the bills.", "CFO@Example.com", "Carla", "Fontaine",
     "Grace Hopper <grace@example.com>; linus@example.com"],
    ["Sales", "sales", "Sells.", "head-sales@example.com", "Ignored", "Name", ""],
    ["Legal", "legal-team", "", "", "", "", "cfo@example.com"],
]  # fmt: skip


@pytest.mark.parametrize(("extension", "build"), FORMATS)
def test_departments_with_heads_and_key_leaders(
    client: Client, extension: str, build: Any, head_b: Any, dept_b: Any
) -> None:
    head_b.email = "Head-Sales@EXAMPLE.com"
    head_b.save()
    users_before = get_user_model().objects.count()
    url = preview_url(upload(client, "departments", f"d.{extension}", build(DEPARTMENTS)))
    outcome = client.get(url).context["outcome"]
    assert outcome.errors == []
    assert [row.action for row in outcome.rows] == ["create", "update", "create"]
    assert outcome.people_created == ["CFO@Example.com", "grace@example.com", "linus@example.com"]
    assert get_user_model().objects.count() == users_before  # the preview keeps nobody

    response = client.post(url)
    assert response.status_code == 302
    finance = Department.objects.get(slug="finance")
    cfo = finance.head
    assert (cfo.email, cfo.first_name, cfo.last_name) == ("CFO@Example.com", "Carla", "Fontaine")
    assert cfo.username == "cfo@example.com"
    assert sorted(u.email for u in finance.key_leaders.all()) == [
        "grace@example.com",
        "linus@example.com",
    ]
    grace = get_user_model().objects.get(email="grace@example.com")
    assert (grace.first_name, grace.last_name) == ("Grace", "Hopper")
    # Matched by email in any case: the existing head keeps their account and their name.
    dept_b.refresh_from_db()
    assert dept_b.head == head_b and dept_b.charter == "Sells."
    head_b.refresh_from_db()
    assert head_b.first_name != "Ignored"
    legal = Department.objects.get(slug="legal-team")
    assert legal.head is None and list(legal.key_leaders.all()) == [cfo]
    assert get_user_model().objects.count() == users_before + 3

    # Nobody can sign in with a password yet; each can choose one with "Forgot password".
    assert not cfo.check_password("") and not cfo.check_password(cfo.username)
    assert list(PasswordResetForm().get_users("cfo@example.com")) == [cfo]

    before = row_counts()
    again = preview_url(upload(client, "departments", f"d.{extension}", build(DEPARTMENTS)))
    outcome = client.get(again).context["outcome"]
    assert [row.action for row in outcome.rows] == ["unchanged"] * 3
    assert outcome.people_created == []
    client.post(again)
    assert row_counts() == before


MERGE = "an administrator must merge them first."


def test_department_rows_are_checked(client: Client, dept_b: Any) -> None:
    factories.UserFactory(username="twin1", email="twin@example.com")
    factories.UserFactory(username="twin2", email="TWIN@example.com")
    rows = [
        DEPARTMENT_HEADER,
        ["Ops", "ops", "", "not-an-address", "", "", ""],
        ["Infrastructure", "sales", "", "", "", "", ""],  # renames Sales as Infrastructure
        ["!!!", "", "", "", "", "", ""],
        ["Risk", "", "", "twin@example.com", "", "", ""],
        ["Audit", "", "", "", "Ann", "", "a@example.com, b@"],
        ["", "nameless", "", "", "", "", ""],
    ]
    outcome = client.get(
        preview_url(upload(client, "departments", "d.csv", csv_bytes(rows)))
    ).context["outcome"]
    assert [(e.line, e.column, e.message) for e in outcome.errors] == [
        (2, "head_email", "“not-an-address” is not an email address."),
        (3, "name", "Department with this Name already exists."),
        (4, "slug", "Give a slug: none can be made from this name."),
        (5, "head_email", f"Several accounts use twin@example.com: {MERGE}"),
        (6, "head_email", "Give the head's email address: people are matched by it."),
        (6, "key_leaders", "“b@” is not an email address."),
        (7, "name", "This field is required."),
    ]  # fmt: skip


def test_the_templates_are_a_header_and_an_example_that_imports(client: Client) -> None:
    for kind in ("departments", "goals"):
        for extension in ("csv", "xlsx"):
            url = reverse(
                "departments:onboarding-template", kwargs={"kind": kind, "file_format": extension}
            )
            response = client.get(url)
            assert response.status_code == 200
            assert f'filename="{kind}-template.{extension}"' in response["Content-Disposition"]
            if extension == "csv":
                lines = response.content.decode().splitlines()
                assert len(lines) == 2 and lines[0].startswith(
                    "name,slug" if kind == "departments" else "department,title"
                )
            # Each template imports as it is (departments first: the goal names one).
            preview = preview_url(upload(client, kind, f"t.{extension}", response.content))
            outcome = client.get(preview).context["outcome"]
            assert outcome.errors == [], (kind, extension)
            client.post(preview)
    assert Department.objects.filter(slug="infrastructure").exists()
    assert Goal.objects.filter(title="99.95 % monthly uptime").exists()


def test_an_unknown_template_is_404(client: Client) -> None:
    for kind, extension in (("goals", "pdf"), ("people", "csv")):
        url = reverse(
            "departments:onboarding-template", kwargs={"kind": kind, "file_format": extension}
        )
        assert client.get(url).status_code == 404


def test_the_departments_list_offers_the_import_to_the_security_team(
    client: Client, head_a: Any
) -> None:
    url = reverse("departments:department-list")
    assert "Import from a spreadsheet" in client.get(url).content.decode()
    head = Client()
    head.force_login(head_a)
    assert "Import from a spreadsheet" not in head.get(url).content.decode()
