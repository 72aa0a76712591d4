"""Definitions as the conductor needs them: synchronous lookups over an in-memory copy of the
stored workflows and ad-hoc actions, parsed on first use and reloaded when they change."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.actions import ActionDescriptor, ActionRegistry
from engine.core.conductor import WorkflowEntry
from engine.lang import parse_actions, parse_workflows
from engine.store import Store

VERSION_SQL = (
    "SELECT (SELECT count(*) FROM workflow_definitions),"
    " (SELECT max(coalesce(updated_at, created_at)) FROM workflow_definitions),"
    " (SELECT total(length(definition)) FROM workflow_definitions),"
    " (SELECT count(*) FROM action_definitions),"
    " (SELECT max(coalesce(updated_at, created_at)) FROM action_definitions),"
    " (SELECT total(length(definition)) FROM action_definitions)"
)


class StoreCatalog:
    """The conductor's Catalog over a state file and an action registry."""

    def __init__(self, store: Store, registry: ActionRegistry) -> None:
        self._store = store
        self._registry = registry
        self._version: tuple | None = None
        self._workflow_rows: dict[str, tuple[str, str]] = {}  # name -> (id, definition)
        self._action_rows: dict[str, str] = {}  # name -> definition
        self._workflows: dict[str, WorkflowEntry | None] = {}
        self._actions: dict[str, Any] = {}
        self._system: dict[str, ActionDescriptor] = {}
        self._unknown: set[str] = set()
        self._refreshing = asyncio.Lock()

    async def refresh(self) -> None:
        """Reload the stored definitions if any changed since the last look.

        One at a time: a refresh that read the rows before a change must not overwrite the
        newer rows a later refresh already took (the newly created workflow would vanish).
        """
        async with self._refreshing:
            row = await self._store.fetch_one(VERSION_SQL)
            version = tuple(row)
            if version == self._version:
                return
            workflows = await self._store.fetch_all(
                "SELECT id, name, definition FROM workflow_definitions"
            )
            actions = await self._store.fetch_all("SELECT name, definition FROM action_definitions")
            self._workflow_rows = {row["name"]: (row["id"], row["definition"]) for row in workflows}
            self._action_rows = {row["name"]: row["definition"] for row in actions}
            self._workflows = {}
            self._actions = {}
            self._version = version

    def refresh_system_actions(self) -> None:
        """Forget what the registry answered (providers may have been added since)."""
        self._system = {}
        self._unknown = set()

    def workflow(self, name: str) -> WorkflowEntry | None:
        if name in self._workflows:
            return self._workflows[name]
        found = self._workflow_rows.get(name)
        entry = None
        if found is not None:
            workflow_id, text = found
            (spec,) = parse_workflows(text, name).workflows.values()
            entry = WorkflowEntry(spec, name, workflow_id, text)
        self._workflows[name] = entry
        return entry

    def adhoc_action(self, name: str) -> Any:
        if name in self._actions:
            return self._actions[name]
        text = self._action_rows.get(name)
        spec = None
        if text is not None:
            # A stand-alone action keeps the whole document it came with (as in Mistral); one
            # of a workbook, its own part under its short name.
            found = parse_actions(text, name).actions
            spec = found[name] if name in found else next(iter(found.values()))
        self._actions[name] = spec
        return spec

    def system_action(self, name: str) -> ActionDescriptor | None:
        found = self._system.get(name)
        if found is None and name not in self._unknown:
            # One name at a time: std.* is found while the OpenStack clients still load.
            found = self._registry.find(name)
            if found is None:
                self._unknown.add(name)
            else:
                self._system[name] = found
        return found
