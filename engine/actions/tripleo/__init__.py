"""``tripleo.*`` Python actions for the TripleO workbooks (input = the ``__init__`` signature)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.actions.base import Action
from engine.actions.descriptor import ActionDescriptor
from engine.actions.tripleo import baremetal, parameters

TRIPLEO_ACTIONS: dict[str, type[Action]] = {
    "tripleo.baremetal.cell_v2_discover_hosts": baremetal.CellV2DiscoverHostsAction,
    "tripleo.baremetal.configure_boot": baremetal.ConfigureBootAction,
    "tripleo.baremetal.configure_root_device": baremetal.ConfigureRootDeviceAction,
    "tripleo.baremetal.get_candidate_nodes": baremetal.GetCandidateNodesAction,
    "tripleo.baremetal.get_profile": baremetal.GetProfileAction,
    "tripleo.baremetal.probe_node": baremetal.ProbeNodeAction,
    "tripleo.baremetal.register_or_update_nodes": baremetal.RegisterOrUpdateNodesAction,
    "tripleo.baremetal.update_node_capability": baremetal.UpdateNodeCapabilityAction,
    "tripleo.baremetal.validate_nodes": baremetal.ValidateNodesAction,
    "tripleo.parameters.update_role": parameters.UpdateRoleParametersAction,
}


class TripleoProvider:
    """Provides the ``tripleo.*`` actions."""

    def actions(self) -> Mapping[str, ActionDescriptor]:
        return {
            name: ActionDescriptor.from_class(name, cls) for name, cls in TRIPLEO_ACTIONS.items()
        }
