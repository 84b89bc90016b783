"""The demo company's people, departments, goals and check-ins, for `seed_demo` to call first.

Every row is looked up by its natural key and created only when missing, so a second run
changes nothing and whatever was edited during a demo survives a re-run. Dates are
relative to today; nothing is random. The higher apps' demos get what this one made
through `DemoOrganisation` (users by username, departments by slug, goals by title).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from departments.models import (
    BudgetProposal,
    CheckIn,
    Department,
    Direction,
    Goal,
    ProposalStatus,
)
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CENT = Decimal("0.01")
CHECKIN_COUNT = 9  # one every two weeks: about four months of history

# The rows of the tables below, as their comments lay them out.
Person: TypeAlias = tuple[str, str, str]
DepartmentSpec: TypeAlias = tuple[str, str, str, tuple[str, str], tuple[Person, ...]]
GoalSpec: TypeAlias = tuple[str, str, str, str, float, float, float, int, str]

# The tables below are laid out by hand, one row per record: the formatter would put
# every field on its own line and turn a readable table into a thousand lines.
# fmt: off

# (username, first name, last name)
SECURITY_TEAM = (("ciso", "Maya", "Okafor"), ("security-analyst", "Jonas", "Lindqvist"))
EXECUTIVES = (("exec", "Helen", "Marsh"), ("cfo", "Rafael", "Costa"))
# A head's answer to the CISO's budget, awaiting the security team: (hours, comment).
COUNTER_PROPOSALS = {
    "sales": ("12.0", "Questionnaire season doubles our security work until January."),
}
ADMIN = ("admin", "Ada", "Admin")

# slug: (name, friction budget in hours/week, charter, head's first and last name,
#        key leaders as (username, first name, last name))
DEPARTMENTS: dict[str, DepartmentSpec] = {
    "infrastructure": (
        "Infrastructure", "12.0",
        "Runs the customer platform, the cloud accounts and the delivery pipeline. "
        "Owns availability, reliability and performance.",
        ("Priya", "Raman"), (("sre-lead", "Tom", "Becker"), ("platform-lead", "Lena", "Vogel")),
    ),
    "sales": (
        "Sales", "10.0",
        "Finds, wins and grows customers, from first call to renewal. Answers customers' "
        "security questionnaires together with the security team.",
        ("Marcus", "Bell"), (("sales-emea", "Chloe", "Martin"), ("sales-ops", "Daniel", "Kim")),
    ),
    "product": (
        "Product", "10.0",
        "Decides what we build and ships it: product management, design and the feature "
        "teams behind checkout and the customer portal.",
        ("Sofia", "Alvarez"),
        (("product-lead", "Noah", "Schmidt"), ("design-lead", "Ines", "Duarte")),
    ),
    "finance": (
        "Finance", "6.0",
        "Keeps the books, pays suppliers, bills customers and plans the budget. Owns the "
        "ERP and the banking access.",
        ("Olivia", "Grant"), (("controller", "Pieter", "de Wit"),),
    ),
    "human-resources": (
        "Human Resources", "5.0",
        "Hires, onboards and looks after our people; owns the HR system and the "
        "joiner-mover-leaver process.",
        ("Amara", "Nwosu"), (("talent-lead", "Lucas", "Moreau"),),
    ),
    "legal": (
        "Legal", "6.0",
        "Negotiates customer and supplier contracts, runs privacy (GDPR) and answers "
        "regulators.",
        ("Eva", "Lindgren"), (("counsel", "Samuel", "Adeyemi"),),
    ),
}

# slug: ((title, category, metric, unit,
#         baseline, target, current, due in days, status), ...)
GOALS: dict[str, tuple[GoalSpec, ...]] = {
    "infrastructure": (
        ("99.95 % uptime", "availability", "monthly uptime", "%",
         99.5, 99.95, 99.91, 120, "on_track"),
        ("p95 deploy time under 15 min", "performance", "p95 deploy duration", "min",
         42, 15, 19, 75, "at_risk"),
        ("MTTR under 30 min", "reliability", "time to recover from a P1 incident", "min",
         95, 30, 48, 150, "on_track"),
        ("Cloud cost per customer down 20 %", "cost", "cloud cost per customer", "EUR",
         4.8, 3.84, 4.35, 200, "at_risk"),
        ("Migrate services to Kubernetes", "reliability", "services migrated", "%",
         0, 100, 100, -10, "done"),
    ),
    "sales": (
        ("Triple annual revenue", "revenue", "annual recurring revenue", "M EUR",
         12, 36, 19.5, 300, "at_risk"),
        ("Close 40 enterprise deals", "growth", "enterprise deals closed this year", "deals",
         0, 40, 14, 240, "on_track"),
        ("Questionnaires answered in 3 days", "customer", "median turnaround", "days",
         12, 3, 7, 90, "off_track"),
        ("Sales cycle under 60 days", "growth", "median days to signature", "days",
         95, 60, 81, 180, "on_track"),
    ),
    "product": (
        ("Ship checkout v2 by Q3", "revenue", "milestones complete", "%",
         0, 100, 55, 100, "at_risk"),
        ("Checkout conversion at 4.5 %", "revenue", "checkout conversion rate", "%",
         3.1, 4.5, 3.6, 160, "on_track"),
        ("Release every week", "performance", "releases per month", "releases",
         2, 4, 3.5, 60, "on_track"),
        ("NPS above 45", "customer", "net promoter score", "points",
         31, 45, 38, 210, "on_track"),
    ),
    "finance": (
        ("Close the books in 5 days", "performance", "working days to month-end close", "days",
         11, 5, 8, 120, "at_risk"),
        ("Cut vendor spend by 10 %", "cost", "annual vendor spend", "k EUR",
         2400, 2160, 2290, 270, "on_track"),
        ("Clean external audit", "compliance", "open audit findings", "findings",
         9, 0, 3, 150, "on_track"),
        ("DSO under 45 days", "cost", "days sales outstanding", "days",
         62, 45, 58, 180, "off_track"),
    ),
    "human-resources": (
        ("Time-to-hire under 35 days", "growth", "median time to hire", "days",
         58, 35, 44, 150, "on_track"),
        ("New hires productive on day one", "other", "hires fully set up on day one", "%",
         60, 95, 72, 90, "at_risk"),
        ("Regretted attrition below 8 %", "other", "regretted attrition, 12 months", "%",
         13, 8, 11, 300, "on_track"),
        ("Hire 60 engineers", "growth", "engineers hired this year", "hires",
         0, 60, 27, 240, "on_track"),
    ),
    "legal": (
        ("Contract turnaround under 5 days", "customer", "median contract turnaround", "days",
         14, 5, 9, 120, "at_risk"),
        ("GDPR records complete", "compliance", "processing activities documented", "%",
         40, 100, 85, 60, "on_track"),
        ("DPA requests answered in 48 h", "customer", "requests answered within 48 h", "%",
         50, 90, 66, 100, "off_track"),
        ("90 % of deals on our paper", "compliance", "deals signed on standard terms", "%",
         45, 90, 70, 200, "on_track"),
    ),
}

# status: (confidence early on, confidence in the last three check-ins)
CONFIDENCE = {"on_track": (3, 4), "at_risk": (4, 2), "off_track": (3, 1), "done": (3, 5)}
COMMENTS = {
    "on_track": ("Steady progress.", "Ahead of plan this fortnight.", "On plan."),
    "at_risk": ("Slower than planned.", "Blocked on another team.", "Needs a decision soon."),
    "off_track": ("Slipping further.", "Plan being reworked.", "Escalated to leadership."),
    "done": ("Good progress.", "Last items in review.", "Finished."),
}

# fmt: on


def decimal(value: float | str) -> Decimal:
    # Through str, so that 99.95 stays 99.95 instead of its nearest binary float.
    return Decimal(str(value)).quantize(CENT)


def morning(day: dt.date) -> dt.datetime:
    """09:30 on `day`, in the organisation's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class DemoOrganisation:
    """Creates the people and departments that are missing, and remembers rows by name."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        # One hash for every demo user: the password is published anyway, and hashing it
        # once instead of twenty times keeps the command (and its tests) quick.
        self.password_hash = make_password(settings.DEMO_PASSWORD)
        self.users: dict[str, User] = {}
        self.kept_passwords: list[str] = []
        self.departments: dict[str, Department] = {}
        self.goals: dict[str, Goal] = {}

    def user(self, username: str, first: str, last: str, *, group: str = "") -> User:
        admin = username == ADMIN[0]
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": admin,
                "is_superuser": admin,
                "password": self.password_hash,
            },
        )
        if not created:
            # An existing account keeps its password: the seed never resets a real login.
            self.kept_passwords.append(username)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        self.users[username] = user
        return user

    def seed_people(self) -> None:
        for username, first, last in SECURITY_TEAM:
            self.user(username, first, last, group=SECURITY_GROUP)
        for username, first, last in EXECUTIVES:
            self.user(username, first, last, group=EXECUTIVE_GROUP)
        self.user(*ADMIN)

    def seed_departments(self) -> None:
        for slug, (name, budget, charter, (first, last), leaders) in DEPARTMENTS.items():
            head = self.user(f"head-{slug}", first, last)
            department, _ = Department.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "charter": charter,
                    "head": head,
                    "friction_budget_hours": Decimal(budget),
                },
            )
            department.key_leaders.add(*(self.user(*leader) for leader in leaders))
            self.departments[slug] = department
            self.seed_budget_agreement(department, head)
            owners = [head, *(self.users[leader[0]] for leader in leaders)]
            for index, spec in enumerate(GOALS[slug]):
                self.seed_goal(department, spec, owner=owners[index % len(owners)])

    def seed_budget_agreement(self, department: Department, head: User) -> None:
        """The CISO proposed each budget two months ago and the head agreed; in Sales the
        head has since asked for a higher one, which awaits the security team."""
        if department.budget_proposals.exists():
            return
        now = timezone.now()
        proposal = BudgetProposal.objects.create(
            department=department,
            hours=department.friction_budget_hours,
            comment="What the current initiatives need, with room for one pilot.",
            from_security_team=True,
            proposed_by=self.users["ciso"],
            proposed_at=now - days(60),
            status=ProposalStatus.ACCEPTED,
            answered_by=head,
            answered_at=now - days(58),
        )
        if department.slug in COUNTER_PROPOSALS:
            # The agreed budget stays in force while the head's new proposal waits.
            hours, comment = COUNTER_PROPOSALS[department.slug]
            BudgetProposal.objects.create(
                department=department,
                hours=Decimal(hours),
                comment=comment,
                from_security_team=False,
                proposed_by=head,
                proposed_at=now - days(3),
            )
        Department.objects.filter(pk=department.pk).update(budget_proposal=proposal)

    def seed_goal(self, department: Department, spec: GoalSpec, *, owner: User) -> None:
        title, category, metric, unit, baseline, target, current, due_in, status = spec
        goal, _ = Goal.objects.get_or_create(
            department=department,
            title=title,
            defaults={
                "category": category,
                "metric": metric,
                "unit": unit,
                "direction": Direction.LOWER if target < baseline else Direction.HIGHER,
                "baseline": decimal(baseline),
                "target": decimal(target),
                "current": decimal(current),
                "due_date": self.today + days(due_in),
                "owner": owner,
                "status": status,
            },
        )
        self.goals[title] = goal
        # A goal that already has a history keeps it: the dates move with today, so a
        # run on a later day would otherwise add a second, shifted history.
        if not goal.checkins.exists():
            first = self.today - days(3 + 14 * (CHECKIN_COUNT - 1) + 1)
            Goal.history.filter(id=goal.pk).update(history_date=morning(first), history_user=owner)
            self.seed_checkins(goal, status)

    def seed_checkins(self, goal: Goal, status: str) -> None:
        """A fortnightly history from the baseline to the goal's current value."""
        span = goal.current - goal.baseline
        early, late = CONFIDENCE[status]
        last = CHECKIN_COUNT - 1
        for i in range(CHECKIN_COUNT):
            # Progress is rarely a straight line: every other reading dips a little. The
            # last one is exact, so that the goal's current value is its latest check-in.
            wobble = span * Decimal("0.04") if 0 < i < last and i % 2 else Decimal(0)
            checkin, created = CheckIn.objects.get_or_create(
                goal=goal,
                date=self.today - days(3 + 14 * (last - i)),
                defaults={
                    "value": (goal.baseline + span * i / last - wobble).quantize(CENT),
                    "confidence": late if i >= last - 2 else early,
                    "comment": "Baseline measured." if i == 0 else COMMENTS[status][i % 3],
                    "author": goal.owner,
                },
            )
            if created:  # logged on its day, by its owner, as the activity feed tells it
                CheckIn.history.filter(id=checkin.pk).update(
                    history_date=morning(checkin.date), history_user=goal.owner
                )


def seed_organisation(today: dt.date) -> DemoOrganisation:
    """The demo's people, then each department with its head, key leaders, goals and check-ins.

    In that order: the command lists the logins in the order they were made.
    """
    organisation = DemoOrganisation(today)
    organisation.seed_people()
    organisation.seed_departments()
    return organisation
