"""Command arguments that hold a mapping: JSON text, or the path of a JSON or YAML file.

As python-mistralclient does, an existing file wins; text that looks like a path but names no
file is reported as a missing file, anything else as JSON that does not parse (with where).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tripleo_tui.cli import CommandError

if TYPE_CHECKING:
    import yaml

FILE_SUFFIXES = (".json", ".yaml", ".yml")


def load_mapping(text: str, what: str) -> dict[str, Any]:
    """The mapping `text` holds or names; `what` (INPUT, PARAMS, ENV...) names it in errors."""
    path = _existing_path(text, what)
    if path is not None:
        data = load_file(path, what)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            if _looks_like_path(text):
                raise CommandError(f"{what} file '{text}' does not exist") from None
            raise CommandError(f"{what} is not valid JSON: {error}") from None
    return _mapping(data, what)


def load_mapping_file(text: str, what: str) -> dict[str, Any]:
    """The mapping in the JSON or YAML file named `text`."""
    path = _existing_path(text, what)
    if path is None:
        raise CommandError(f"{what} file '{text}' does not exist")
    return _mapping(load_file(path, what), what)


def _mapping(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CommandError(
            f'{what} must be a JSON object ({{"name": value, ...}}), not {_kind(data)}'
        )
    return data


def load_file(path: Path, what: str) -> Any:
    """A JSON or YAML file's content; errors name the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CommandError(f"Cannot read {what} file '{path}': {reason}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"{what} file '{path}' is not valid JSON: {error}") from None
    import yaml  # only for a YAML file: it takes longer to import than most commands run

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = _yaml_problem(error)
        raise CommandError(f"{what} file '{path}' is not valid YAML: {problem}") from None


def _existing_path(text: str, what: str) -> Path | None:
    if text.lstrip().startswith(("{", "[", '"')):
        return None
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            raise CommandError(f"{what} file '{text}' is a directory")
        return path if path.exists() else None
    except OSError:  # e.g. a name too long: not a file name
        return None


def _looks_like_path(text: str) -> bool:
    return "/" in text or text.endswith(FILE_SUFFIXES)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return problem
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def _kind(data: Any) -> str:
    return {list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(data), "a number"
    )
