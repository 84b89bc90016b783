"""Beat takes the computed measures' samples daily (a row of django-celery-beat's tables).

Editable in the admin afterwards (Periodic tasks); looked up by its name, never doubled.
"""

from django.db import migrations
from django.utils import timezone

SAMPLES = "Take the samples of computed measures"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SAMPLES, defaults={"task": "alignment.tasks.take_measure_samples", "crontab": daily}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SAMPLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0004_case_emails_join_the_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
