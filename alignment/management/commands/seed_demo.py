"""Fill the database with a believable demo company: `python manage.py seed_demo`.

Every row is looked up by its natural key and created only when missing, so a second
run changes nothing and whatever was edited during a demo survives a re-run. Dates are
relative to today; nothing is random.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from alignment.meetings.demo import seed_meetings
from alignment.models import AlignmentLink, ImpactAssessment
from business_cases.demo import seed_business_cases
from departments.models import CheckIn, Department, Goal
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from objectives.models import Initiative, SecurityObjective

CENT = Decimal("0.01")
CHECKIN_COUNT = 9  # one every two weeks: about four months of history

# The tables below are laid out by hand, one row per record: the formatter would put
# every field on its own line and turn a readable table into a thousand lines.
# fmt: off

# (username, first name, last name)
SECURITY_TEAM = (("ciso", "Maya", "Okafor"), ("security-analyst", "Jonas", "Lindqvist"))
EXECUTIVES = (("exec", "Helen", "Marsh"), ("cfo", "Rafael", "Costa"))
ADMIN = ("admin", "Ada", "Admin")

# slug: (name, friction budget in hours/week, charter, head's first and last name,
#        key leaders as (username, first name, last name))
DEPARTMENTS: dict[str, tuple[Any, ...]] = {
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
GOALS: dict[str, tuple[tuple[Any, ...], ...]] = {
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

# key: (title, pillar, confidentiality, integrity, availability, description)
OBJECTIVES = {
    "business": ("Security as a business goal", "risk", True, True, True,
                 "Protect revenue and customer trust: win the deals that need proof of security."),
    "efficiency": ("Efficiency", "policy", False, False, True,
                   "Security must not slow the business down: controls fit the way teams work."),
    "identity": ("Know who has access to what", "technology", True, True, False,
                 "One identity per person, strong authentication, access that fits the job."),
    "incident": ("Be ready for the bad day", "incident", False, True, True,
                 "Detect, contain and recover from incidents before customers notice."),
    "soc2": ("Pass SOC 2 Type II and keep it", "compliance", True, True, True,
             "Controls that an auditor can test and a customer can rely on."),
}

# (objective key, title, owner, status, starts in days, lasts days, budget)
INITIATIVES = (
    ("identity", "Roll out SSO + MFA", "ciso", "in_progress", -90, 180, 48000),
    ("identity", "Quarterly access reviews", "security-analyst", "in_progress", -60, 365, 6000),
    ("identity", "Secrets manager", "security-analyst", "planned", 30, 120, 22000),
    ("incident", "EDR on all laptops", "ciso", "in_progress", -45, 120, 65000),
    ("incident", "Backup restore tests", "security-analyst", "in_progress", -30, 330, 4000),
    ("incident", "Phishing simulation", "security-analyst", "done", -200, 180, 9000),
    ("soc2", "SOC 2 readiness", "ciso", "in_progress", -120, 270, 90000),
    ("soc2", "Vendor risk reviews", "security-analyst", "planned", 14, 200, 12000),
    ("business", "DLP for customer data", "ciso", "proposed", 60, 180, 55000),
    ("business", "Customer trust centre", "security-analyst", "in_progress", -20, 90, 8000),
    ("efficiency", "Change-approval gate", "ciso", "in_progress", -75, 150, 15000),
    ("efficiency", "Self-service access requests", "security-analyst", "planned", 20, 100, 18000),
)

# (initiative, goal, relation, rationale[, mitigation]): a conflict without one is open.
LINKS: tuple[tuple[str, ...], ...] = (
    ("Roll out SSO + MFA", "99.95 % uptime", "supports",
     "Fewer outages caused by compromised admin accounts."),
    ("Roll out SSO + MFA", "New hires productive on day one", "supports",
     "One account to create on day one instead of twelve."),
    ("Self-service access requests", "New hires productive on day one", "supports",
     "New hires request their tools themselves, approved in minutes."),
    ("SOC 2 readiness", "Triple annual revenue", "supports",
     "Enterprise buyers ask for a SOC 2 report before they sign."),
    ("SOC 2 readiness", "Close 40 enterprise deals", "supports",
     "Removes the most common blocker in enterprise deals."),
    ("SOC 2 readiness", "Clean external audit", "supports",
     "The same control evidence serves both audits."),
    ("Customer trust centre", "Questionnaires answered in 3 days", "supports",
     "Customers find approved answers and the SOC 2 report themselves."),
    ("Customer trust centre", "Sales cycle under 60 days", "supports",
     "The security review no longer stalls deals."),
    ("Backup restore tests", "MTTR under 30 min", "supports",
     "Restores are rehearsed, not improvised."),
    ("Backup restore tests", "99.95 % uptime", "supports",
     "Proven recovery shortens data-loss outages."),
    ("Vendor risk reviews", "Cut vendor spend by 10 %", "supports",
     "Reviews surface duplicate and unused tools."),
    ("DLP for customer data", "GDPR records complete", "supports",
     "Shows where customer data actually flows."),
    ("Secrets manager", "p95 deploy time under 15 min", "neutral",
     "Pipelines read secrets at run time; no extra step."),
    ("Phishing simulation", "Time-to-hire under 35 days", "neutral",
     "Reaches staff, not the hiring process."),
    ("Quarterly access reviews", "GDPR records complete", "neutral",
     "Same systems, separate records."),
    ("Change-approval gate", "p95 deploy time under 15 min", "conflicts",
     "An approval adds waiting time to every production deploy.",
     "Standard changes are pre-approved; only schema and network changes wait."),
    ("EDR on all laptops", "Release every week", "conflicts",
     "Real-time scanning slows local builds.",
     "Build folders are excluded from scanning after a joint test with Product."),
    ("Quarterly access reviews", "Close the books in 5 days", "conflicts",
     "Finance's review fell in the close week.",
     "Finance reviews moved to the second week of each quarter."),
    ("DLP for customer data", "Contract turnaround under 5 days", "conflicts",
     "Blocking rules may hold contracts sent to customers.",
     "Legal's contract mailbox is allow-listed; held mail is reviewed within the hour."),
    ("Change-approval gate", "Ship checkout v2 by Q3", "conflicts",
     "Approval waits may push checkout releases past Q3."),
    ("Vendor risk reviews", "Contract turnaround under 5 days", "conflicts",
     "A vendor review adds days before Legal can sign a supplier."),
)

# initiative: (mitigation plan, support offered), shared by its impact assessments
SOFTENING = {
    "Roll out SSO + MFA": ("Push approval; 12-hour sessions on managed laptops.",
                           "15-minute enrolment slots; hardware keys for travellers."),
    "Change-approval gate": ("Standard changes pre-approved; approvals answered in chat.",
                             "A security engineer on the approval rota in business hours."),
    "EDR on all laptops": ("Build folders excluded; rollout in waves with a rollback.",
                           "The security team answers agent issues the same day."),
    "Backup restore tests": ("Drills scheduled outside release weeks.",
                             "Security writes the runbook and joins every drill."),
    "Secrets manager": ("A script moves the existing secrets.",
                        "Pairing sessions with each service team."),
    "Quarterly access reviews": ("Reviews kept out of the close week.",
                                 "Security prepares the lists; reviewers only confirm."),
    "SOC 2 readiness": ("Evidence collected automatically where possible.",
                        "Policy templates pre-filled by the security team."),
    "Vendor risk reviews": ("Low-risk vendors get a one-page review.",
                            "Security fills in the questionnaire with the buyer."),
    "DLP for customer data": ("Monitor-only for the first month.",
                              "Weekly rule tuning with each department."),
    "Phishing simulation": ("No names reported to managers.",
                            "Short training only for those who click."),
    "Customer trust centre": ("Sales points customers to the trust centre first.",
                              "Security answers new questions within a day."),
}

# (initiative, department, hours/week, people affected, processes touched,
#  head's agreement, head's comment)
ASSESSMENTS = (
    ("Roll out SSO + MFA", "infrastructure", 2.0, 25, "Admin consoles; on-call break-glass",
     "agreed", "Fine as long as break-glass works at 3 am."),
    ("Roll out SSO + MFA", "sales", 3.0, 40, "CRM logins while travelling",
     "agreed", "Hardware keys for the field team, please."),
    ("Roll out SSO + MFA", "human-resources", 1.0, 8, "HR system logins; new-hire accounts",
     "pending", ""),
    ("Change-approval gate", "infrastructure", 8.0, 18, "Deploys; migrations; network changes",
     "disagreed", "Eight hours a week is more than we can absorb this quarter."),
    ("Change-approval gate", "product", 4.0, 22, "Feature releases; hotfixes", "pending", ""),
    ("EDR on all laptops", "infrastructure", 1.5, 25, "Local builds; laptop performance",
     "agreed", "Acceptable after the build-folder test."),
    ("EDR on all laptops", "product", 2.0, 30, "Local builds; design tools",
     "agreed", "Acceptable."),
    ("Backup restore tests", "infrastructure", 3.0, 4, "Monthly restore drill",
     "agreed", "Worth it."),
    ("Secrets manager", "infrastructure", 2.5, 12, "CI pipelines; service configuration",
     "pending", ""),
    ("Quarterly access reviews", "finance", 2.0, 6, "ERP and banking access review",
     "agreed", "Fine outside the close week."),
    ("SOC 2 readiness", "legal", 3.0, 3, "Policy reviews; customer contract clauses",
     "agreed", "It helps our contract answers too."),
    ("SOC 2 readiness", "human-resources", 1.5, 4, "Background checks; offboarding evidence",
     "pending", ""),
    ("Vendor risk reviews", "finance", 1.5, 5, "Purchase approvals for new suppliers",
     "disagreed", "Purchases already take two weeks."),
    ("Vendor risk reviews", "legal", 2.0, 3, "Supplier contracts", "pending", ""),
    ("DLP for customer data", "sales", 2.5, 40, "Sending proposals; sharing files", "pending", ""),
    ("Phishing simulation", "human-resources", 0.5, 60, "Inbox; yearly training",
     "agreed", "Short and useful."),
    ("Customer trust centre", "sales", 1.0, 6, "Customer questionnaires",
     "agreed", "Saves us days per deal."),
)

# fmt: on


def decimal(value: float | str) -> Decimal:
    # Through str, so that 99.95 stays 99.95 instead of its nearest binary float.
    return Decimal(str(value)).quantize(CENT)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class Seeder:
    """Creates what is missing, one kind of row at a time, and remembers rows by name."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        # One hash for every demo user: the password is published anyway, and hashing it
        # once instead of twenty times keeps the command (and its tests) quick.
        self.password_hash = make_password(settings.DEMO_PASSWORD)
        self.users: dict[str, Any] = {}
        self.kept_passwords: list[str] = []
        self.departments: dict[str, Department] = {}
        self.goals: dict[str, Goal] = {}
        self.initiatives: dict[str, Initiative] = {}

    def user(self, username: str, first: str, last: str, *, group: str = "") -> Any:
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
            owners = [head, *(self.users[leader[0]] for leader in leaders)]
            for index, spec in enumerate(GOALS[slug]):
                self.seed_goal(department, spec, owner=owners[index % len(owners)])

    def seed_goal(self, department: Department, spec: tuple[Any, ...], *, owner: Any) -> None:
        title, category, metric, unit, baseline, target, current, due_in, status = spec
        goal, _ = Goal.objects.get_or_create(
            department=department,
            title=title,
            defaults={
                "category": category,
                "metric": metric,
                "unit": unit,
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
            CheckIn.objects.get_or_create(
                goal=goal,
                date=self.today - days(3 + 14 * (last - i)),
                defaults={
                    "value": (goal.baseline + span * i / last - wobble).quantize(CENT),
                    "confidence": late if i >= last - 2 else early,
                    "comment": "Baseline measured." if i == 0 else COMMENTS[status][i % 3],
                    "author": goal.owner,
                },
            )

    def seed_programme(self) -> None:
        objectives = {}
        for key, (title, pillar, conf, integ, avail, description) in OBJECTIVES.items():
            objectives[key], _ = SecurityObjective.objects.get_or_create(
                title=title,
                defaults={
                    "pillar": pillar,
                    "protects_confidentiality": conf,
                    "protects_integrity": integ,
                    "protects_availability": avail,
                    "description": description,
                    "owner": self.users["ciso"],
                },
            )
        for key, title, owner, status, starts_in, lasts, budget in INITIATIVES:
            start = self.today + days(starts_in)
            self.initiatives[title], _ = Initiative.objects.get_or_create(
                objective=objectives[key],
                title=title,
                defaults={
                    "owner": self.users[owner],
                    "status": status,
                    "start_date": start,
                    "end_date": start + days(lasts),
                    "budget": decimal(budget),
                },
            )

    def seed_links(self) -> None:
        for initiative, goal, relation, rationale, *mitigation in LINKS:
            AlignmentLink.objects.get_or_create(
                initiative=self.initiatives[initiative],
                goal=self.goals[goal],
                defaults={
                    "relation": relation,
                    "rationale": rationale,
                    "mitigation": "".join(mitigation),
                },
            )

    def seed_assessments(self) -> None:
        answered_at = timezone.now() - days(6)
        for title, slug, hours, people, processes, agreement, comment in ASSESSMENTS:
            initiative = self.initiatives[title]
            mitigation_plan, support_offered = SOFTENING[title]
            ImpactAssessment.objects.get_or_create(
                initiative=initiative,
                department=self.departments[slug],
                defaults={
                    "hours_per_week": Decimal(str(hours)),
                    "people_affected": people,
                    "processes_touched": processes,
                    "mitigation_plan": mitigation_plan,
                    "support_offered": support_offered,
                    "head_agreement": agreement,
                    "head_comment": comment,
                    "head_answered_at": None if agreement == "pending" else answered_at,
                    "assessed_by": initiative.owner,
                },
            )


class Command(BaseCommand):
    help = "Create a demo company (departments, goals, security programme) and demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only when the database has no department yet.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # No override on purpose: a published password must never reach a real deployment.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a published password; "
                "it runs only with DJANGO_DEBUG=1."
            )
        if options["if_empty"] and Department.objects.exists():
            self.stdout.write("Database already has data; not seeding.")
            self.stdout.write(
                "Demo logins (if this database was seeded): ciso, exec, admin, "
                f"head-<department>; password: {settings.DEMO_PASSWORD}"
            )
            return
        seeder = Seeder(timezone.localdate())
        with transaction.atomic():
            seeder.seed_people()
            seeder.seed_departments()
            seeder.seed_programme()
            seeder.seed_links()
            seeder.seed_assessments()
            seed_meetings(seeder.users)
            seed_business_cases(
                initiatives=seeder.initiatives,
                author=seeder.users["ciso"],
                executive=seeder.users["exec"],
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in as any of:"))
        self.stdout.write("  " + ", ".join(seeder.users))
        self.stdout.write(f"Password: {settings.DEMO_PASSWORD}")
        if seeder.kept_passwords:
            self.stdout.write(
                "Accounts that existed before keep their own password: "
                + ", ".join(seeder.kept_passwords)
            )
