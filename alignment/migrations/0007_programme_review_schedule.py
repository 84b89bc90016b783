"""Beat opens the quarter's programme review on the first day of each quarter (a row of
django-celery-beat's tables, editable in the admin; looked up by name, never doubled)."""

from django.db import migrations
from django.utils import timezone

REVIEWS = "Open the quarter's programme review"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    quarterly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="1", month_of_year="1,4,7,10",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=REVIEWS, defaults={"task": "alignment.tasks.open_programme_review", "crontab": quarterly}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REVIEWS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0006_programme_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
