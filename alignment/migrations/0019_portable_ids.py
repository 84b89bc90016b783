"""Portable ids (departments.portable) for the rows of this app without a natural key."""

from django.db import migrations

from departments.portable import adding_operations


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0018_api_tokens"),
        ("departments", "0009_portable_ids"),
    ]

    operations = adding_operations(
        "alignment",
        [
            ("ActionItem", "HistoricalActionItem"),
            ("Commitment", "HistoricalCommitment"),
            ("Decision", "HistoricalDecision"),
            ("SupportRequest", "HistoricalSupportRequest"),
            ("StakeholderReading", None),
        ],
    )
