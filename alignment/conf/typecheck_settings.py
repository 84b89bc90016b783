"""The settings django-stubs loads for mypy: the project's own, as a developer runs them.

mypy imports the settings to learn the installed apps and the user model; with debug off
they would stop without a secret key, so `mypy` would need the environment that
`make lint` sets. Here a bare `mypy` works too.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from alignment.conf.settings import *  # noqa: F403
