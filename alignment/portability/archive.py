"""The export file: a ZIP archive anyone can open, holding

- `manifest.json`: the format's name and version, when it was written, how many rows of
  each kind, and the SHA-256 and size of every other member;
- `data.json`: the rows (alignment/portability/rows.py);
- `files/<sha256>`: the bytes of documents and frozen board packs, named by their hash.

The archive's comment is the SHA-256 of every byte before it, so that one byte changed
anywhere, or a file cut short, is refused before anything is read into the database;
the manifest's hashes then check each member.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from alignment.portability.kinds import Refused, digest

FORMAT = "meeting-of-the-minds/programme"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
SEAL = b"sha256:"
SEAL_LENGTH = 64
# Members carry a fixed time, so that the same programme gives the same members.
STAMP = (1980, 1, 1, 0, 0, 0)
BLOB_NAME = re.compile(r"^files/[0-9a-f]{64}$")
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
MAX_MEMBERS = 100_000


@dataclass(frozen=True)
class Contents:
    manifest: dict[str, Any]
    data: dict[str, Any]
    blobs: dict[str, bytes]


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def write(data: dict[str, Any], blobs: dict[str, bytes], rows: dict[str, int]) -> bytes:
    """The sealed archive of `data` and the files it names."""
    members = {DATA: canonical(data)} | {f"files/{name}": blobs[name] for name in sorted(blobs)}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "rows": rows,
        "files": {
            name: {"sha256": digest(content), "bytes": len(content)}
            for name, content in members.items()
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in {MANIFEST: canonical(manifest), **members}.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
        archive.comment = SEAL + b"0" * SEAL_LENGTH
    sealed = buffer.getvalue()
    body = sealed[:-SEAL_LENGTH]
    return body + digest(body).encode()


def read(content: bytes, *, max_bytes: int | None = None) -> Contents:
    """The archive's contents, checked; Refused (nothing read) when it is not a whole,
    unchanged export of a version this instance reads, or is larger than `max_bytes`
    (the setting by default) or would unpack past four times that."""
    limit = max_bytes or settings.PROGRAMME_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise Refused(f"The file is larger than {limit // (1024 * 1024)} MB, the most accepted.")
    # The seal first: it needs only the bytes, so nothing of a changed file is unpacked.
    body, seal = content[:-SEAL_LENGTH], content[-SEAL_LENGTH:]
    if body[-len(SEAL) :] != SEAL or seal != digest(body).encode("ascii"):
        raise Refused(
            "The file is damaged, cut short or was changed after it was exported (it does "
            "not end with the checksum of its contents), or it is not a programme export. "
            "Nothing was imported."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception as error:  # whatever zipfile makes of bytes from outside
        raise Refused(
            "This is not a programme export: it cannot be opened as a ZIP archive. "
            "Nothing was imported."
        ) from error
    with archive:
        manifest = _manifest(archive)
        members = _members(archive, manifest, limit)
    data = _json(members.pop(DATA), DATA)
    if data.get("format") != FORMAT or data.get("version") != manifest["version"]:
        raise Refused("The file's data does not match its manifest. Nothing was imported.")
    blobs = {name.removeprefix("files/"): content for name, content in members.items()}
    return Contents(manifest=manifest, data=data, blobs=blobs)


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError as error:
        raise Refused("This ZIP archive is not a programme export (it has no manifest).") from error
    if info.file_size > MANIFEST_MAX_BYTES:
        raise Refused("The export's manifest is too large to be one of ours.")
    manifest = _json(_member(archive, info), MANIFEST)
    if manifest.get("format") != FORMAT:
        raise Refused("This ZIP archive is not a programme export (its manifest is not ours).")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise Refused("The export's format version is missing or not a number.")
    if version > VERSION:
        raise Refused(
            f"This export was written by a newer release (format version {version}); this "
            f"instance reads format version {VERSION} and older. Upgrade it, then import "
            "again. Nothing was imported."
        )
    if not isinstance(manifest.get("files"), dict) or DATA not in manifest["files"]:
        raise Refused("The export's manifest lists no data. Nothing was imported.")
    return manifest


def _members(archive: zipfile.ZipFile, manifest: dict[str, Any], limit: int) -> dict[str, bytes]:
    """Every member the manifest lists, each of the size and hash it gives; no others."""
    listed: dict[str, Any] = manifest["files"]
    names = set(archive.namelist()) - {MANIFEST}
    if names != set(listed) or len(names) > MAX_MEMBERS:
        raise Refused("The archive's files differ from those its manifest lists.")
    if any(name != DATA and not BLOB_NAME.match(name) for name in names):
        raise Refused("The archive holds a file that is not part of an export.")
    infos = [archive.getinfo(name) for name in sorted(names)]
    if sum(info.file_size for info in infos) > 4 * limit:
        raise Refused("The archive would unpack to more than this instance accepts.")
    members = {}
    for info in infos:
        expected = listed[info.filename]
        if not isinstance(expected, dict) or expected.get("bytes") != info.file_size:
            raise Refused(f"{info.filename} is not the size the manifest gives.")
        content = _member(archive, info)
        if digest(content) != expected.get("sha256"):
            raise Refused(f"{info.filename} does not match its hash in the manifest.")
        members[info.filename] = content
    return members


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except Exception as error:  # zlib, lzma, an encrypted member, an unknown method…
        raise Refused(f"{info.filename} cannot be read from the archive: it is damaged.") from error


def _json(content: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Refused(f"{name} in the archive is not valid JSON.") from error
    if not isinstance(value, dict):
        raise Refused(f"{name} in the archive is not what an export writes.")
    return value
