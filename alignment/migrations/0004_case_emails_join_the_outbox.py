"""The one outbox: business-case emails become alignment's CaseEmail, rows and all.

business_cases 0004 forgets the model (state only); here the same table is adopted under
its new name, alignment_caseemail. Renaming keeps every row, pending ones included, with
their ids, leases and claim tokens, so the sweep carries on where it was. Then the status
rule widens to the outbox's shared statuses (constraint and choices).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "business_cases_caseemail"
NEW_TABLE = "alignment_caseemail"


# Database operations of SeparateDatabaseAndState see the state before its own
# state operations, so there is no model to pass yet; renaming needs none.
def adopt_table(apps, schema_editor):
    schema_editor.alter_db_table(None, OLD_TABLE, NEW_TABLE)


def give_table_back(apps, schema_editor):
    schema_editor.alter_db_table(None, NEW_TABLE, OLD_TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0003_meeting_schedules"),
        ("business_cases", "0003_case_email_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CaseEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed (gave up)"),
                                    ("cancelled", "Cancelled"),
                                    ("expired", "Expired (meeting had started)"),
                                    ("skipped", "Skipped"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("claim_token", models.CharField(blank=True, max_length=32)),
                        ("last_error", models.TextField(blank=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("submitted", "Submitted: to an executive"),
                                    ("decided", "Decided: to the author"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(
                                help_text="The revision submitted or decided."
                            ),
                        ),
                        ("recipient", models.EmailField(max_length=254)),
                        ("subject", models.CharField(max_length=255)),
                        ("body_text", models.TextField()),
                        ("body_html", models.TextField()),
                        ("message_id", models.CharField(max_length=255, unique=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="emails",
                                to="business_cases.businesscase",
                            ),
                        ),
                        (
                            "decision",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="emails",
                                to="business_cases.casedecision",
                            ),
                        ),
                        (
                            "recipient_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                fields=["status", "next_attempt_at"], name="case_email_due_idx"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("case", "kind", "revision", "recipient"),
                                name="case_email_once",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("kind__in", ["submitted", "decided"])),
                                name="case_email_kind_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("decision__isnull", True), ("kind", "submitted")),
                                    models.Q(("decision__isnull", False), ("kind", "decided")),
                                    _connector="OR",
                                ),
                                name="case_email_decided_has_decision",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    (
                                        "status__in",
                                        ["pending", "sending", "sent", "failed", "skipped"],
                                    )
                                ),
                                name="case_email_status_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "sending"), _negated=True),
                                    ("lease_until__isnull", False),
                                    _connector="OR",
                                ),
                                name="case_email_sending_has_lease",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "sent"), _negated=True),
                                    ("sent_at__isnull", False),
                                    _connector="OR",
                                ),
                                name="case_email_sent_has_time",
                            ),
                        ],
                    },
                )
            ],
            database_operations=[migrations.RunPython(adopt_table, give_table_back)],
        ),
        migrations.RemoveConstraint(model_name="caseemail", name="case_email_status_valid"),
        migrations.AddConstraint(
            model_name="caseemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["pending", "sending", "sent", "failed", "cancelled", "expired", "skipped"],
                    )
                ),
                name="case_email_status_valid",
            ),
        ),
    ]
