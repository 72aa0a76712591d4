"""Mistral's target-cloud headers (X-Target-*): the cloud a request's OpenStack actions act on,
as python-mistralclient's `target_*` options send it and Mistral reads it (mistral/context.py).

Both ways here: our CLI sends them with each request that starts actions on a running engine
(execution-create, task-rerun, a resume, run-action), so the engine acts on the cloud of the
command that asked (its OS_CLOUD, OS_* variables or OS_ENDPOINT), not on its own; the Mistral
backend sends them for credentials without Keystone; and our server reads them back into an
engine.callers.Caller. What travels is a Keystone token, the Keystone URL and project, or for a
service without Keystone (a standalone Ironic) its endpoints as a service catalog: never a
password (the token is got in the sending process, where the password stays).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.callers import Caller

if TYPE_CHECKING:
    from engine.clouds import Credentials

AUTH_URI = "X-Target-Auth-Uri"
AUTH_TOKEN = "X-Target-Auth-Token"
PROJECT_ID = "X-Target-Project-Id"
REGION_NAME = "X-Target-Region-Name"
INSECURE = "X-Target-Insecure"
SERVICE_CATALOG = "X-Target-Service-Catalog"
NO_KEYSTONE_TOKEN = "no-keystone"  # Mistral wants a target token; an Ironic without auth ignores it
# A process whose environment names none of these acts on no cloud of its own choosing.
CLOUD_VARIABLES = ("OS_CLOUD", "OS_AUTH_URL", "OS_ENDPOINT")


class TargetCloudError(ValueError):
    """Target-cloud headers that do not describe a cloud (the request is refused, 400)."""


def target_cloud_headers(credentials: Credentials | None) -> dict[str, str]:
    """The X-Target-* headers naming the endpoints of credentials without Keystone (their
    catalog as a Keystone v3 token body, base64); none for other credentials."""
    if credentials is None or credentials.auth_type != "none":
        return {}
    endpoints = credentials.known_endpoints()
    if not endpoints:
        return {}
    return {
        AUTH_URI: endpoints[0][1],
        AUTH_TOKEN: NO_KEYSTONE_TOKEN,
        **_catalog(credentials, endpoints),
    }


def caller_headers() -> dict[str, str]:
    """This process's own cloud as X-Target-* headers, for the engine to act on; {} when no
    OS_* variable or clouds.yaml names one (the engine then acts on its own). With Keystone,
    this logs in for a token (blocking): a login that fails raises CloudsError, so nothing is
    started on the wrong cloud."""
    if not any(os.environ.get(name) for name in CLOUD_VARIABLES):
        return {}
    from engine import clouds

    credentials = clouds.resolve()
    if credentials is None:
        return {}
    if credentials.auth_type == "none":
        return target_cloud_headers(credentials)
    session = credentials.session()
    try:
        token = session.get_token()
        project_id = session.get_project_id()
    except Exception as error:
        message = f"cannot log in to act on your cloud ({credentials.describe()}): {error}"
        raise clouds.CloudsError(credentials.scrub(message)) from None
    headers = {AUTH_URI: credentials.region.config["auth"]["auth_url"], AUTH_TOKEN: token}
    if project_id:
        headers[PROJECT_ID] = project_id
    region = credentials.region.get_region_name()
    if region:
        headers[REGION_NAME] = region
    if credentials.region.config.get("verify") is False:
        headers[INSECURE] = "True"
    endpoints = credentials.known_endpoints()
    return headers | (_catalog(credentials, endpoints) if endpoints else {})


def _catalog(credentials: Credentials, endpoints: list[tuple[str, str]]) -> dict[str, str]:
    region = credentials.region.get_region_name()
    where = {"region": region, "region_id": region} if region else {}
    catalog = [
        {"type": kind, "endpoints": [{"interface": "public", "url": url, **where}]}
        for kind, url in endpoints
    ]
    token_body = json.dumps({"methods": ["token"], "catalog": catalog})
    return {SERVICE_CATALOG: base64.b64encode(token_body.encode()).decode()}


def caller_from_headers(headers: Mapping[str, str]) -> Caller | None:
    """The Caller a request's X-Target-* headers name (None without them): openstacksdk
    settings for its cloud, the catalog's endpoints as endpoint overrides. Raises
    TargetCloudError, with Mistral's words, when they are incomplete or unreadable."""
    uri, token = headers.get(AUTH_URI), headers.get(AUTH_TOKEN)
    if not uri:
        return None
    if not token:
        raise TargetCloudError(
            "Target auth URI (X-Target-Auth-Uri) target auth token (X-Target-Auth-Token) "
            "must be present"
        )
    insecure = headers.get(INSECURE, "False")
    if insecure not in ("True", "False"):
        raise TargetCloudError('X-Target-Insecure must be either "True", "False" or not provided')
    project_id = headers.get(PROJECT_ID) or None
    cloud: dict[str, Any] = {
        f"{kind.replace('-', '_')}_endpoint_override": url
        for kind, url in _endpoints(headers.get(SERVICE_CATALOG))
    }
    if headers.get(REGION_NAME):
        cloud["region_name"] = headers[REGION_NAME]
    if insecure == "True":
        cloud["verify"] = False
    if token == NO_KEYSTONE_TOKEN:
        return Caller("", None, cloud | {"auth_type": "none"})
    auth = {"auth_url": uri, "token": token}
    if project_id:
        auth["project_id"] = project_id
    return Caller(token, project_id, cloud | {"auth_type": "v3token", "auth": auth})


def _endpoints(encoded: str | None) -> list[tuple[str, str]]:
    """(service type, URL) of each service in a base64 Keystone token body's catalog, its
    public endpoint first."""
    if not encoded:
        return []
    try:
        body = json.loads(base64.b64decode(encoded, validate=True))
        found = []
        for service in body.get("catalog") or ():
            ordered = sorted(service["endpoints"], key=lambda e: e.get("interface") != "public")
            if ordered:
                found.append((service["type"], ordered[0]["url"]))
        return found
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise TargetCloudError(
            "X-Target-Service-Catalog must be a base64 Keystone token body with a catalog"
        ) from None
