"""The Celery application: `celery -A alignment worker` and `celery -A alignment beat`."""

from __future__ import annotations

import gc
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment.conf.settings")

app = Celery("alignment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The meetings' tasks live in a sub-package of the alignment app, which the discovery of
# installed apps does not search.
app.autodiscover_tasks(["alignment.meetings"])


@signals.worker_process_init.connect  # a prefork pool's child, once forked
@signals.worker_ready.connect  # the worker itself (solo and thread pools work in it)
def freeze_startup_heap(**_: object) -> None:
    """What a worker has loaded when it starts (modules, Django's registries and models)
    lives as long as it does: kept out of the cyclic collector's way (`gc.freeze`), so
    that a full collection in the middle of a sweep scans what the sweep made, not the
    whole process — a pause of a fraction of a second otherwise, in a batch of emails.
    Garbage is collected first, so that none is kept for good."""
    gc.collect()
    gc.freeze()
