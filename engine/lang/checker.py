"""Collects every problem of one document and offers the checks shared by all its parts."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from engine import limits
from engine.expr import EXPRESSION_TYPES, ExpressionSyntaxError, compile_string, has_expression
from engine.lang.errors import DefinitionError, Problem
from engine.lang.inline import InlineError, parse_command, parse_params
from engine.lang.loader import Mapping, Position, Sequence, YamlSyntaxError, load
from engine.lang.spec import InputParam

START: Position = (1, 1)


def child(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def describe(value: Any) -> str:
    """A few words naming a value's type, for "must be X, not Y" sentences."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}" if value else "an empty string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def suggestion(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_expression(value: Any) -> bool:
    return isinstance(value, EXPRESSION_TYPES)


class Checker:
    """Problems of one document, and the compiled form of each distinct expression in it."""

    def __init__(self, filename: str, text: str) -> None:
        self.file = filename
        self.text = text
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._compiled: dict[str, Any] = {}

    # -- reporting -------------------------------------------------------------------------

    def report(self, position: Position, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, position[0], position[1], path, message))

    def warn(self, position: Position, path: str, message: str) -> None:
        """Something Mistral accepted but that probably does not do what was meant."""
        self.warnings.append(Problem(self.file, position[0], position[1], path, message))

    def sorted_warnings(self) -> tuple[Problem, ...]:
        return tuple(sorted(self.warnings, key=lambda p: (p.line, p.column, p.path)))

    def error(self) -> DefinitionError:
        """Every problem found, in document order."""
        ordered = sorted(self.problems, key=lambda p: (p.line, p.column, p.path))
        return DefinitionError(tuple(dict.fromkeys(ordered)))

    # -- loading ---------------------------------------------------------------------------

    def load(self, kind: str) -> Mapping | None:
        """The document as a Mapping, or None after reporting why it is not one."""
        size = len(self.text.encode())
        if size > limits.MAX_DEFINITION_SIZE:
            self.report(
                START,
                "",
                f"the definition is {size} bytes, over the limit of "
                f"{limits.MAX_DEFINITION_SIZE} bytes",
            )
            return None
        try:
            data, duplicates = load(self.text)
        except YamlSyntaxError as error:
            self.report(error.position, "", str(error))
            return None
        if duplicates:
            paths = _container_paths(data)
            for duplicate in duplicates:
                path = child(paths.get(id(duplicate.mapping), ""), duplicate.key)
                self.report(
                    duplicate.position,
                    path,
                    f"duplicate key {duplicate.key!r} (first given on line {duplicate.first[0]})",
                )
        if not isinstance(data, Mapping):
            self.report(START, "", f"{kind} must be a mapping, not {describe(data)}")
            return None
        return data

    # -- shape checks ----------------------------------------------------------------------

    def known_keys(self, data: Mapping, allowed: Iterable[str], path: str, what: str) -> None:
        for key in data:
            if key not in allowed:
                self.report(
                    data.key_position(key),
                    child(path, key),
                    f"unknown key {key!r} in {what}{suggestion(str(key), allowed)}",
                )

    def mapping(self, value: Any, path: str, position: Position, what: str) -> Mapping | None:
        if isinstance(value, Mapping):
            return value
        self.report(position, path, f"{what} must be a mapping, not {describe(value)}")
        return None

    def text_value(self, data: Mapping, key: str, path: str) -> str:
        """An optional free-text field such as `description`."""
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.report(
                data.value_position(key),
                child(path, key),
                f"{key} must be a string, not {describe(value)}",
            )
            return ""
        return value

    def names(self, data: Mapping, key: str, path: str, *, single: bool) -> tuple[str, ...]:
        """A list of unique non-empty strings (`tags`); `single` also allows one string."""
        value = data.get(key)
        where, here = data.value_position(key), child(path, key)
        if value is None:
            return ()
        if single and isinstance(value, str) and value:
            return (value,)
        if not isinstance(value, list):
            expected = "a name or a list of names" if single else "a list of strings"
            self.report(where, here, f"{key} must be {expected}, not {describe(value)}")
            return ()
        result: list[str] = []
        for index, item in enumerate(value):
            item_where = value.item_position(index)
            if not isinstance(item, str) or not item:
                self.report(
                    item_where,
                    f"{here}[{index}]",
                    f"{key} items must be non-empty strings, not {describe(item)}",
                )
            elif item in result:
                self.report(item_where, f"{here}[{index}]", f"{key} lists {item!r} twice")
            else:
                result.append(item)
        return tuple(result)

    def input_params(self, data: Mapping, path: str) -> tuple[InputParam, ...]:
        """`input:` of a workflow or ad-hoc action: names, or one-key `name: default` maps."""
        value = data.get("input")
        here = child(path, "input")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(
                data.value_position("input"),
                here,
                f"input must be a list of names or 'name: default' entries, not {describe(value)}",
            )
            return ()
        params: dict[str, InputParam] = {}
        for index, item in enumerate(value):
            where, item_path = value.item_position(index), f"{here}[{index}]"
            if isinstance(item, str) and item:
                param = InputParam(item)
            elif isinstance(item, dict) and len(item) == 1:
                name, default = next(iter(item.items()))
                if not isinstance(name, str) or not name:
                    self.report(where, item_path, f"input names must be strings, not {name!r}")
                    continue
                param = InputParam(name, plain(default), required=False)
            else:
                self.report(
                    where,
                    item_path,
                    f"input entries must be a name or a one-key 'name: default' mapping, "
                    f"not {describe(item)}",
                )
                continue
            if param.name in params:
                self.report(where, item_path, f"input {param.name!r} is declared twice")
            params[param.name] = param
        return tuple(params.values())

    # -- expressions -----------------------------------------------------------------------

    def compile(self, value: Any, path: str, position: Position) -> Any:
        """Plain dicts/lists with every expression string compiled; errors are reported."""
        if isinstance(value, str):
            return self.compile_text(value, path, position) if has_expression(value) else value
        if isinstance(value, dict):
            positions = value.value_positions if isinstance(value, Mapping) else {}
            return {
                key: self.compile(item, child(path, key), positions.get(key, position))
                for key, item in value.items()
            }
        if isinstance(value, list):
            places = value.item_positions if isinstance(value, Sequence) else ()
            return [
                self.compile(
                    item, f"{path}[{index}]", places[index] if index < len(places) else position
                )
                for index, item in enumerate(value)
            ]
        return value

    def expression(self, value: Any, path: str, position: Position, wrong: str) -> Any:
        """The compiled expression that `value` holds, else None after reporting `wrong`
        (or the expression's syntax error)."""
        if is_expression(value):  # already compiled, e.g. from inline parameters
            return value
        if isinstance(value, str):
            before = len(self.problems)
            compiled = self.compile_text(value, path, position) if has_expression(value) else value
            if is_expression(compiled):
                return compiled
            if len(self.problems) > before:
                return None
        self.report(position, path, wrong)
        return None

    def compile_text(self, text: str, path: str, position: Position) -> Any:
        compiled = self._compiled.get(text)
        if compiled is None:
            try:
                compiled = compile_string(text)
            except ExpressionSyntaxError as error:
                self.report(position, path, str(error))
                return text
            self._compiled[text] = compiled
        return compiled

    def inline_command(self, text: str, path: str, where: Position) -> tuple[str, dict] | None:
        """`name k=v ...` with its parameters compiled; None after reporting a problem."""
        try:
            name, params, notes = parse_command(text)
        except InlineError as error:
            self.report(where, path, str(error))
            return None
        for note in notes:
            self.warn(where, path, note)
        return name, self.compile(params, path, where)

    def inline_params(self, text: str, path: str, where: Position) -> dict[str, Any] | None:
        """`k=v ...` with the values compiled; None after reporting a problem."""
        try:
            params, notes = parse_params(text)
        except InlineError as error:
            self.report(where, path, str(error))
            return None
        for note in notes:
            self.warn(where, path, note)
        return self.compile(params, path, where)

    def compile_field(self, data: Mapping, key: str, path: str) -> Any:
        return self.compile(data[key], child(path, key), data.value_position(key))


def plain(value: Any) -> Any:
    """Drop the position bookkeeping: plain dicts and lists for data stored as is."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _container_paths(root: Any) -> dict[int, str]:
    """id(container) -> key path, to name where a duplicate key was found."""
    paths: dict[int, str] = {}
    pending = [(root, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, dict):
            paths[id(value)] = path
            pending.extend((item, child(path, key)) for key, item in value.items())
        elif isinstance(value, list):
            paths[id(value)] = path
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    return paths
