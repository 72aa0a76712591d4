"""The layering rules of DESIGN.md, checked on the source: the console and the CLI go through
engine.api only, the engine never imports the console or Textual, engine.core loads no I/O,
and no import cycle crosses folders."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE_INSIDES = ("engine.store", "engine.core", "engine.runtime", "engine.actions", "engine.lang")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file (lazy and TYPE_CHECKING ones included),
    `from engine import x` read as `engine.x`."""
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


def test_importing_the_conductor_loads_no_io():
    code = (
        "import engine.core, sys; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('aiosqlite','sqlite3','requests','smtplib')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """engine's modules and the engine modules each one imports (importing `a.b.c` runs `a`
    and `a.b` too, so those count)."""
    paths = {}
    for path in (root / "engine").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in paths.items():
        targets = set()
        for _, module in imported_modules(path):
            pieces = module.split(".")
            targets |= {".".join(pieces[:n]) for n in range(1, len(pieces) + 1)}
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def folder(module: str) -> str:
    """engine's area a module belongs to: engine.core.tasks -> engine.core; engine.clouds is
    its own."""
    return ".".join(module.split(".")[:2])


def cross_folder_cycles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Edges u -> v between folders where v leads back to u."""

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    return sorted(
        (u, v)
        for u, targets in graph.items()
        for v in targets
        if folder(u) != folder(v) and reaches(v, u)
    )


def test_no_import_cycle_crosses_folders():
    """Type-only imports count: a reader follows them too (main had api -> runtime.facade ->
    handoff -> api)."""
    assert cross_folder_cycles(module_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"engine.a.x": {"engine.b.y"}, "engine.b.y": {"engine.a.z"}, "engine.a.z": set()}
    assert cross_folder_cycles(graph) == []
    graph["engine.a.z"] = {"engine.a.x"}
    assert cross_folder_cycles(graph) == [
        ("engine.a.x", "engine.b.y"),
        ("engine.b.y", "engine.a.z"),
    ]
