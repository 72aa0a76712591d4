"""Where the OpenStack services are and how to log in to them.

In order: clouds.yaml when OS_CLOUD names a cloud; a sourced stackrc (OS_AUTH_URL, OS_USERNAME,
OS_PASSWORD, ...); a bare endpoint with no authentication (OS_ENDPOINT, as the standalone
`baremetal` CLI takes it; OS_AUTH_TYPE defaults to `none` then); and last, the endpoint sources
added with `add_endpoint_source` (engine.sandbox adds the running Ironic sandbox when imported).
openstacksdk's config loader reads the variables and files exactly as the `openstack` CLI does;
keystoneauth1 holds the session. Passwords and tokens are never shown: the credentials' repr and
every error we raise have them replaced by `***`.

The resolved credentials and clients are kept until what they came from changes (an OS_*
variable, a clouds.yaml file, an endpoint source's stamp such as the sandbox's state file after
`sandbox up` on a new port): each use compares a cheap fingerprint of those, so no restart is
needed. Every request has a connect and a read timeout (engine.limits), and a connection failure
is reported at once, not retried for ten seconds as python-ironicclient does by default.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openstack.config import cloud_region, loader

from engine import limits
from engine.callers import CALLER, Caller
from engine.masking import MASK, is_secret_key

NO_ENDPOINT = (
    "No OpenStack endpoint: source a stackrc, set OS_CLOUD (clouds.yaml), "
    "set OS_ENDPOINT for a standalone Ironic, or run `tripleo-tui sandbox up`."
)
SERVICE_NAMES = {
    "baremetal": "Ironic",
    "orchestration": "Heat",
    "compute": "Nova",
    "image": "Glance",
    "baremetal-introspection": "Ironic Inspector",
    "object-store": "Swift",
}


class CloudsError(RuntimeError):
    """The credentials are missing or wrong, or a service cannot be reached."""


@dataclass(frozen=True)
class EndpointSource:
    """A last resort: a bare Ironic endpoint with no authentication (a local sandbox, say)."""

    name: str  # Credentials.source
    find: Callable[[], str | None]  # the endpoint now, or None
    description: str  # how the status bar names it: "the local sandbox"
    stamp: Callable[[], Any] = lambda: None  # cheap; changes when the endpoint may have changed


_endpoint_sources: dict[str, EndpointSource] = {}


def add_endpoint_source(source: EndpointSource) -> None:
    """Try `source` after clouds.yaml and the OS_* variables (once per name)."""
    _endpoint_sources[source.name] = source


class NoEndpoint(CloudsError):
    """The credentials name no endpoint for a service: `why` says what they name and how to
    add one."""

    def __init__(self, service_type: str, why: str) -> None:
        self.service = SERVICE_NAMES.get(service_type, service_type)
        self.why = why
        super().__init__(f"no {self.service} endpoint: {why}")


@dataclass(frozen=True, repr=False)
class Credentials:
    """One resolved way to reach the services; `source` says where it came from."""

    source: str  # "clouds.yaml", "environment" or an EndpointSource's name
    region: cloud_region.CloudRegion = field(compare=False)
    cloud_name: str | None = None
    config_file: str | None = None

    @property
    def auth_type(self) -> str:
        return self.region.config.get("auth_type") or "password"

    @property
    def auth(self) -> dict[str, Any]:
        """The auth settings with every secret value replaced by `***`."""
        return {
            key: MASK if is_secret_key(key) and value else value
            for key, value in self.region.config.get("auth", {}).items()
        }

    def secrets(self) -> list[str]:
        return [
            str(value)
            for key, value in self.region.config.get("auth", {}).items()
            if is_secret_key(key) and value
        ]

    def scrub(self, text: str) -> str:
        """`text` with every secret of these credentials replaced by `***`."""
        for secret in sorted(self.secrets(), key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def describe(self) -> str:
        """One plain sentence for the status bar: which endpoint, as whom, from where."""
        auth = self.auth
        if self.auth_type == "none":
            target = ", ".join(
                f"{SERVICE_NAMES.get(kind, kind)} {url}" for kind, url in self.known_endpoints()
            )
            where = f"{target or 'no endpoint'} without authentication"
        else:
            who = auth.get("username") or auth.get("user_id") or f"a {self.auth_type} credential"
            project = auth.get("project_name") or auth.get("project_id")
            where = f"Keystone {auth.get('auth_url', '?')} as {who}"
            where += f" (project {project})" if project else ""
        region = self.region.get_region_name()
        where += f", region {region}" if region else ""
        if self.source == "clouds.yaml":
            return f"{where}; cloud '{self.cloud_name}' from {self.config_file or 'clouds.yaml'}"
        if self.source in _endpoint_sources:
            return f"{where}; {_endpoint_sources[self.source].description}"
        if self.source == "caller":
            return f"{where}; the caller's {'cloud' if self.auth_type == 'none' else 'token'}"
        return f"{where}; from OS_* variables"

    def session(self):
        """The keystoneauth1 session (one per credentials, made by openstacksdk), with our
        (connect, read) timeouts: keystoneauth passes `timeout` to requests as it is, though
        its constructor only takes one number for both."""
        session = self.region.get_session()
        if self.region.config.get("api_timeout") is None:
            session.timeout = limits.current().timeouts
        return session

    def endpoint(self, service_type: str) -> str:
        """The service's URL: an explicit endpoint, else the Keystone catalog."""
        url = self._explicit_endpoint(service_type)
        if url:
            return url
        override = f"OS_{_config_key(service_type).upper()}_ENDPOINT_OVERRIDE"
        if self.auth_type == "none":
            raise NoEndpoint(service_type, f"{self.describe()} (set {override})")
        try:
            url = self.session().get_endpoint(
                service_type=service_type,
                interface=self.region.get_interface(),
                region_name=self.region.get_region_name(service_type),
            )
        except Exception as error:
            if type(error).__name__ == "EndpointNotFound":
                url = None
            else:
                name = SERVICE_NAMES.get(service_type, service_type)
                message = f"cannot find the {name} endpoint ({self.describe()}): {error}"
                raise CloudsError(self.scrub(message)) from None
        if not url:
            why = f"the Keystone catalog has no {service_type} service (or set {override})"
            raise NoEndpoint(service_type, why)
        return url

    def _explicit_endpoint(self, service_type: str) -> str | None:
        """`<service>_endpoint_override` (OS_BAREMETAL_ENDPOINT_OVERRIDE, clouds.yaml); with no
        authentication, a bare OS_ENDPOINT names the standalone Ironic, as for the `baremetal`
        CLI (openstacksdk would use it for every service)."""
        override = self.region.config.get(f"{_config_key(service_type)}_endpoint_override")
        if override:
            return str(override)
        if self.auth_type == "none" and service_type == "baremetal":
            return self.region.config.get("auth", {}).get("endpoint")
        return None

    def known_endpoints(self) -> list[tuple[str, str]]:
        """(service type, URL) of each service whose endpoint is given, not found in a
        catalog."""
        return [
            (kind, url)
            for kind in SERVICE_NAMES
            if (url := self._explicit_endpoint(kind)) is not None
        ]

    def __repr__(self) -> str:
        return (
            f"Credentials(source={self.source!r}, cloud={self.cloud_name!r}, "
            f"auth_type={self.auth_type!r}, auth={self.auth!r})"
        )


