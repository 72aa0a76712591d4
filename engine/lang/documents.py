"""The three Mistral v2 documents: workbook, workflow list and action list."""

from __future__ import annotations

import gc
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.lang.actions import check_base_cycles, parse_action
from engine.lang.checker import Checker, child, describe
from engine.lang.loader import Mapping, Position
from engine.lang.spec import (
    ActionListSpec,
    ActionSpec,
    WorkbookSpec,
    WorkflowListSpec,
)
from engine.lang.workflows import WorkflowParser, check_version

WORKBOOK_KEYS = ("version", "name", "description", "tags", "workflows", "actions")
WORKBOOK_ITEM_NAME = re.compile(r"[\w-]+\Z")
VERSION_HEADER = "version: '2.0'\n\n"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing allocates many objects and leaves no garbage cycles: the cyclic collector's
    passes over them are wasted work (a seventh of the time for a large workbook)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def parse_workbook(text: str, filename: str = "<input>") -> WorkbookSpec:
    """Parse and validate a workbook; raise DefinitionError listing every problem."""
    check = Checker(filename, text)
    data = check.load("a workbook")
    if data is None:
        raise check.error()
    check.known_keys(data, WORKBOOK_KEYS, "", "a workbook")
    check_version(check, data, "")
    name = _workbook_name(check, data)
    description = check.text_value(data, "description", "")
    tags = check.names(data, "tags", "", single=False)
    lines = text.splitlines(keepends=True)
    workflows = {
        item_name: WorkflowParser(check, item_name, path).parse(body, definition)
        for item_name, path, body, definition in _workbook_items(check, data, "workflows", lines)
    }
    parsed_actions = (
        (item_name, parse_action(check, item_name, body, path, definition))
        for item_name, path, body, definition in _workbook_items(check, data, "actions", lines)
    )
    actions = {item_name: action for item_name, action in parsed_actions if action is not None}
    if isinstance(data.get("actions"), Mapping):
        check_base_cycles(
            check, actions, _base_positions(data["actions"]), "actions", prefix=f"{name}."
        )
    if check.problems:
        raise check.error()
    return WorkbookSpec(
        name=name,
        description=description,
        tags=tags,
        workflows=workflows,
        actions=actions,
        definition=text,
        warnings=check.sorted_warnings(),
    )


def _workbook_items(check: Checker, data: Mapping, section: str, lines: list[str]):
    """(name, key path, body, own text) of each workflow or action of a workbook section."""
    if section not in data:
        return
    items = _section(check, data, section)
    if items is None:
        return
    section_line = data.key_position(section)[0]
    end = min(
        (line for line, _ in data.key_positions.values() if line > section_line),
        default=len(lines) + 1,
    )
    texts = _own_texts(lines, items, end)
    for name, body in _items(check, items, section, workbook=True):
        yield name, child(section, name), body, texts[name]


@_collector_paused()
def parse_workflows(text: str, filename: str = "<input>") -> WorkflowListSpec:
    """Parse a `workflow-create` document: `version: '2.0'` and one key per workflow."""
    check = Checker(filename, text)
    data = check.load("a workflow document")
    if data is None:
        raise check.error()
    check_version(check, data, "")
    texts = _own_texts(text.splitlines(keepends=True), data)
    workflows = {
        name: WorkflowParser(check, name, name).parse(body, texts[name])
        for name, body in _items(check, data, "workflows", workbook=False)
    }
    if not workflows and "version" in data and len(data) == 1:
        check.report(data.position, "", "the document defines no workflow")
    if check.problems:
        raise check.error()
    return WorkflowListSpec(workflows=workflows, definition=text, warnings=check.sorted_warnings())


@_collector_paused()
def parse_actions(text: str, filename: str = "<input>") -> ActionListSpec:
    """Parse an `action-create` document: `version: '2.0'` and one key per ad-hoc action."""
    check = Checker(filename, text)
    data = check.load("an action document")
    if data is None:
        raise check.error()
    check_version(check, data, "")
    texts = _own_texts(text.splitlines(keepends=True), data)
    actions: dict[str, ActionSpec] = {}
    for name, body in _items(check, data, "actions", workbook=False):
        action = parse_action(check, name, body, name, texts[name])
        if action is not None:
            actions[name] = action
    if not actions and "version" in data and len(data) == 1:
        check.report(data.position, "", "the document defines no action")
    check_base_cycles(check, actions, _base_positions(data), "")
    if check.problems:
        raise check.error()
    return ActionListSpec(actions=actions, definition=text, warnings=check.sorted_warnings())


def _workbook_name(check: Checker, data: Mapping) -> str:
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        return name
    if "name" not in data:
        check.report(data.position, "name", "a workbook needs a name: add name: <workbook name>")
    else:
        check.report(
            data.value_position("name"), "name", f"name must be a string, not {describe(name)}"
        )
    return ""


def _section(check: Checker, data: Mapping, section: str) -> Mapping | None:
    items = check.mapping(data[section], section, data.value_position(section), section)
    if items is not None and not [key for key in items if key != "version"]:
        check.report(data.value_position(section), section, f"{section} must not be empty")
    return items


def _items(check: Checker, items: Mapping | None, section: str, *, workbook: bool):
    """(name, body) of each valid workflow or action; `version` keys are skipped."""
    if items is None:
        return
    what = "workflow" if section == "workflows" else "action"
    for name, body in items.items():
        where = items.key_position(name)
        path = child(section, name) if workbook else str(name)
        if name == "version":
            if workbook:
                check_version(check, items, section)
            continue
        if not isinstance(name, str) or not name:
            check.report(where, path, f"{what} names must be strings, not {describe(name)}")
            continue
        if workbook and not WORKBOOK_ITEM_NAME.match(name):
            check.report(
                where,
                path,
                f"{what} name {name!r} may hold only letters, digits, '_' and '-' in a workbook",
            )
            continue
        if what == "workflow" and _looks_like_uuid(name):
            check.report(where, path, f"workflow name {name!r} looks like a UUID; choose a name")
            continue
        if not isinstance(body, Mapping) or not body:
            check.report(
                items.value_position(name),
                path,
                f"{what} {name!r} must be a non-empty mapping, not {describe(body)}",
            )
            continue
        yield name, body


def _looks_like_uuid(name: str) -> bool:
    """As oslo's is_uuid_like, which Mistral uses to tell names from ids."""
    try:
        parsed = uuid.UUID(name)
    except ValueError:
        return False
    bare = name.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
    return parsed.hex == bare


def _base_positions(items: Any) -> dict[str, Position]:
    return {
        name: body.value_position("base") if isinstance(body, Mapping) else items.position
        for name, body in items.items()
    }


def _own_texts(lines: list[str], items: Mapping, end: int | None = None) -> dict[Any, str]:
    """Each item's own document: `version: '2.0'`, then its lines up to the next item's key
    (or `end`, the line of the key after the section), dedented.

    Mistral stored each workflow's text cut out of the whole document in the same way.
    """
    keyed = sorted(items.key_positions.items(), key=lambda item: item[1])
    stops = [line for _, (line, _) in keyed[1:]] + [end or len(lines) + 1]
    texts = {}
    for (key, (line, column)), stop in zip(keyed, stops, strict=True):
        indent = column - 1
        pad = " " * indent
        block = lines[line - 1 : max(stop, line + 1) - 1]
        body = "".join(
            text[indent:] if text.startswith(pad) else text.lstrip() for text in block[1:]
        )
        texts[key] = VERSION_HEADER + (block[0][indent:] + body).rstrip() + "\n"
    return texts
