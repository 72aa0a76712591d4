"""``ironic.*`` and ``heat.*`` actions made from the installed python-ironicclient and
python-heatclient, under the names of Mistral's OpenStack action mapping.

``ironic.node_list`` calls ``client.node.list``: an action is named
``<namespace>.<manager>_<method>`` and its input is the method's signature (read from a client
that never connects), plus Mistral's ``action_region``. The clients are imported only when the
registry first asks for the actions. A call blocks, so ``run`` is a plain method and runs in a
worker thread; the client is the one :mod:`engine.clouds` keeps per service.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from engine import limits
from engine.actions.base import Action, ActionContext, ActionError
from engine.actions.descriptor import ActionDescriptor, ActionParam, signature_params
from engine.actions.failures import error_chain, os_reason
from engine.masking import is_secret_key

LOG = logging.getLogger(__name__)

# Mistral's mapping, as manager -> methods: "node": ("list",) is ironic.node_list -> node.list.
IRONIC_METHODS: dict[str, tuple[str, ...]] = {
    "chassis": ("create", "delete", "get", "list", "list_nodes", "update"),
    "driver": (
        "delete",
        "get",
        "get_vendor_passthru_methods",
        "list",
        "properties",
        "raid_logical_disk_properties",
        "update",
        "vendor_passthru",
    ),
    "node": (
        "create",
        "delete",
        "get",
        "get_boot_device",
        "get_by_instance_uuid",
        "get_console",
        "get_supported_boot_devices",
        "get_vendor_passthru_methods",
        "list",
        "list_ports",
        "set_boot_device",
        "set_console_mode",
        "set_maintenance",
        "set_power_state",
        "set_provision_state",
        "set_target_raid_config",
        "states",
        "update",
        "validate",
        "vendor_passthru",
        "vif_attach",
        "vif_detach",
        "vif_list",
        "wait_for_provision_state",
    ),
    "port": ("create", "delete", "get", "get_by_address", "list", "update"),
}

HEAT_METHODS: dict[str, tuple[str, ...]] = {
    "actions": ("cancel_update", "check", "resume", "suspend"),
    "build_info": ("build_info",),
    "events": ("get", "list"),
    "resource_types": ("generate_template", "get", "list"),
    "resources": ("generate_template", "get", "list", "mark_unhealthy", "metadata", "signal"),
    "services": ("list",),
    "software_configs": ("create", "delete", "get", "list"),
    "software_deployments": ("create", "delete", "get", "list", "metadata", "update"),
    "stacks": (
        "abandon",
        "create",
        "delete",
        "environment",
        "get",
        "list",
        "output_list",
        "output_show",
        "preview",
        "preview_update",
        "restore",
        "snapshot",
        "snapshot_delete",
        "snapshot_list",
        "snapshot_show",
        "template",
        "update",
        "validate",
    ),
    "template_versions": ("get", "list"),
}

REGION_PARAM = ActionParam("action_region", "")
# Never called: the offline clients only lend their methods' signatures.
OFFLINE_ENDPOINT = "http://offline.invalid"
# A node locked by a conductor (409) or a busy API (503) is retried as python-ironicclient did,
# but a connection failure is not (the client's own retries are off: see engine.clouds).
RETRY_STATUSES = frozenset({409, 503})
RETRY_INTERVAL = 2.0


@dataclass(frozen=True)
class ClientService:
    """One OpenStack service: its action namespace, its mapping and how to get its client."""

    namespace: str
    title: str  # as users know it, for error messages: "Ironic"
    methods: Mapping[str, tuple[str, ...]]
    shared_client: Callable[[], Any]  # the engine.clouds client, made on first call
    offline_client: Callable[[], Any]
    busy_retries: int = 0  # retries of a call answered with a status in RETRY_STATUSES
    before_call: Callable[[Any], None] | None = None  # given the client, before each call

    def descriptors(self) -> dict[str, ActionDescriptor]:
        """One descriptor per mapped method the installed client has."""
        client = self.offline_client()
        found = {}
        for manager, names in self.methods.items():
            for method_name in names:
                path = f"{manager}.{method_name}"
                action_name = f"{self.namespace}.{manager}_{method_name}"
                try:
                    method = attrgetter(path)(client)
                except AttributeError:
                    LOG.warning("%s: the installed client has no %s", action_name, path)
                    continue
                found[action_name] = _descriptor(self, action_name, path, method)
        return found


class OpenStackAction(Action):
    """Calls one client method with the action's input; subclasses are made per method."""

    service: ClientService
    action_name: str
    method_path: str

    def __init__(self, **inputs: Any) -> None:
        # Mistral picked the region's endpoint with it; ours is the credentials' region.
        inputs.pop(REGION_PARAM.name, None)
        self.inputs = inputs

    def run(self, context: ActionContext) -> Any:
        from engine import clouds

        try:
            client = self.service.shared_client()
        except clouds.CloudsError as error:
            raise ActionError(f"{self.action_name} failed: {error}") from None
        method = attrgetter(self.method_path)(client)
        retries_left = self.service.busy_retries
        while True:
            try:
                if self.service.before_call is not None:
                    self.service.before_call(client)
                result = method(**self.inputs)
                # heatclient lists are generators that only call the API while iterated.
                return list(result) if inspect.isgenerator(result) else result
            except Exception as error:
                if retries_left and getattr(error, "http_status", None) in RETRY_STATUSES:
                    LOG.info("%s: %s; trying again", self.action_name, error)
                    retries_left -= 1
                    time.sleep(RETRY_INTERVAL)
                    continue
                raise call_error(self.action_name, self.service.title, client, error) from error

    def secret_values(self) -> Iterable[str]:
        return _secrets(self.inputs)


