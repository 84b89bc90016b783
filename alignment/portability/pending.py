"""An uploaded export kept server-side between its preview and its confirmation, under a
random token, in the uploader's own folder (as onboarding keeps spreadsheets)."""

from __future__ import annotations

import re
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from departments.onboarding import files

FOLDER = "programme-imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _path(user_id: int, token: str) -> str:
    return f"{FOLDER}/{user_id}/{token}.zip"


def store(user_id: int, content: bytes) -> str:
    files.sweep(user_id, under=FOLDER)
    token = secrets.token_hex(16)
    default_storage.save(_path(user_id, token), ContentFile(content))
    return token


def load(user_id: int, token: str) -> bytes | None:
    """The export this user uploaded under `token`; None if it is not theirs, was
    imported already, expired, or never was."""
    path = _path(user_id, token)
    if not TOKEN.match(token) or not default_storage.exists(path):
        return None
    if default_storage.get_modified_time(path) < timezone.now() - files.KEPT_FOR:
        default_storage.delete(path)
        return None
    with default_storage.open(path, "rb") as handle:
        content: bytes = handle.read()
    return content


def discard(user_id: int, token: str) -> None:
    default_storage.delete(_path(user_id, token))
