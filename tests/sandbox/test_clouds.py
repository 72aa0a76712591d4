"""Credentials resolution (engine.clouds): stackrc variables, clouds.yaml, a bare endpoint and
the sandbox; clients against the real sandbox Ironic; secrets never shown."""

from __future__ import annotations

import logging
import os
import socket

import pytest

from engine import clouds
from engine.sandbox import DIR_ENV, ENDPOINT_SOURCE

PASSWORD = "Sw0rdfish-7f3c"
STACKRC = {
    "OS_AUTH_URL": "https://192.0.2.1:13000/v3",
    "OS_USERNAME": "admin",
    "OS_PASSWORD": PASSWORD,
    "OS_PROJECT_NAME": "admin",
    "OS_USER_DOMAIN_NAME": "Default",
    "OS_PROJECT_DOMAIN_NAME": "Default",
    "OS_IDENTITY_API_VERSION": "3",
    "OS_REGION_NAME": "regionOne",
    "OS_CACERT": "/etc/pki/ca-trust/source/anchors/undercloud-cacert.pem",
}
CLOUDS_YAML = f"""\
clouds:
  undercloud:
    auth:
      auth_url: https://192.0.2.1:13000
      username: admin
      password: {PASSWORD}
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: regionOne
    identity_api_version: 3
"""


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    """No OS_* variables, the current folder empty, no sandbox: each test sets what it needs."""
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "no-sandbox"))
    clouds.reset()
    yield
    clouds.reset()


def _shows_no_secret(credentials: clouds.Credentials) -> None:
    for text in (repr(credentials), str(credentials), credentials.describe()):
        assert PASSWORD not in text


def test_stackrc_variables(monkeypatch):
    for name, value in STACKRC.items():
        monkeypatch.setenv(name, value)
    credentials = clouds.resolve()
    assert (credentials.source, credentials.auth_type) == ("environment", "password")
    assert credentials.auth["password"] == "***"
    assert credentials.auth["username"] == "admin"
    assert credentials.describe() == (
        "Keystone https://192.0.2.1:13000/v3 as admin (project admin), region regionOne; "
        "from OS_* variables"
    )
    assert credentials.session().verify == STACKRC["OS_CACERT"]
    _shows_no_secret(credentials)
    assert PASSWORD in credentials.secrets()
    assert credentials.scrub(f"login as admin/{PASSWORD} refused") == "login as admin/*** refused"


def test_clouds_yaml_in_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "clouds.yaml").write_text(CLOUDS_YAML)
    monkeypatch.setenv("OS_CLOUD", "undercloud")
    credentials = clouds.resolve()
    assert (credentials.source, credentials.cloud_name) == ("clouds.yaml", "undercloud")
    assert credentials.config_file == str(tmp_path / "clouds.yaml")
    assert credentials.describe() == (
        "Keystone https://192.0.2.1:13000 as admin (project admin), region regionOne; "
        f"cloud 'undercloud' from {tmp_path / 'clouds.yaml'}"
    )
    _shows_no_secret(credentials)
    assert "undercloud" in clouds.describe()


def test_an_unknown_cloud_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "clouds.yaml").write_text(CLOUDS_YAML)
    monkeypatch.setenv("OS_CLOUD", "overcloud")
    with pytest.raises(clouds.CloudsError) as raised:
        clouds.resolve()
    message = str(raised.value)
    assert "OS_CLOUD=overcloud" in message and str(tmp_path / "clouds.yaml") in message
    assert PASSWORD not in message


def test_a_bare_endpoint_needs_no_login(monkeypatch, ironic_sandbox):
    monkeypatch.setenv("OS_ENDPOINT", ironic_sandbox)
    credentials = clouds.current()
    assert (credentials.source, credentials.auth_type) == ("environment", "none")
    assert (
        clouds.describe() == f"Ironic {ironic_sandbox} without authentication; from OS_* variables"
    )
    client = clouds.ironic_client()
    assert client is clouds.ironic_client(), "one client per service, reused"
    names = {node.name for node in client.node.list()}
    assert {"control-0", "compute-0", "compute-1", "compute-2"} <= names
    with pytest.raises(clouds.CloudsError, match="no Heat endpoint"):
        clouds.heat_client()
    clouds.reset()
    assert clouds.ironic_client() is not client


def test_explicit_no_auth_with_a_baremetal_override(monkeypatch, ironic_sandbox):
    monkeypatch.setenv("OS_AUTH_TYPE", "none")
    monkeypatch.setenv("OS_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OS_BAREMETAL_ENDPOINT_OVERRIDE", ironic_sandbox)
    assert clouds.current().endpoint("baremetal") == ironic_sandbox
    assert len(clouds.ironic_client().node.list()) >= 4


def test_the_running_sandbox_is_the_fallback(monkeypatch, ironic_sandbox, ironic_sandbox_dir):
    monkeypatch.setenv(DIR_ENV, str(ironic_sandbox_dir))
    monkeypatch.setattr(clouds, "_endpoint_sources", {})
    assert clouds.resolve() is None, "no source added: the sandbox is not looked at"
    clouds.add_endpoint_source(ENDPOINT_SOURCE)
    credentials = clouds.current()
    assert credentials.source == "sandbox"
    assert clouds.describe() == f"Ironic {ironic_sandbox} without authentication; the local sandbox"
    assert len(clouds.ironic_client().node.list()) >= 4


def test_no_endpoint_at_all():
    assert clouds.resolve() is None
    assert clouds.describe() == clouds.NO_ENDPOINT
    with pytest.raises(clouds.CloudsError, match="tripleo-tui sandbox up"):
        clouds.ironic_client()


def test_a_failed_login_never_shows_the_password(monkeypatch, caplog):
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for name, value in STACKRC.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OS_AUTH_URL", f"http://127.0.0.1:{closed_port}/v3")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(clouds.CloudsError) as raised:
        clouds.ironic_client()
    message = str(raised.value)
    assert f"127.0.0.1:{closed_port}" in message
    assert PASSWORD not in message
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(raised.value.__context__ or "")