def _secrets(value: Any, secret: bool = False) -> Iterator[str]:
    """String values under keys that name a password, secret or token, at any depth, and the
    values of JSON patch operations on such a path."""
    if isinstance(value, Mapping):
        patch_secret = "op" in value and is_secret_key(value.get("path", ""))
        for key, item in value.items():
            in_secret = is_secret_key(key) or (patch_secret and key == "value")
            yield from _secrets(item, secret or in_secret)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets(item, secret)
    elif secret and isinstance(value, str | int) and str(value):
        yield str(value)


def call_error(action_name: str, title: str, client: Any, error: Exception) -> ActionError:
    """``<action> failed: <why>``, with the credentials' secrets masked."""
    from engine import clouds

    message = failure_message(title, client, error)
    credentials = clouds.current()
    if credentials is not None:
        message = credentials.scrub(message)
    return ActionError(f"{action_name} failed: {message}")


def failure_message(title: str, client: Any, error: Exception) -> str:
    """What went wrong, in one line: the API's message and HTTP status, or the endpoint that
    could not be reached and why."""
    if _is_connection_failure(error):
        endpoint = getattr(client.http_client, "endpoint_override", None) or _url_in(error)
        if _is_timeout(error):
            connect, read = limits.current().timeouts
            waited = f"timeouts: connect {connect} s, read {read} s"
            return f"no answer from {title} at {endpoint} ({waited})"
        return f"cannot reach {title} at {endpoint}: {_root_reason(error)}"
    status = getattr(error, "http_status", None) or getattr(error, "code", None)
    if isinstance(status, int):
        return f"{_api_message(error)} (HTTP {status})"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _api_message(error: Exception) -> str:
    """The server's own words: ironicclient keeps them in ``message``, heatclient in
    ``error['error']['message']``."""
    details = getattr(error, "error", None)
    if isinstance(details, Mapping) and isinstance(details.get("error"), Mapping):
        return str(details["error"].get("message") or error)
    return str(getattr(error, "message", None) or error)


def _is_connection_failure(error: BaseException) -> bool:
    from keystoneauth1 import exceptions as ksa_exceptions

    return isinstance(error, ksa_exceptions.ConnectionError) or any(
        isinstance(cause, ConnectionError) for cause in error_chain(error)
    )


