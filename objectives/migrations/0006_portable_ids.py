"""Portable ids (departments.portable) for the rows of this app without a natural key."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [('objectives', '0005_free_text_bounded'),]

    operations = adding_operations(
        "objectives",
        [('Initiative', 'HistoricalInitiative'), ('Measure', 'HistoricalMeasure')],
    )
