"""``tripleo.*`` Python actions for our TripleO workbooks (input = the ``__init__`` signature)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.actions.base import Action
from engine.actions.descriptor import ActionDescriptor
from engine.actions.tripleo.baremetal import (
    CapabilityPatchAction,
    GetProfileAction,
    RegisterOrUpdateNodesAction,
    ValidateNodesAction,
)

TRIPLEO_ACTIONS: dict[str, type[Action]] = {
    "tripleo.baremetal.capability_patch": CapabilityPatchAction,
    "tripleo.baremetal.get_profile": GetProfileAction,
    "tripleo.baremetal.register_or_update_nodes": RegisterOrUpdateNodesAction,
    "tripleo.baremetal.validate_nodes": ValidateNodesAction,
}


class TripleoProvider:
    """Provides the ``tripleo.*`` actions."""

    def actions(self) -> Mapping[str, ActionDescriptor]:
        return {
            name: ActionDescriptor.from_class(name, cls) for name, cls in TRIPLEO_ACTIONS.items()
        }
