"""Test-run environment, set before pytest-django reads the settings.

Registered as a pytest plugin (an entry point in pyproject.toml), so it is imported before
pytest-django configures Django. Tests run like a developer's machine (the built-in
secret key, plain-HTTP cookies for the live server) while Django's test runner still runs
the code with DEBUG off; tests of the production settings start their own processes with
DJANGO_DEBUG=0.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# tests beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
