"""The layering rules of DESIGN.md, checked on the source: the console and the CLI go through
engine.api only, and the engine never imports the console or Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE_INSIDES = ("engine.store", "engine.core", "engine.runtime", "engine.actions", "engine.lang")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, `from engine import x` read as `engine.x`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def offending(folder: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line}: {module}"
        for path in sorted((root / folder).rglob("*.py"))
        for line, module in imported_modules(path)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    ]


def test_the_console_and_cli_use_only_the_api():
    assert offending("tripleo_tui", (*ENGINE_INSIDES, "engine.handoff")) == []


@pytest.mark.parametrize("forbidden", ["tripleo_tui", "textual"])
def test_the_engine_imports_no_console(forbidden):
    assert offending("engine", (forbidden,)) == []


def test_the_check_finds_what_it_forbids(tmp_path):
    """The rule is not vacuous: a forbidden import in a file is reported with its line."""
    (tmp_path / "tripleo_tui").mkdir()
    (tmp_path / "tripleo_tui" / "bad.py").write_text(
        "import os\nfrom engine import store\nfrom engine.api import Backend\n"
    )
    assert offending("tripleo_tui", ENGINE_INSIDES, tmp_path) == [
        "tripleo_tui/bad.py:2: engine.store"
    ]
