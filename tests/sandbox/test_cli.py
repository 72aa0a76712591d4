"""`tripleo-tui sandbox ...` through the real CLI entry point."""

from __future__ import annotations

import logging

import pytest

from engine.sandbox import DIR_ENV, mistral
from tripleo_tui.cli import build_parser, main


@pytest.fixture(autouse=True)
def restore_logging():
    """`main()` configures the root logger as a process would; undo it afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_status_of_the_running_sandbox(
    monkeypatch, tmp_path, capsys, ironic_sandbox, ironic_sandbox_dir
):
    monkeypatch.setenv(DIR_ENV, str(ironic_sandbox_dir))
    assert main(["--db", str(tmp_path / "state.sqlite"), "sandbox", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Sandbox ready at {ironic_sandbox}: pid ")
    assert " nodes, " in out and " MiB; log " in out


def test_status_and_down_when_nothing_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "sandbox"))
    db = ["--db", str(tmp_path / "state.sqlite")]
    assert main([*db, "sandbox", "status"]) == 3
    assert capsys.readouterr().out.startswith("Sandbox not running (")
    assert main([*db, "sandbox", "down"]) == 0
    assert capsys.readouterr().out == "Sandbox was not running.\n"


def test_arguments():
    parser = build_parser()
    assert parser.parse_args(["sandbox", "up"]).nodes == 4
    assert parser.parse_args(["sandbox", "up", "--nodes", "200"]).nodes == 200
    assert parser.parse_args(["--sandbox"]).sandbox is True
    with pytest.raises(SystemExit):
        parser.parse_args(["sandbox", "up", "--nodes", "-1"])


def test_status_of_the_running_mistral(
    monkeypatch, tmp_path, capsys, mistral_sandbox, mistral_sandbox_dir
):
    monkeypatch.setenv(mistral.DIR_ENV, str(mistral_sandbox_dir))
    assert main(["--db", str(tmp_path / "state.sqlite"), "sandbox", "mistral", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Mistral ready at {mistral_sandbox}: pid ")
    assert " MiB; log " in out


def test_mistral_status_and_down_when_nothing_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(mistral.DIR_ENV, str(tmp_path / "mistral"))
    db = ["--db", str(tmp_path / "state.sqlite")]
    assert main([*db, "sandbox", "mistral", "status"]) == 3
    assert capsys.readouterr().out.startswith("Mistral not running (")
    assert main([*db, "sandbox", "mistral", "down"]) == 0
    assert capsys.readouterr().out == "Mistral was not running.\n"