def resolve() -> Credentials | None:
    """Find the credentials now, in the documented order; None when there are none."""
    cloud = os.environ.get("OS_CLOUD")
    if cloud:
        return _from_clouds_yaml(cloud)
    if os.environ.get("OS_AUTH_URL") or os.environ.get("OS_ENDPOINT"):
        return _from_environment()
    for source in list(_endpoint_sources.values()):
        endpoint = source.find()
        if endpoint:
            from openstack.config import loader

            config = loader.OpenStackConfig(load_yaml_config=False, load_envvars=False)
            region = config.get_one(auth_type="none", baremetal_endpoint_override=endpoint)
            return Credentials(source.name, region)
    return None


_lock = threading.Lock()
_current: Credentials | None = None
_resolved_from: tuple = ()
_clients: dict[str, Any] = {}


def current() -> Credentials | None:
    """The credentials in use: the caller's while an action runs for a caller with a cloud or
    a token (engine.callers), else the engine's own, resolved again when none were found or
    their sources changed."""
    global _current, _resolved_from
    caller = CALLER.get()
    if caller is not None and caller.cloud is not None:  # the engine's own are not needed
        with _lock:
            if caller.credentials is None:
                caller.credentials = _caller_cloud(caller.cloud)
            return caller.credentials
    sources = _fingerprint()
    with _lock:
        if _current is None or sources != _resolved_from:
            _clients.clear()
            _current = resolve()
            _resolved_from = sources
        engine_own = _current
    if caller is None or engine_own is None or engine_own.auth_type == "none":
        return engine_own  # a standalone Ironic has no Keystone to act as anyone
    with _lock:
        if caller.credentials is None:
            caller.credentials = _as_caller(engine_own, caller)
        return caller.credentials


