"""Dependencies point one way (docs/architecture.md): the project package `legitymacje`
(settings, urls, dashboards) sits on top, and each app imports only the apps below it;
what apps share lives below them, never in `legitymacje`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["access_log", "cards", "warranty", "reader_bridge", "reports", "legitymacje"]
APPS = LAYERS[:-1]


def imported_modules(source: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the file, those inside functions too."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(app: str) -> list[str]:
    above = LAYERS[LAYERS.index(app) + 1:]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in above
    ]


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_neither_the_project_package_nor_the_apps_above_it(app):
    assert upward_imports(app) == []


def test_an_import_inside_a_function_counts(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import os\n\ndef f():\n    from legitymacje.links import page_links\n")
    assert imported_modules(module) == [(1, "os"), (4, "legitymacje.links")]
