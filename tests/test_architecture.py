"""The import direction is the architecture: ui -> models -> core, never back."""

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "explainer"
QT_MODULES = ("PySide6", "pyqtgraph", "superqt", "shiboken6", "qtpy")


def imported_roots(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("folder, forbidden", [
    ("core", QT_MODULES + ("torch",)),
    ("models", QT_MODULES),
    ("train", QT_MODULES),
])
def test_no_forbidden_imports(folder, forbidden):
    files = sorted((PACKAGE / folder).rglob("*.py"))
    assert files, f"no sources under explainer/{folder}"
    bad = [(f.name, m) for f in files for m in imported_roots(f) if m in forbidden]
    assert not bad, f"explainer/{folder} imports {bad}"


def test_import_linter_contracts_hold():
    exe = pathlib.Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed")
    result = subprocess.run([str(exe)], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
