"""Which actions exist: built-in providers plus plugins found through an entry-point group.

A provider is any object with ``actions() -> Mapping[str, ActionDescriptor]`` (std now; ironic,
heat, zaqar and tripleo providers add themselves with :meth:`ActionRegistry.add_provider`).
"""

from __future__ import annotations

import difflib
import logging
import threading
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

    A name that is already taken keeps its first owner, and the clash is logged. A provider
    that declares `namespaces` (name prefixes, e.g. the OpenStack clients', which take seconds
    to import) is loaded only by a lookup in its namespaces, a listing or `load()`: the other
    actions are found without waiting for it, so an engine can start while it loads.
    """

    def __init__(
        self, providers: list[ActionProvider], entry_point_group: str | None = ENTRY_POINT_GROUP
    ) -> None:
        self._providers = list(providers)
        self._entry_point_group = entry_point_group
        self._actions: dict[str, ActionDescriptor] | None = None
        self._quick: dict[str, ActionDescriptor] | None = None  # providers with no namespaces
        self._provided: dict[int, Mapping[str, ActionDescriptor]] = {}  # id(provider) -> its
        self._loading = threading.Lock()  # one full load at a time (it may run in a thread)
        self._plugin_actions: Mapping[str, ActionDescriptor] | None = None
        self._scanning = threading.Lock()  # one look for plugins at a time

    def add_provider(self, provider: ActionProvider) -> None:
        """Add a provider; its actions are visible from the next lookup on."""
        self._providers.append(provider)
        self._quick = None
        if self._actions is not None:
            self._merge(self._actions, provider.actions(), source=type(provider).__name__)

    def get(self, name: str) -> ActionDescriptor:
        found = self.find(name)
        if found is None:
            raise ActionNotFound(name, sorted(self.load()))
        return found

    def find(self, name: str) -> ActionDescriptor | None:
        """The action called `name`, or None. A name outside the deferred namespaces is
        answered by the quick providers and the plugins alone, without waiting for the others
        (an engine asks for `<workbook>.<name>` before `<name>`, while the OpenStack clients
        still load in a thread)."""
        if self._actions is None and not name.startswith(self._deferred_namespaces()):
            return self._quick_actions().get(name) or self._plugins().get(name)
        return self.load().get(name)

    def list(self) -> list[ActionDescriptor]:
        """Every registered action, sorted by name."""
        return sorted(self.load().values(), key=lambda descriptor: descriptor.name)

    def load(self) -> dict[str, ActionDescriptor]:
        """Every action, loading the providers and plugins on the first call."""
        if self._actions is None:
            with self._loading:
                if self._actions is None:
                    actions: dict[str, ActionDescriptor] = {}
                    for provider in self._providers:
                        self._merge(actions, self._actions_of(provider), type(provider).__name__)
                    self._merge(actions, self._plugins(), source="entry points")
                    self._actions = actions
        return self._actions

    def _plugins(self) -> Mapping[str, ActionDescriptor]:
        """The entry-point group's actions, looked for once."""
        with self._scanning:
            if self._plugin_actions is None:
                group = self._entry_point_group
                self._plugin_actions = plugin_actions(group) if group else {}
        return self._plugin_actions

    def _deferred_namespaces(self) -> tuple[str, ...]:
        return tuple(
            prefix for provider in self._providers for prefix in getattr(provider, "namespaces", ())
        )

    def _quick_actions(self) -> dict[str, ActionDescriptor]:
        """The actions of the providers without namespaces (built-in, quick to load). A
        plugin never replaces one of them, so a name found here is the registry's answer."""
        if self._quick is None:
            quick: dict[str, ActionDescriptor] = {}
            for provider in self._providers:
                if not getattr(provider, "namespaces", ()):
                    self._merge(quick, self._actions_of(provider), type(provider).__name__)
            self._quick = quick
        return self._quick

    def _actions_of(self, provider: ActionProvider) -> Mapping[str, ActionDescriptor]:
        """A provider's actions, asked once."""
        actions = self._provided.get(id(provider))
        if actions is None:
            actions = self._provided[id(provider)] = provider.actions()
        return actions

    @staticmethod
    def _merge(
        into: dict[str, ActionDescriptor], actions: Mapping[str, ActionDescriptor], source: str
    ) -> None:
        for name, descriptor in actions.items():
            if name in into:
                LOG.warning("Action %s from %s ignored: the name is already taken", name, source)
            else:
                into[name] = descriptor


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
