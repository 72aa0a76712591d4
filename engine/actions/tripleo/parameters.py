"""``tripleo.parameters.update_role`` as tripleo-common 7.6.0 has it: a role's node count and
flavor written into the deployment plan's environment, which lives in Swift.

It needs Ironic (to count the nodes with the role as profile), Nova (the flavor whose
``capabilities:profile`` is the role, when there are such nodes) and Swift (the plan); each
missing one is named at once.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.actions.base import Action, ActionContext, ActionError
from engine.actions.openstack import call_error
from engine.actions.tripleo import nodes
from engine.actions.tripleo.baremetal import service_client

UPDATE_ROLE = "tripleo.parameters.update_role"
PLAN_ENVIRONMENT = "plan-environment.yaml"
FLAVOR_PROFILE_EXCEPTIONS = {"object-storage": "swift-storage"}
PARAMETER_EXCEPTIONS = {
    "control": ("ControllerCount", "OvercloudControlFlavor"),
    "object-storage": ("ObjectStorageCount", "OvercloudSwiftStorageFlavor"),
}


class UpdateRoleParametersAction(Action):
    """Sets ``<Role>Count`` and ``Overcloud<Role>Flavor`` in the plan's parameter_defaults;
    returns the plan environment."""

    def __init__(self, role: str, container: str = "overcloud") -> None:
        self.role = role
        self.container = container

    def run(self, context: ActionContext) -> dict[str, Any]:
        parameters = self._parameters()
        swift = service_client(UPDATE_ROLE, "object-store")
        try:
            environment = yaml.safe_load(swift.get_object(self.container, PLAN_ENVIRONMENT)[1])
        except Exception as error:
            raise ActionError(
                f"Error retrieving environment for plan {self.container}: {error}"
            ) from None
        environment["name"] = self.container
        environment.setdefault("parameter_defaults", {}).update(parameters)
        try:
            swift.put_object(
                self.container,
                PLAN_ENVIRONMENT,
                yaml.safe_dump(environment, default_flow_style=False),
            )
        except Exception as error:
            raise ActionError(
                f"Error updating environment for plan {self.container}: {error}"
            ) from None
        return environment

    def _parameters(self) -> dict[str, Any]:
        ironic = service_client(UPDATE_ROLE, "baremetal")
        try:
            count = sum(
                nodes.node_capabilities(node.to_dict()).get("profile") == self.role
                for node in ironic.node.list(detail=True, limit=0)
            )
        except Exception as error:
            raise call_error(UPDATE_ROLE, "Ironic", ironic, error) from error
        flavor = self._flavor() if count else "baremetal"
        title = self.role.title().replace("-", "")
        count_key, flavor_key = PARAMETER_EXCEPTIONS.get(
            self.role, (f"{title}Count", f"Overcloud{title}Flavor")
        )
        return {count_key: count, flavor_key: flavor}

    def _flavor(self) -> str:
        nova = service_client(UPDATE_ROLE, "compute")
        profile = FLAVOR_PROFILE_EXCEPTIONS.get(self.role, self.role)
        try:
            for flavor in nova.flavors.list():
                if flavor.get_keys().get("capabilities:profile") == profile:
                    return flavor.name
        except Exception as error:
            raise call_error(UPDATE_ROLE, "Nova", nova, error) from error
        return "baremetal"