def _is_timeout(error: BaseException) -> bool:
    """keystoneauth turns connect and read timeouts alike into its ConnectTimeout."""
    from keystoneauth1 import exceptions as ksa_exceptions

    return any(isinstance(cause, ksa_exceptions.ConnectTimeout) for cause in error_chain(error))


def _root_reason(error: BaseException) -> str:
    """The operating system's reason ("Connection refused") when there is one."""
    return os_reason(error) or str(error)


def _url_in(error: BaseException) -> str:
    match = re.search(r"https?://[^\s/:]+(:\d+)?", str(error))
    return match.group(0) if match else "its endpoint"


def _descriptor(
    service: ClientService, action_name: str, path: str, method: Callable[..., Any]
) -> ActionDescriptor:
    params, var_keyword = signature_params(method)
    params = _with_region(params, var_keyword is not None)
    doc = inspect.getdoc(method) or f"Calls {path} of the {service.title} client."
    class_name = service.title + "".join(part.title() for part in re.split(r"[._]", path))
    action_class = type(
        f"{class_name}Action",
        (OpenStackAction,),
        {
            "__doc__": doc,
            "__module__": __name__,
            "service": service,
            "action_name": action_name,
            "method_path": path,
        },
    )
    return ActionDescriptor.build(action_name, action_class, params, var_keyword, doc)


def _with_region(params: list[ActionParam], has_var_keyword: bool) -> list[ActionParam]:
    """Insert ``action_region=""`` where Mistral did: before the last parameter with a default
    (before the one ahead of ``**kwargs`` when there is one), else at the end."""
    position = len(params)
    for index, param in enumerate(params):
        if not param.required:
            position = index
    if has_var_keyword:
        position = max(len(params) - 1, 0)
    return [*params[:position], REGION_PARAM, *params[position:]]


def _offline_session():
    from keystoneauth1 import noauth, session

    return session.Session(auth=noauth.NoAuth(endpoint=OFFLINE_ENDPOINT))


def _offline_ironic() -> Any:
    from ironicclient import client

    return client.Client(
        "1",
        session=_offline_session(),
        endpoint_override=OFFLINE_ENDPOINT,
        os_ironic_api_version="latest",
    )


def _offline_heat() -> Any:
    from heatclient import client

    return client.Client("1", session=_offline_session(), endpoint_override=OFFLINE_ENDPOINT)


def _shared_ironic() -> Any:
    from engine import clouds

    return clouds.ironic_client()


def _negotiate_ironic_version(client: Any) -> None:
    """python-ironicclient negotiates the API version on its first call under a lock, so with a
    silent Ironic eight waiting calls fail one read timeout after another (8 x 60 s). Asked here,
    outside that lock, they all fail after one."""
    http_client = client.http_client
    if http_client._must_negotiate_version():
        http_client.negotiate_version(http_client.session, None)


def _shared_heat() -> Any:
    from engine import clouds

    return clouds.heat_client()


SERVICES = (
    ClientService(
        "ironic",
        "Ironic",
        IRONIC_METHODS,
        _shared_ironic,
        _offline_ironic,
        busy_retries=5,
        before_call=_negotiate_ironic_version,
    ),
    ClientService("heat", "Heat", HEAT_METHODS, _shared_heat, _offline_heat),
)


class OpenStackProvider:
    """Provides the ``ironic.*`` and ``heat.*`` actions; a client library that is not installed
    (or fails to import) only hides its own namespace, with a logged reason."""

    def __init__(self, services: tuple[ClientService, ...] = SERVICES) -> None:
        self.services = services

    def actions(self) -> Mapping[str, ActionDescriptor]:
        found: dict[str, ActionDescriptor] = {}
        for service in self.services:
            try:
                found.update(service.descriptors())
            except Exception:
                LOG.exception("The %s actions are not available", service.namespace)
        return found
