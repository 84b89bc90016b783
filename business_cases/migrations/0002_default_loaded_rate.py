"""The default loaded hourly rate, as a row the administrator can edit in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RATE = Decimal("60.00")


def create_default(apps, schema_editor):
    LoadedRate = apps.get_model("business_cases", "LoadedRate")
    if not LoadedRate.objects.filter(department__isnull=True).exists():
        LoadedRate.objects.create(department=None, hourly_rate=DEFAULT_RATE)


class Migration(migrations.Migration):
    dependencies = [
        ("business_cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_default, migrations.RunPython.noop),
    ]
