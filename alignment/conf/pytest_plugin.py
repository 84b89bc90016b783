"""Test-run environment, set before pytest-django reads the settings.

Registered as a pytest plugin (an entry point in pyproject.toml), so it is imported before
pytest-django configures Django. Tests run like a developer's machine (the built-in
secret key, plain-HTTP cookies for the live server) while Django's test runner still runs
the code with DEBUG off; tests of the production settings start their own processes with
DJANGO_DEBUG=0.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")
if "VAR_DIR" not in os.environ:
    # Uploads, mail files and the embedded broker's folders of a test run go to a
    # throwaway folder, never into the developer's var/ (where `make run` would pick up
    # the messages tests leave behind).
    _var = tempfile.mkdtemp(prefix="mom-tests-")
    os.environ["VAR_DIR"] = _var
    atexit.register(shutil.rmtree, _var, ignore_errors=True)
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# tests beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
