"""The Celery application: `celery -A alignment worker` and `celery -A alignment beat`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment.conf.settings")

app = Celery("alignment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The meetings' tasks live in a sub-package of the alignment app, which the discovery of
# installed apps does not search.
app.autodiscover_tasks(["alignment.meetings"])
