"""Which actions exist: built-in providers plus plugins found through an entry-point group.

A provider is any object with ``actions() -> Mapping[str, ActionDescriptor]`` (std now; ironic,
heat, zaqar and tripleo providers add themselves with :meth:`ActionRegistry.add_provider`).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Protocol

from engine.actions.base import Action, ActionError
from engine.actions.descriptor import ActionDescriptor

LOG = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tripleo_tui.actions"


class ActionProvider(Protocol):
    def actions(self) -> Mapping[str, ActionDescriptor]: ...


class ActionNotFound(ActionError):
    """No action of that name; the message suggests the closest name."""

    def __init__(self, name: str, known: list[str]) -> None:
        message = f"Action '{name}' not found"
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            message += f"; did you mean '{close[0]}'?"
        super().__init__(message)
        self.name = name


class ActionRegistry:
    """Name -> descriptor, built on first use from the providers, then the plugins.

    A name that is already taken keeps its first owner, and the clash is logged.
    """

    def __init__(
        self, providers: list[ActionProvider], entry_point_group: str | None = ENTRY_POINT_GROUP
    ) -> None:
        self._providers = list(providers)
        self._entry_point_group = entry_point_group
        self._actions: dict[str, ActionDescriptor] | None = None

    def add_provider(self, provider: ActionProvider) -> None:
        """Add a provider; its actions are visible from the next lookup on."""
        self._providers.append(provider)
        if self._actions is not None:
            self._merge(provider.actions(), source=type(provider).__name__)

    def get(self, name: str) -> ActionDescriptor:
        actions = self._loaded()
        try:
            return actions[name]
        except KeyError:
            raise ActionNotFound(name, sorted(actions)) from None

    def list(self) -> list[ActionDescriptor]:
        """Every registered action, sorted by name."""
        return sorted(self._loaded().values(), key=lambda descriptor: descriptor.name)

    def _loaded(self) -> dict[str, ActionDescriptor]:
        if self._actions is None:
            self._actions = {}
            for provider in self._providers:
                self._merge(provider.actions(), source=type(provider).__name__)
            if self._entry_point_group:
                self._merge(plugin_actions(self._entry_point_group), source="entry points")
        return self._actions

    def _merge(self, actions: Mapping[str, ActionDescriptor], source: str) -> None:
        assert self._actions is not None
        for name, descriptor in actions.items():
            if name in self._actions:
                LOG.warning("Action %s from %s ignored: the name is already taken", name, source)
            else:
                self._actions[name] = descriptor


def plugin_actions(group: str = ENTRY_POINT_GROUP) -> dict[str, ActionDescriptor]:
    """Load the action classes an installed distribution declares under ``group``.

    A plugin that fails to load is logged and skipped, so one broken package cannot hide the
    other actions.
    """
    found: dict[str, ActionDescriptor] = {}
    for entry_point in entry_points(group=group):
        try:
            action_class = entry_point.load()
        except Exception:
            LOG.exception(
                "Action plugin %s (%s) failed to load", entry_point.name, entry_point.value
            )
            continue
        if not (isinstance(action_class, type) and issubclass(action_class, Action)):
            LOG.error(
                "Action plugin %s (%s) is not an Action subclass",
                entry_point.name,
                entry_point.value,
            )
            continue
        found[entry_point.name] = ActionDescriptor.from_class(entry_point.name, action_class)
    return found
