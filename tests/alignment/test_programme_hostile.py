"""A programme export is input from outside: whatever its data says (wrong types,
nested junk, keys that name nothing, fields that do not exist), an import either takes
it or refuses it with a sentence — never an error page, never half of it.

The files here are re-sealed after each change (an attacker can compute SHA-256 too), so
the rows themselves, not the seal, must stop them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.portability import archive
from alignment.portability.kinds import KINDS, Refused
from alignment.portability.restore import restore
from departments.models import ProcessDocument

pytestmark = pytest.mark.django_db
ROWS_KEPT = 2  # a few rows of each kind: the rest of the demo is already in the database

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture
def small_file(demo_export: bytes) -> dict[str, Any]:
    contents = archive.read(demo_export)
    data = copy.deepcopy(contents.data)
    for kind in data["kinds"]:
        kind["rows"] = kind["rows"][:ROWS_KEPT]
    return {"data": data, "blobs": contents.blobs}


def sealed(data: dict[str, Any], blobs: dict[str, bytes]) -> bytes:
    return archive.write(data, blobs, {})  # the manifest's row counts are only informative


def outcome(content: bytes) -> str:
    try:
        restore(content, merge=True, dry_run=True)
    except Refused as refused:
        assert str(refused).strip(), "a refusal says why"
        return "refused"
    return "taken"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(choice=st.data())
def test_any_value_in_any_field_is_taken_or_refused(
    programme: ProcessDocument, small_file: dict[str, Any], choice: st.DataObject
) -> None:
    data = copy.deepcopy(small_file["data"])
    kinds = [k for k in data["kinds"] if k["rows"]]
    kind = choice.draw(st.sampled_from(kinds))
    row = choice.draw(st.sampled_from(kind["rows"]))
    where = choice.draw(st.sampled_from(["field", "key", "new field", "row", "kind"]))
    junk = choice.draw(JUNK)
    if where == "field" and row[1]:
        row[1][choice.draw(st.sampled_from(sorted(row[1])))] = junk
    elif where == "key":
        row[0] = junk
    elif where == "new field":
        row[1][choice.draw(st.text(max_size=10))] = junk
    elif where == "row":
        kind["rows"][kind["rows"].index(row)] = junk
    else:
        kind["kind"] = junk
    assert outcome(sealed(data, small_file["blobs"])) in {"taken", "refused"}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"format": archive.FORMAT, "version": 1},
        {"format": archive.FORMAT, "version": 1, "kinds": "all of them"},
        {"format": archive.FORMAT, "version": 1, "kinds": [None, 3, "x"]},
        {"format": archive.FORMAT, "version": 1, "kinds": [{"kind": "auth.user", "rows": {}}]},
        {
            "format": archive.FORMAT,
            "version": 1,
            "kinds": [{"kind": "auth.permission", "rows": []}],
        },
    ],
)
def test_data_that_is_not_an_export_is_refused(programme: ProcessDocument, data: Any) -> None:
    assert outcome(sealed(data, {})) == "refused"


def test_a_reference_to_a_row_that_is_nowhere_is_refused(
    programme: ProcessDocument, small_file: dict[str, Any]
) -> None:
    data = small_file["data"]
    goals = next(k for k in data["kinds"] if k["kind"] == "departments.goal")
    goals["rows"][0][1]["department"] = ["no-such-department"]
    with pytest.raises(Refused, match="names a row that is neither in the file nor here"):
        restore(sealed(data, small_file["blobs"]), merge=True, dry_run=True)


def test_kinds_of_rows_come_in_the_order_they_refer_to_each_other() -> None:
    labels = [kind.label for kind in KINDS]
    assert labels.index("departments.department") < labels.index("departments.goal")
    assert labels.index("alignment.meetingseries") < labels.index("alignment.occurrence")
    assert json.dumps(labels)  # every kind is a model label an export names


@pytest.mark.parametrize("field", ["title", "description"])
@pytest.mark.parametrize("value", ["a\x00b", "x" * 5001, "\ud800", {"a": "\x00"}])
def test_text_no_database_takes_is_refused(
    programme: ProcessDocument,
    small_file: dict[str, Any],
    value: Any,
    field: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # JSON may carry a lone surrogate as an escape (\ud800): write the file that way.
    monkeypatch.setattr(
        archive, "canonical", lambda v: json.dumps(v, sort_keys=True).encode("ascii")
    )
    data = small_file["data"]
    goals = next(k for k in data["kinds"] if k["kind"] == "departments.goal")
    goals["rows"][0][1][field] = value
    with pytest.raises(Refused, match=field):
        restore(sealed(data, small_file["blobs"]), merge=True, dry_run=True)
