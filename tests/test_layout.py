"""The layout the product card fixes, and imports that only go one way.

departments <- objectives <- business_cases, with alignment on top: a lower app never
imports a higher one, not even inside a function, nor names one in a string that Django
or Celery would resolve. No two modules import each other, however indirectly, and no
module grows past 500 lines. Each check comes with a test that it catches a bad case.
"""

from __future__ import annotations

import ast
import re
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


# --- No import cycles ------------------------------------------------------------------
#
# A module graph of the four apps: an edge for every import at any depth (a function's
# lazy import too, since it runs just the same), except under `if TYPE_CHECKING:`, which
# never runs. `from pkg import name` is an edge to the submodule pkg.name when there is
# one, else to pkg itself (its __init__.py).


def module_files(root: Path, apps: list[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every non-migration .py file of `apps` under root."""
    modules = {}
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all nesting levels, not `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def import_targets(
    module: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]
) -> set[str]:
    """The project modules an import statement loads (names outside the project dropped)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    targets = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            targets.add(submodule)
        elif base in modules:
            targets.add(base)
    return targets


def import_graph(root: Path, apps: list[str]) -> dict[str, set[str]]:
    modules = module_files(root, apps)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = set()
        for node in runtime_imports(tree):
            graph[module] |= import_targets(module, path, node, modules)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, and modules importing
    themselves (Tarjan's algorithm, iterative so a deep graph cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cycles.append(sorted(component))
    return sorted(cycles)


def test_no_import_cycle_between_project_modules() -> None:
    assert import_cycles(import_graph(ROOT, ORDER)) == []


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_check_catches_an_import_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "from app import b\n",
            # A lazy import closes the loop all the same.
            "app/b.py": "def f():\n    from app.c import X\n",
            "app/c.py": "from .a import Y\n",
            "app/d.py": "from app import d\n",
            "app/e.py": "from app.a import Z\n",
            "app/migrations/0001_initial.py": "from app import e\n",
        },
    )
    assert import_cycles(import_graph(tmp_path, ["app"])) == [
        ["app.a", "app.b", "app.c"],
        ["app.d"],
    ]


def test_the_check_ignores_type_checking_imports_and_follows_packages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "from app.models.links import Link\n",
            "app/models/links.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from app.models import Link\n"
                "else:\n    import app.views\n"
            ),
            "app/views.py": "import app.models\n",
        },
    )
    graph = import_graph(tmp_path, ["app"])
    assert graph["app.models.links"] == {"app.views"}
    assert graph["app.views"] == {"app.models"}
    assert import_cycles(graph) == [["app.models", "app.models.links", "app.views"]]


# --- No lower app names a higher one in a string Django or Celery would resolve ---------
#
# An import is not the only way up: "alignment.tasks.sweep" handed to send_task, a
# reverse("alignment:…"), a ForeignKey("alignment.CaseEmail") or a migration's "to=" all
# reach a higher app by name. Docstrings and other bare string statements explain and
# are never resolved, so they are left alone.


def higher_apps(app: str) -> list[str]:
    return ORDER[ORDER.index(app) + 1 :]


def named_higher_apps(path: Path, higher: list[str]) -> list[str]:
    """String constants of `path` that start like a dotted path or a URL name of `higher`."""
    if not higher:
        return []
    pattern = re.compile(rf"^({'|'.join(higher)})[.:][A-Za-z_]")
    tree = ast.parse(path.read_text(), filename=str(path))
    explanations = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno} "
        f"names {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in explanations
        and pattern.match(node.value)
    ]


@pytest.mark.parametrize("app", ORDER[:-1])
def test_lower_app_names_no_higher_app_in_a_string(app: str) -> None:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):  # migrations included
        found += named_higher_apps(path, higher_apps(app))
    assert found == []


def test_the_check_catches_a_higher_app_named_in_a_string(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Emails go out through alignment.tasks.sweep (explained, never resolved)."""\n'
        "def f():\n"
        '    """See alignment.outbox."""\n'
        '    send_task("alignment.tasks.sweep")\n'
        '    return reverse("alignment:dashboard"), ForeignKey("alignment.CaseEmail")\n'
        'NOTE = "alignment: a word, not a path"\n'
        'OWN = "business_cases:case-detail"\n'
    )
    assert [hit.split(" names ")[1] for hit in named_higher_apps(bad, ["alignment"])] == [
        "'alignment.tasks.sweep'",
        "'alignment:dashboard'",
        "'alignment.CaseEmail'",
    ]
    assert higher_apps("departments") == ["objectives", "business_cases", "alignment"]
    assert higher_apps("alignment") == []


# --- No module over 500 lines --------------------------------------------------------

MAX_LINES = 500


def long_modules(root: Path, apps: list[str]) -> list[str]:
    return [
        f"{path.relative_to(root)}: {lines} lines"
        for path in module_files(root, apps).values()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]


def test_no_module_is_over_500_lines() -> None:
    assert long_modules(ROOT, ORDER) == []


def test_the_check_catches_a_long_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/long.py": "x = 1\n" * (MAX_LINES + 1),
            "app/just_fits.py": "x = 1\n" * MAX_LINES,
            "app/migrations/0001_initial.py": "x = 1\n" * (MAX_LINES * 2),
        },
    )
    assert long_modules(tmp_path, ["app"]) == [f"app/long.py: {MAX_LINES + 1} lines"]
