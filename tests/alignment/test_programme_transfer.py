"""The whole programme out and in (alignment/portability/): `export_programme`,
`import_programme` and the security team's page.

The demo organisation (every kind of row: meetings with minutes, cases with decisions,
a frozen board pack…) plus an uploaded document is exported, the database emptied, the
file imported, and exported again: the two files hold the same rows and the same bytes.
A file changed by one byte, cut short, or written by a newer release is refused and
leaves every table as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import UniqueConstraint
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alignment.portability import archive
from alignment.portability.export import export_programme
from alignment.portability.kinds import KINDS, Refused
from alignment.portability.restore import restore
from departments.models import Department, Goal, ProcessDocument
from departments.roles import EXECUTIVE_GROUP, SECURITY_GROUP
from tests.conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(programme: ProcessDocument) -> Any:
    # Not "admin": the demo has a person of that name (imported without the flag).
    return get_user_model().objects.create_superuser("root", "root@example.com", "x")


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def change_a_goal() -> None:
    Goal.objects.filter(pk=Goal.objects.order_by("pk")[0].pk).update(title="Changed here")


def tables() -> dict[str, list[Any]]:
    """Every exported table, row by row, as the database holds it."""
    return {
        kind.label: list(kind.model._default_manager.order_by("pk").values_list()) for kind in KINDS
    }


def empty_the_database() -> None:
    for kind in reversed(KINDS):
        if kind.label == "business_cases.loadedrate":
            kind.model._default_manager.exclude(department=None).delete()
        elif kind.label == "alignment.boardpack":
            kind.model._default_manager.update(previous=None, superseded_by=None)
            kind.model._default_manager.all().delete()
        elif kind.label != "auth.group":
            kind.model._default_manager.all().delete()


def test_export_import_into_an_empty_database_and_export_again_gives_the_same_file(
    programme: ProcessDocument, demo_export: bytes
) -> None:
    # The fixture imported the seeded demo's export: the same rows and files come out.
    demo, imported = members(demo_export), members(export_programme().content)
    demo_data, imported_data = json.loads(demo["data.json"]), json.loads(imported["data.json"])
    for kind in demo_data["kinds"]:
        if kind["kind"] != "departments.processdocument":
            assert kind in imported_data["kinds"], kind["kind"]

    first = export_programme()
    counts = {label: n for label, n in first.rows.items() if n}
    assert {"goals", "occurrences", "case decisions", "board packs", "process documents"} <= set(
        counts
    )
    empty_the_database()
    assert not Department.objects.exists() and not get_user_model().objects.exists()

    plan = restore(first.content, merge=False, dry_run=False)
    assert plan.updated == 0 and plan.created == sum(first.rows.values()) - plan.unchanged

    again = export_programme()
    before, after = members(first.content), members(again.content)
    assert before.keys() == after.keys()
    assert before["data.json"] == after["data.json"]
    assert all(before[name] == after[name] for name in before if name.startswith("files/"))
    manifest = json.loads(after["manifest.json"])
    assert manifest["files"] == json.loads(before["manifest.json"])["files"]
    # The document is back with its bytes, under a new file name of its own.
    document = ProcessDocument.objects.get(uid=programme.uid)
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    assert document.file.name != programme.file.name or document.pk != programme.pk


def test_importing_the_same_file_again_changes_nothing(programme: ProcessDocument) -> None:
    content = export_programme().content
    before = tables()
    plan = restore(content, merge=True, dry_run=False)
    assert (plan.created, plan.updated) == (0, 0)
    assert tables() == before


def test_a_merge_updates_what_changed_and_leaves_the_rest(programme: ProcessDocument) -> None:
    content = export_programme().content
    goal = Goal.objects.order_by("pk").first()
    assert goal is not None
    title = goal.title
    Goal.objects.filter(pk=goal.pk).update(title="Renamed here")
    extra = Department.objects.create(name="Treasury desk", slug="treasury-desk")

    plan = restore(content, merge=True, dry_run=True)
    goals = next(t for t in plan.tallies if t.name == "goals")
    assert (goals.created, goals.updated) == (0, 1)
    assert Goal.objects.get(pk=goal.pk).title == "Renamed here"  # a preview keeps nothing

    restore(content, merge=True, dry_run=False)
    assert Goal.objects.get(pk=goal.pk).title == title
    assert Department.objects.filter(pk=extra.pk).exists()  # an import never deletes


def test_an_instance_with_a_programme_takes_a_file_only_to_merge(
    programme: ProcessDocument,
) -> None:
    content = export_programme().content
    with pytest.raises(Refused, match="already holds a programme"):
        restore(content, merge=False, dry_run=True)


@pytest.mark.parametrize("where", ["start", "local header time", "middle", "seal", "last"])
def test_a_file_with_one_byte_changed_is_refused_and_changes_nothing(
    programme: ProcessDocument, where: str
) -> None:
    content = bytearray(export_programme().content)
    position = {
        "start": 0,
        "local header time": 10,
        "middle": len(content) // 2,
        "seal": len(content) - 30,
        "last": len(content) - 1,
    }[where]
    content[position] ^= 0x01
    change_a_goal()
    before = tables()
    with pytest.raises(Refused, match=r"not a complete|damaged|changed after|not a programme"):
        restore(bytes(content), merge=True, dry_run=False)
    assert tables() == before


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_file_is_refused_and_changes_nothing(
    programme: ProcessDocument, keep: float
) -> None:
    content = export_programme().content
    change_a_goal()
    before = tables()
    with pytest.raises(Refused, match=r"cut short|damaged"):
        restore(content[: int(len(content) * keep)], merge=True, dry_run=False)
    assert tables() == before


def test_a_file_of_a_newer_format_is_refused_and_changes_nothing(
    programme: ProcessDocument, monkeypatch: Any
) -> None:
    monkeypatch.setattr(archive, "VERSION", archive.VERSION + 1)
    content = export_programme().content
    monkeypatch.undo()
    change_a_goal()
    before = tables()
    with pytest.raises(Refused, match=r"newer release .format version 2.*Upgrade"):
        restore(content, merge=True, dry_run=False)
    assert tables() == before


def test_a_row_that_breaks_a_rule_here_refuses_the_whole_file(
    programme: ProcessDocument,
) -> None:
    content = export_programme().content
    # Another department here already carries the name of one in the file.
    Department.objects.filter(slug="finance").update(slug="finance-here")
    Department.objects.filter(slug="sales").update(name="Finance-old")
    finance = Department.objects.get(slug="finance-here")
    before = tables()
    with pytest.raises(Refused, match="departments: a row of the file breaks a rule"):
        restore(content, merge=True, dry_run=False)
    assert tables() == before
    assert Department.objects.get(pk=finance.pk).slug == "finance-here"


def test_the_file_holds_no_secret(programme: ProcessDocument, ciso: Any) -> None:
    from alignment.models import ApiToken

    expires = timezone.now() + dt.timedelta(days=30)
    token, secret = ApiToken.issue(user=ciso, name="ci", scope="read", expires_at=expires)
    data = members(export_programme().content)["data.json"].decode()
    user = get_user_model().objects.exclude(password="").first()
    assert user is not None and user.password not in data
    assert secret not in data and token.digest not in data
    assert '"password"' not in data and '"feed_token"' not in data
    assert '"is_superuser"' not in data


def test_people_created_by_an_import_cannot_sign_in_until_they_set_a_password(
    programme: ProcessDocument,
) -> None:
    content = export_programme().content
    empty_the_database()
    restore(content, merge=False, dry_run=False)
    ciso = get_user_model().objects.get(username="ciso")
    assert not ciso.check_password("minds-demo-2026") and ciso.has_usable_password()
    assert ciso.groups.filter(name=SECURITY_GROUP).exists()  # roles travel with the file


def test_a_security_team_import_goes_only_into_an_instance_without_a_programme(
    programme: ProcessDocument,
) -> None:
    content = export_programme().content
    with pytest.raises(Refused, match="only an administrator may merge"):
        restore(content, merge=True, dry_run=True, accounts=False)

    empty_the_database()
    # Someone already here, in the file under another email and another role.
    existing = get_user_model().objects.create_user("ciso", email="new@example.com")
    existing.groups.add(Group.objects.get(name=EXECUTIVE_GROUP))
    restore(content, merge=False, dry_run=False, accounts=False)
    existing.refresh_from_db()
    assert existing.email == "new@example.com"
    assert get_user_model().objects.filter(groups__isnull=False).get() == existing
    assert get_user_model().objects.count() > 10  # everyone else was added, without a role

    restore(content, merge=True, dry_run=False, accounts=True)  # an administrator's
    existing.refresh_from_db()
    assert existing.email != "new@example.com"
    assert list(existing.groups.values_list("name", flat=True)) == [SECURITY_GROUP]


def test_keys_written_another_way_find_the_same_rows(programme: ProcessDocument) -> None:
    contents = archive.read(export_programme().content)
    data = contents.data
    for kind in data["kinds"]:
        for row in kind["rows"]:
            if kind["kind"] == "departments.goal":
                row[0] = [row[0][0].upper()]  # a UUID in capitals
            if kind["kind"] == "alignment.occurrence":
                row[0][1] = row[0][1].replace("+00:00", "Z")  # UTC written as Z
    plan = restore(archive.write(data, contents.blobs, {}), merge=True, dry_run=True)
    assert (plan.created, plan.updated) == (0, 0)


def test_every_key_names_one_row_by_a_rule_of_the_database() -> None:
    """A key that two rows could share would merge them into one on export."""
    reviewed = {
        # Unique in two conditional parts that together cover every row.
        "alignment.seriesattendee": "(series, user) for people, (series, email) for guests",
        "alignment.reviewitem": "(review, objective) or (review, initiative): one is set",
        "alignment.meetinganswer": "(attendee, occurrence), or (attendee) for the series",
        "business_cases.loadedrate": "one per department, and one default (NULL as 0)",
    }
    for kind in KINDS:
        meta = kind.model._meta
        fields = [meta.get_field(name) for name in kind.key]
        if len(fields) == 1 and getattr(fields[0], "unique", False):
            continue
        together = {
            frozenset(c.fields)
            for c in meta.constraints
            if isinstance(c, UniqueConstraint) and c.condition is None and c.fields
        }
        if frozenset(kind.key) in together or kind.label in reviewed:
            continue
        raise AssertionError(f"{kind.label} is keyed by {kind.key}, which is not unique")


def test_the_commands_export_preview_and_import(programme: ProcessDocument, tmp_path: Any) -> None:
    path = tmp_path / "programme.zip"
    out = StringIO()
    call_command("export_programme", str(path), stdout=out)
    assert "Exported" in out.getvalue() and path.stat().st_size > 0
    change_a_goal()
    before = tables()

    out = StringIO()
    call_command("import_programme", str(path), "--merge", "--dry-run", stdout=out)
    assert "goals" in out.getvalue() and tables() == before

    with pytest.raises(CommandError, match="already holds a programme"):
        call_command("import_programme", str(path), "--yes", stdout=StringIO())
    call_command("import_programme", str(path), "--merge", "--yes", stdout=StringIO())
    assert not Goal.objects.filter(title="Changed here").exists()

    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CommandError, match=r"damaged|cut short"):
        call_command("import_programme", str(path), "--merge", "--yes", stdout=StringIO())


# --- the page ---


def test_the_security_team_exports_from_the_page_and_may_not_merge(
    programme: ProcessDocument,
) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="ciso"))
    page = client.get(reverse("alignment:transfer"))
    assert page.status_code == 200 and b"Download the programme" in page.content

    download = client.post(reverse("alignment:transfer-export"))
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]

    change_a_goal()
    upload = client.post(
        reverse("alignment:transfer"),
        {"file": ContentFile(download.content, name="programme.zip")},
    )
    refused = client.get(upload["Location"], follow=True)
    assert b"only an administrator may merge" in refused.content
    assert Goal.objects.filter(title="Changed here").exists()


def test_an_administrator_previews_and_merges_from_the_page(
    programme: ProcessDocument, administrator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    client.force_login(administrator)
    # The manifest is the file's word: a date that is no date is shown as unknown.
    monkeypatch.setattr(archive.timezone, "now", lambda: NotADate())
    content = export_programme().content
    monkeypatch.undo()

    change_a_goal()
    upload = client.post(
        reverse("alignment:transfer"), {"file": ContentFile(content, name="programme.zip")}
    )
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    assert b"to update" in preview.content and b"already holds a programme" in preview.content
    assert b"an unknown date" in preview.content
    assert Goal.objects.filter(title="Changed here").exists()

    refused = client.post(upload["Location"], {})  # merging not confirmed
    assert refused.status_code == 422 and b"tick this box to merge" in refused.content
    assert Goal.objects.filter(title="Changed here").exists()

    done = client.post(upload["Location"], {"merge": "on"})
    assert done.status_code == 302
    assert not Goal.objects.filter(title="Changed here").exists()
    assert client.get(upload["Location"]).status_code == 302  # the upload is gone


class NotADate:
    def isoformat(self, timespec: str = "") -> str:
        return "2024-02-30T00:00:00"


def test_a_file_that_changes_nothing_says_so_and_offers_no_import(
    programme: ProcessDocument, administrator: Any
) -> None:
    client = Client()
    client.force_login(administrator)
    content = export_programme().content
    upload = client.post(
        reverse("alignment:transfer"), {"file": ContentFile(content, name="programme.zip")}
    )
    preview = client.get(upload["Location"])
    assert b"Nothing would change" in preview.content
    assert b'id="transfer-confirm"' not in preview.content


def test_a_changed_file_is_refused_at_upload_with_its_reason(programme: ProcessDocument) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="ciso"))
    content = bytearray(export_programme().content)
    content[len(content) // 2] ^= 0xFF
    response = client.post(
        reverse("alignment:transfer"), {"file": ContentFile(bytes(content), name="p.zip")}
    )
    assert response.status_code == 422
    assert "changed after it was exported" in response.content.decode()


def test_a_member_that_does_not_unpack_is_refused(programme: ProcessDocument) -> None:
    content = export_programme().content
    start = content.index(b"data.json", 100) + len(b"data.json") + 200  # inside its data
    broken = bytearray(content[:-64])
    broken[start] ^= 0xFF
    resealed = bytes(broken) + archive.digest(bytes(broken)).encode()
    with pytest.raises(Refused, match=r"cannot be read from the archive|does not match"):
        restore(resealed, merge=True, dry_run=True)


@pytest.mark.parametrize("who", ["executive", "head_a", "outsider"])
def test_nobody_else_exports_or_imports(who: str, request: pytest.FixtureRequest) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("alignment:transfer")).status_code == 403
    assert client.post(reverse("alignment:transfer-export")).status_code == 403
    token = "0" * 32
    assert client.get(reverse("alignment:transfer-preview", args=[token])).status_code == 403


def test_every_model_of_the_programme_travels_or_is_left_out_for_a_reason() -> None:
    from django.apps import apps

    from alignment.portability.kinds import LEFT_OUT

    models = {
        model._meta.label_lower
        for app in ("departments", "objectives", "business_cases", "alignment")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    }
    travelling = {kind.label for kind in KINDS}
    assert models - travelling - set(LEFT_OUT) == set()
    assert set(LEFT_OUT) <= models
