"""Portable ids (departments.portable) for the rows of this app without a natural key."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [('business_cases', '0006_budget_envelope_and_cosigned_decisions'),]

    operations = adding_operations(
        "business_cases",
        [('BusinessCase', 'HistoricalBusinessCase'), ('CostLine', 'HistoricalCostLine'), ('RiskScenario', 'HistoricalRiskScenario'), ('BenefitLine', 'HistoricalBenefitLine'), ('UserImpactLine', 'HistoricalUserImpactLine'), ('CaseDecision', None), ('Spend', 'HistoricalSpend')],
    )
