"""Kept for deployments that run `gunicorn alignment.wsgi`; the module is alignment.conf.wsgi."""

from __future__ import annotations

from alignment.conf.wsgi import application

__all__ = ("application",)
