"""Portable ids (departments.portable) for samples: typed-in samples may share a measure
and period, so those two alone do not name one."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [
        ("objectives", "0006_portable_ids"),
        ("departments", "0009_portable_ids"),
    ]

    operations = adding_operations("objectives", [("Sample", "HistoricalSample")])
