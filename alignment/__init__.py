"""The alignment app: where business and security meet.

`alignment.conf` is the project (settings, root URLs, Celery, wsgi); `alignment.meetings`
holds the meetings. The Celery app is re-exported here so that `celery -A alignment`
keeps working.
"""

from __future__ import annotations

from alignment.conf.celery import app as celery_app

__all__ = ("celery_app",)
