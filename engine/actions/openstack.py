"""OpenStack actions under the names of Mistral's OpenStack action mapping: ``ironic.*``,
``heat.*`` and ``swift.*`` made from the installed clients (python-ironicclient,
python-heatclient and python-swiftclient, which heatclient needs), and the ``nova.*``,
``glance.*`` and ``baremetal_introspection.*`` actions TripleO's Pike workbooks call.

``ironic.node_list`` calls ``client.node.list``: an action is named
``<namespace>.<manager>_<method>`` and its input is the method's signature (read from a client
that never connects), plus Mistral's ``action_region``. For Nova, Glance and Ironic Inspector,
whose clients are not our dependencies, the signatures come from the installed client when there
is one and otherwise from a stand-in written from the upstream client; without an endpoint for
the service an action fails at once saying so, and with one but no client it names the package
to install. The clients are imported only when the registry first asks for the actions. A call
blocks, so ``run`` is a plain method and runs in a worker thread; the client is the one
:mod:`engine.clouds` keeps per service.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter
from types import SimpleNamespace
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

# python-swiftclient's Connection methods, called by their own names (swift.head_container).
SWIFT_METHODS = (
    "copy_object",
    "delete_container",
    "delete_object",
    "get_account",
    "get_capabilities",
    "get_container",
    "get_object",
    "head_account",
    "head_container",
    "head_object",
    "post_account",
    "post_container",
    "post_object",
    "put_container",
    "put_object",
)
NOVA_METHODS = {"hypervisors": ("find", "statistics"), "servers": ("list",)}
GLANCE_METHODS = {"images": ("list",)}
INSPECTOR_METHODS = ("abort", "get_data", "get_status", "introspect", "wait_for_finish")

REGION_PARAM = ActionParam("action_region", "")
# Never called: the offline clients only lend their methods' signatures.
OFFLINE_ENDPOINT = "http://offline.invalid"
# A node locked by a conductor (409) or a busy API (503) is retried as python-ironicclient did,
# but a connection failure is not (the client's own retries are off: see engine.clouds).
RETRY_STATUSES = frozenset({409, 503})
RETRY_INTERVAL = 2.0


def by_manager(methods: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """``{"node": ("list",)}`` as ``{"node_list": "node.list"}``: action suffix -> method path."""
    return {
        f"{manager}_{name}": f"{manager}.{name}"
        for manager, names in methods.items()
        for name in names
    }


@dataclass(frozen=True)
class ClientService:
    """One OpenStack service: its action namespace, its mapping and how to get its client."""

    namespace: str
    title: str  # as users know it, for error messages: "Ironic"
    service_type: str  # as in the Keystone catalog: "baremetal"
    methods: Mapping[str, str]  # action suffix -> client method path
    offline_client: Callable[[], Any]
    busy_retries: int = 0  # retries of a call answered with a status in RETRY_STATUSES
    before_call: Callable[[Any], None] | None = None  # given the client, before each call

    def shared_client(self) -> Any:
        """The engine.clouds client, made on first call."""
        from engine import clouds

        return clouds.client(self.service_type)

    def descriptors(self) -> dict[str, ActionDescriptor]:
        """One descriptor per mapped method the installed client has."""
        client = self.offline_client()
        found = {}
        for suffix, path in self.methods.items():
            action_name = f"{self.namespace}.{suffix}"
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
        except clouds.NoEndpoint as error:
            raise ActionError(needs_service(self.action_name, error)) from None
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


def needs_service(action_name: str, error: Any) -> str:
    """``nova.servers_list needs Nova: no endpoint (...)`` for an `engine.clouds.NoEndpoint`."""
    return f"{action_name} needs {error.service}: no endpoint ({error.why})"


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
        http_client = getattr(client, "http_client", None)  # swiftclient's has none
        endpoint = getattr(http_client, "endpoint_override", None) or _url_in(error)
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


def _offline_swift() -> Any:
    from swiftclient import client

    return client.Connection()


def _negotiate_ironic_version(client: Any) -> None:
    """python-ironicclient negotiates the API version on its first call under a lock, so with a
    silent Ironic eight waiting calls fail one read timeout after another (8 x 60 s). Asked here,
    outside that lock, they all fail after one."""
    http_client = client.http_client
    if http_client._must_negotiate_version():
        http_client.negotiate_version(http_client.session, None)


def _offline_nova() -> Any:
    try:
        from novaclient import client
    except ImportError:
        return NOVA_STAND_IN
    return client.Client("2.1", session=_offline_session(), endpoint_override=OFFLINE_ENDPOINT)


def _offline_glance() -> Any:
    try:
        from glanceclient import client
    except ImportError:
        return GLANCE_STAND_IN
    return client.Client("2", session=_offline_session(), endpoint_override=OFFLINE_ENDPOINT)


def _offline_inspector() -> Any:
    try:
        from ironic_inspector_client import ClientV1
    except ImportError:
        return INSPECTOR_STAND_IN
    return ClientV1.__new__(ClientV1)  # its __init__ asks the server for its API versions


# Stand-ins with the signatures of python-novaclient 18, python-glanceclient 4 and
# python-ironic-inspector-client 5, read when those clients are not installed; never called.


def _keywords(**kwargs: Any) -> None: ...


def _no_input() -> None: ...


def _servers_list(
    detailed=True, search_opts=None, marker=None, limit=None, sort_keys=None, sort_dirs=None
) -> None: ...


def _node(node_id=None, uuid=None) -> None: ...


def _get_data(node_id=None, raw=False, uuid=None, processed=True) -> None: ...


def _introspect(node_id=None, manage_boot=None, uuid=None) -> None: ...


def _wait_for_finish(
    node_ids=None, retry_interval=10, max_retries=3600, sleep_function=time.sleep, uuids=None
) -> None: ...


NOVA_STAND_IN = SimpleNamespace(
    hypervisors=SimpleNamespace(find=_keywords, statistics=_no_input),
    servers=SimpleNamespace(list=_servers_list),
)
GLANCE_STAND_IN = SimpleNamespace(images=SimpleNamespace(list=_keywords))
INSPECTOR_STAND_IN = SimpleNamespace(
    abort=_node,
    get_data=_get_data,
    get_status=_node,
    introspect=_introspect,
    wait_for_finish=_wait_for_finish,
)

SERVICES = (
    ClientService(
        "ironic",
        "Ironic",
        "baremetal",
        by_manager(IRONIC_METHODS),
        _offline_ironic,
        busy_retries=5,
        before_call=_negotiate_ironic_version,
    ),
    ClientService("heat", "Heat", "orchestration", by_manager(HEAT_METHODS), _offline_heat),
    ClientService(
        "swift", "Swift", "object-store", {name: name for name in SWIFT_METHODS}, _offline_swift
    ),
    ClientService("nova", "Nova", "compute", by_manager(NOVA_METHODS), _offline_nova),
    ClientService("glance", "Glance", "image", by_manager(GLANCE_METHODS), _offline_glance),
    ClientService(
        "baremetal_introspection",
        "Ironic Inspector",
        "baremetal-introspection",
        {name: name for name in INSPECTOR_METHODS},
        _offline_inspector,
    ),
)


class OpenStackProvider:
    """Provides the OpenStack actions; a client library that is not installed
    (or fails to import) only hides its own namespace, with a logged reason."""

    def __init__(self, services: tuple[ClientService, ...] = SERVICES) -> None:
        self.services = services

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Its actions' name prefixes, known without importing the clients (the registry
        loads this provider only when one of its actions is wanted)."""
        return tuple(f"{service.namespace}." for service in self.services)

    def actions(self) -> Mapping[str, ActionDescriptor]:
        found: dict[str, ActionDescriptor] = {}
        for service in self.services:
            try:
                found.update(service.descriptors())
            except Exception:
                LOG.exception("The %s actions are not available", service.namespace)
        return found
