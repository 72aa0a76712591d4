"""Who may call the served API: loopback by default; elsewhere only with a token check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from mistralclient.api.base import APIException

from tests.cli.engine_process import lease_pid
from tests.server.conftest import start_server, stop_server

WORKBOOK = """\
version: '2.0'
name: guarded.v1
workflows:
  w:
    tasks:
      t:
        action: std.noop
"""


def engine(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "engine", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_non_loopback_address_without_auth_is_refused(tmp_path: Path):
    done = engine(tmp_path / "state.db", "--listen", "0.0.0.0:0")
    assert done.returncode != 0
    assert "refusing to serve a non-loopback address without authentication" in done.stderr
    assert "Traceback" not in done.stderr
    assert lease_pid(tmp_path / "state.db") is None


def test_a_token_file_others_can_read_is_refused(tmp_path: Path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    token.chmod(0o644)
    done = engine(tmp_path / "state.db", "--listen", "127.0.0.1:0", "--auth-token-file", str(token))
    assert done.returncode != 0
    assert "chmod 600" in done.stderr and "s3cret-token" not in done.stderr


@pytest.fixture
def guarded(tmp_path: Path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    token.chmod(0o600)
    served = start_server(
        tmp_path / "state.db", "--listen", "127.0.0.1:0", "--auth-token-file", str(token)
    )
    yield served
    stop_server(served)


def test_without_a_valid_token_nothing_happens(guarded):
    for headers in ({}, {"X-Auth-Token": "wrong"}):
        response = requests.post(
            f"{guarded.url}/workbooks",
            data=WORKBOOK,
            headers={"Content-Type": "text/plain", **headers},
            timeout=10,
        )
        assert response.status_code == 401
        assert "X-Auth-Token" in response.json()["faultstring"]
    with pytest.raises(APIException) as refused:
        guarded.client().workbooks.list()
    assert refused.value.error_code == 401
    listed = guarded.client(auth_token="s3cret-token").workbooks.list()
    assert "guarded.v1" not in [w.name for w in listed]


def test_the_static_token_is_accepted(guarded):
    client = guarded.client(auth_token="s3cret-token")
    client.workbooks.create(WORKBOOK)
    assert "guarded.v1" in [w.name for w in client.workbooks.list()]
    root = requests.get(guarded.url.removesuffix("/v2") + "/", timeout=10)
    assert root.status_code == 200  # version discovery needs no token
    assert "s3cret-token" not in (guarded.db.parent / "tripleo-tui.log").read_text()
