"""Portable ids (departments.portable) for budget proposals: a department keeps every
proposal of a negotiation, so the department alone does not name one."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [("departments", "0009_portable_ids")]

    operations = adding_operations("departments", [("BudgetProposal", None)])