def _caller_cloud(cloud: dict[str, Any]) -> Credentials:
    """The cloud a caller's request named (engine.target_cloud), as credentials."""
    from openstack.config import loader

    config = loader.OpenStackConfig(load_yaml_config=False, load_envvars=False)
    try:
        return Credentials("caller", config.get_one(**cloud))
    except Exception as error:
        message, token = _plain(error), cloud.get("auth", {}).get("token")
        message = message.replace(token, MASK) if token else message
        raise CloudsError(f"the caller's cloud is incomplete: {message}") from None


def _as_caller(engine_own: Credentials, caller: Caller) -> Credentials:
    """The engine's cloud (Keystone, region, endpoints) with the caller's token as the login,
    scoped to the token's project when known, else to the engine's project."""
    auth = engine_own.region.config.get("auth", {})
    if caller.project_id:
        scope = {"project_id": caller.project_id}
    else:
        scope = {key: value for key, value in auth.items() if key.startswith("project_")}
    overrides = {
        f"{_config_key(kind)}_endpoint_override": url
        for kind in SERVICE_NAMES
        if (url := engine_own.region.config.get(f"{_config_key(kind)}_endpoint_override"))
    }
    from openstack.config import loader

    config = loader.OpenStackConfig(load_yaml_config=False, load_envvars=False)
    region = config.get_one(
        auth_type="v3token",
        auth={"auth_url": auth.get("auth_url"), "token": caller.token, **scope},
        region_name=engine_own.region.get_region_name(),
        interface=engine_own.region.get_interface(),
        **overrides,
    )
    return Credentials("caller", region)


def reset() -> None:
    """Forget the credentials and clients (after the environment or the sandbox changed)."""
    global _current
    with _lock:
        _current = None
        _clients.clear()


def _fingerprint() -> tuple:
    """What the credentials are resolved from, cheaply: the OS_* variables, the size and time
    of change of each clouds.yaml, and each endpoint source's stamp."""
    variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("OS_")))
    files = tuple(file_stamp(path) for path in _search_path())
    sources = tuple(source.stamp() for source in list(_endpoint_sources.values()))
    return variables, files, sources


