"""CaseEmail leaves business_cases for the one outbox: state only, the table stays.

The table is renamed and adopted by the alignment app's migration that creates its
CaseEmail (state-wise), so no pending row is lost, whichever of the two runs first.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("business_cases", "0003_case_email_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CaseEmail")],
            database_operations=[],
        ),
    ]
