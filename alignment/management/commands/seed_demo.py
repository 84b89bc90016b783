"""Fill the database with a believable demo company: `python manage.py seed_demo`.

Each app seeds its own subject, lowest first, and hands what it made to the next:
departments/demo.py (people, departments, goals, check-ins), objectives/demo.py (the
security programme), alignment/demo.py (links and impact assessments),
alignment/meetings/demo.py and business_cases/demo.py. Every row is looked up by its
natural key and created only when missing, so a second run changes nothing and whatever
was edited during a demo survives a re-run. Dates are relative to today; nothing is random.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from alignment.demo import seed_alignment, seed_board_pack, seed_review
from alignment.demo_commitments import seed_commitments
from alignment.demo_engagement import seed_engagement
from alignment.meetings.demo import seed_meetings
from business_cases.demo import seed_business_cases
from departments.demo import DemoOrganisation, seed_organisation
from departments.models import Department
from objectives import computations
from objectives.demo import seed_programme


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
        with transaction.atomic():
            organisation = self.seed(timezone.localdate())
        self.print_logins(organisation)

    def seed(self, today: dt.date) -> DemoOrganisation:
        organisation = seed_organisation(today)
        users = organisation.users
        initiatives = seed_programme(users=users, goals=organisation.goals, today=today)
        seed_alignment(
            initiatives=initiatives,
            goals=organisation.goals,
            departments=organisation.departments,
        )
        seed_meetings(users)
        seed_engagement(users)
        seed_commitments(users=users, today=today)
        seed_review(ciso=users["ciso"], today=today)
        # Frozen before the business cases are decided: the board saw last quarter's figures.
        if seed_board_pack(ciso=users["ciso"], executive=users["exec"], today=today) is None:
            self.stdout.write("No board pack in the demo: WeasyPrint needs Pango to make PDFs.")
        seed_business_cases(initiatives=initiatives, author=users["ciso"], executive=users["exec"])
        # The computed measures' first samples, as beat would take them tonight.
        computations.take_samples(today=today)
        return organisation

    def print_logins(self, organisation: DemoOrganisation) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in as any of:"))
        self.stdout.write("  " + ", ".join(organisation.users))
        self.stdout.write(f"Password: {settings.DEMO_PASSWORD}")
        if organisation.kept_passwords:
            self.stdout.write(
                "Accounts that existed before keep their own password: "
                + ", ".join(organisation.kept_passwords)
            )
