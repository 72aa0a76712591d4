"""Actions: the plugin API, the registry of every known action, and running one.

The module functions use one process-wide registry holding the ``std.*`` actions, the
providers added with :func:`register_provider`, and plugins from the ``tripleo_tui.actions``
entry-point group. Ad-hoc actions run through :func:`run_adhoc` on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.actions.adhoc import run_adhoc
from engine.actions.base import Action, ActionContext, ActionError, ExecutionInfo, Result
from engine.actions.descriptor import ActionDescriptor, ActionParam, InvalidActionInput
from engine.actions.openstack import OpenStackProvider
from engine.actions.registry import (
    ENTRY_POINT_GROUP,
    ActionNotFound,
    ActionProvider,
    ActionRegistry,
)
from engine.actions.runner import ActionOutcome, run_descriptor
from engine.actions.serialize import to_primitive
from engine.actions.std import StdProvider
from engine.actions.tripleo import TripleoProvider
from engine.actions.zaqar import ZaqarProvider

__all__ = [
    "DEFAULT_REGISTRY",
    "ENTRY_POINT_GROUP",
    "Action",
    "ActionContext",
    "ActionDescriptor",
    "ActionError",
    "ActionNotFound",
    "ActionOutcome",
    "ActionParam",
    "ActionProvider",
    "ActionRegistry",
    "ExecutionInfo",
    "InvalidActionInput",
    "Result",
    "StdProvider",
    "get_action",
    "list_system_actions",
    "register_provider",
    "run_adhoc",
    "run_action",
    "run_descriptor",
    "to_primitive",
]

DEFAULT_REGISTRY = ActionRegistry(
    [StdProvider(), OpenStackProvider(), ZaqarProvider(), TripleoProvider()]
)


def register_provider(provider: ActionProvider) -> None:
    """Add a provider (ironic, heat, zaqar, tripleo ...) to the process-wide registry."""
    DEFAULT_REGISTRY.add_provider(provider)


def get_action(name: str) -> ActionDescriptor:
    """The action called ``name``; raises :class:`ActionNotFound` with a close-match hint."""
    return DEFAULT_REGISTRY.get(name)


def list_system_actions() -> list[ActionDescriptor]:
    """Every registered action, sorted by name (``action-list``)."""
    return DEFAULT_REGISTRY.list()


async def run_action(
    name: str, input: Mapping[str, Any], context: ActionContext | None = None
) -> ActionOutcome:
    """Run the action ``name``; its failures come back as ``ActionOutcome.error``.

    Raises only :class:`ActionNotFound` (a definition error, not an action failure).
    """
    return await run_descriptor(get_action(name), input, context or ActionContext())
