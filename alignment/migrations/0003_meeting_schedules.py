"""Beat schedules of the meetings, in django-celery-beat's DatabaseScheduler tables.

Editable in the admin afterwards (Periodic tasks); re-running the migration never
duplicates a schedule: each is looked up by its name.
"""

from django.db import migrations
from django.utils import timezone

SWEEP = "Send due invites, reminders and digests"
MATERIALISE = "Materialise meetings 90 days ahead"
DIGEST = "Weekly digest of overdue action items"


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    mondays, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "alignment.tasks.sweep_outbox", "interval": every_minute}
    )
    PeriodicTask.objects.get_or_create(
        name=MATERIALISE,
        defaults={"task": "alignment.tasks.materialise_meetings", "crontab": daily},
    )
    PeriodicTask.objects.get_or_create(
        name=DIGEST, defaults={"task": "alignment.tasks.queue_overdue_digests", "crontab": mondays}
    )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SWEEP, MATERIALISE, DIGEST]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0002_meetings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