def file_stamp(path: str | os.PathLike) -> tuple[int, int] | None:
    """A file's time of change and size; None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def describe() -> str:
    credentials = current()
    return credentials.describe() if credentials else NO_ENDPOINT


def ironic_client():
    """The one python-ironicclient v1 client, at the newest API version the server offers."""
    return client("baremetal")


def heat_client():
    """The one python-heatclient v1 client."""
    return client("orchestration")


def client(service_type: str) -> Any:
    """The one client of a service (its type as in the Keystone catalog: "compute", ...).

    Raises `NoEndpoint` when the credentials name none for it, and `CloudsError` when its
    client library is not installed or cannot be made.
    """
    credentials = current()
    if credentials is None:
        raise CloudsError(NO_ENDPOINT)
    make = _MAKERS[service_type]
    caller = CALLER.get()
    clients = caller.clients if credentials.source == "caller" and caller else _clients
    with _lock:
        if service_type not in clients:
            try:
                endpoint = credentials.endpoint(service_type)
                clients[service_type] = make(credentials, endpoint, service_type)
            except CloudsError:
                raise
            except ImportError as error:
                package = CLIENT_PACKAGES[service_type]
                name = SERVICE_NAMES[service_type]
                raise CloudsError(
                    f"{name} needs {package}, which is not installed ({error.name} missing): "
                    f"pip install {package}"
                ) from None
            except Exception as error:
                name = SERVICE_NAMES[service_type]
                message = f"cannot make the {name} client ({credentials.describe()}): {error}"
                raise CloudsError(credentials.scrub(message)) from None
        return clients[service_type]


def _versioned_client(module: str, version: str, **options: Any):
    """A maker for the clients built as ``<module>.Client(version, session=...)``."""

    def make(credentials: Credentials, endpoint: str, service_type: str) -> Any:
        client = importlib.import_module(module)
        return client.Client(
            version,
            session=credentials.session(),
            endpoint_override=endpoint,
            region_name=credentials.region.get_region_name(service_type),
            **options,
        )

    return make


def _make_inspector(credentials: Credentials, endpoint: str, service_type: str):
    from ironic_inspector_client import ClientV1

    return ClientV1(
        session=credentials.session(),
        inspector_url=endpoint,
        region_name=credentials.region.get_region_name(service_type),
    )


def _make_swift(credentials: Credentials, endpoint: str, service_type: str):
    from swiftclient import client

    return client.Connection(
        session=credentials.session(), os_options={"object_storage_url": endpoint}
    )


_MAKERS = {
    # ironicclient's own retries (5 x 2 s) cover connection failures too; conflicts are
    # retried in engine.actions.openstack instead
    "baremetal": _versioned_client(
        "ironicclient.client", "1", os_ironic_api_version="latest", max_retries=0
    ),
    "orchestration": _versioned_client("heatclient.client", "1"),
    "compute": _versioned_client("novaclient.client", "2.1"),
    "image": _versioned_client("glanceclient.client", "2"),
    "baremetal-introspection": _make_inspector,
    "object-store": _make_swift,
}
# The PyPI package of each client library (only Ironic's and Heat's are our dependencies).
CLIENT_PACKAGES = {
    "baremetal": "python-ironicclient",
    "orchestration": "python-heatclient",
    "compute": "python-novaclient",
    "image": "python-glanceclient",
    "baremetal-introspection": "python-ironic-inspector-client",
    "object-store": "python-swiftclient",
}


def _config_key(service_type: str) -> str:
    """openstacksdk's spelling of a service type in setting names: object_store."""
    return service_type.replace("-", "_")


def _from_environment() -> Credentials:
    defaults = {}
    if not os.environ.get("OS_AUTH_URL") and not os.environ.get("OS_AUTH_TYPE"):
        defaults["auth_type"] = "none"  # like the standalone `baremetal` CLI
    try:
        region = _config().get_one(**defaults)
    except Exception as error:
        raise CloudsError(f"the OS_* variables are incomplete: {_plain(error)}") from None
    return Credentials("environment", region)


def _from_clouds_yaml(cloud: str) -> Credentials:
    config = _config()
    try:
        region = config.get_one(cloud=cloud)
    except Exception as error:
        read = config.config_filename or f"no clouds.yaml in {', '.join(_search_path())}"
        raise CloudsError(f"OS_CLOUD={cloud}: {_plain(error)} (read {read})") from None
    return Credentials("clouds.yaml", region, cloud, config.config_filename)


def _config() -> loader.OpenStackConfig:
    """openstacksdk's config loader, imported on first use (it takes a second to import)."""
    from openstack.config import loader

    return loader.OpenStackConfig(config_files=_search_path())


def _search_path() -> list[str]:
    """clouds.yaml in the current folder (looked up now, not at import), then the standard
    places: ~/.config/openstack and /etc/openstack."""
    from openstack.config import loader

    here = [os.path.join(os.getcwd(), f"clouds{suffix}") for suffix in loader.YAML_SUFFIXES]
    return here + [path for path in loader.CONFIG_FILES if path not in here]


def _plain(error: Exception) -> str:
    """The first line of a loader error, with the secrets found in OS_* variables replaced."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    for name, value in os.environ.items():
        if name.startswith("OS_") and is_secret_key(name) and value:
            text = text.replace(value, MASK)
    return text
