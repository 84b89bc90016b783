"""The layout the product card fixes, and imports that only go one way.

departments <- objectives <- business_cases, with alignment on top: a lower app never
imports a higher one, not even inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["departments", "objectives", "business_cases", "alignment"]
# What each app may import from the project (besides itself).
ALLOWED = {
    "departments": set(),
    "objectives": {"departments"},
    "business_cases": {"departments", "objectives"},
    "alignment": {"departments", "objectives", "business_cases"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


def violations(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for other in imported_apps(path) - ALLOWED[app] - {app}:
            found.append(f"{path.relative_to(ROOT)} imports {other}")
    return found


@pytest.mark.parametrize("app", ORDER)
def test_app_imports_only_lower_apps(app: str) -> None:
    assert violations(app) == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from alignment.models import AlignmentLink\n")
    assert imported_apps(bad) == {"alignment"}


def test_layout_matches_the_product_card() -> None:
    for name in [
        "manage.py",
        "alignment",
        "departments",
        "objectives",
        "business_cases",
        "templates",
        "static",
        "tests",
        "pyproject.toml",
        "README.md",
        "Makefile",
        "Procfile",
        ".ci/run",
    ]:
        assert (ROOT / name).exists(), name
    for module in ["settings.py", "urls.py", "celery.py", "wsgi.py", "asgi.py"]:
        assert (ROOT / "alignment" / "conf" / module).exists(), module


def test_no_asset_comes_from_a_cdn() -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "https://" not in text.replace("https://example", ""), template
