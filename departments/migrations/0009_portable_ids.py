"""Portable ids (departments.portable) for the rows of this app without a natural key."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [('departments', '0008_friction_budget_proposals'),]

    operations = adding_operations(
        "departments",
        [('Goal', 'HistoricalGoal'), ('CheckIn', 'HistoricalCheckIn'), ('ProcessDocument', 'HistoricalProcessDocument')],
    )
