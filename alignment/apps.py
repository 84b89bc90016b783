from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = "Alignment"

    def import_models(self) -> None:
        # The app's models are in two packages: alignment.models (links, assessments, case
        # emails) and alignment.meetings.models, which sits above it and imports it.
        # Django imports only the first; importing the second here, while Django loads
        # models, registers the meetings' models under this app's label.
        super().import_models()
        import_module("alignment.meetings.models")

    def ready(self) -> None:
        # The lower apps may not import alignment: they declare what they need or
        # announce what happened, and alignment answers and listens here.
        from django.db.models.signals import post_migrate

        from alignment import business_case_sources, case_emails, changes, measure_sources
        from business_cases import announcements, sources
        from objectives import computations

        sources.register(
            people_time=business_case_sources.people_time,
            supporting_goals=business_case_sources.supporting_goals,
            trade_off=business_case_sources.trade_off,
        )
        announcements.subscribe(
            submitted=case_emails.queue_submitted, decided=case_emails.queue_decided
        )
        for name, computer in measure_sources.COMPUTERS.items():
            computations.register(name, computer)
        # Every migrate (re)installs the triggers that move the programme's version.
        post_migrate.connect(changes.install_after_migrate, sender=self)
