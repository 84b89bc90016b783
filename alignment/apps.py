from __future__ import annotations

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        # Business cases need impact assessments and links but may not import alignment.
        from alignment import business_case_sources
        from business_cases import sources

        sources.register(
            people_time=business_case_sources.people_time,
            supporting_goals=business_case_sources.supporting_goals,
        )
