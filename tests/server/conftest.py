"""A real `tripleo-tui engine --listen 127.0.0.1:0` process serving Mistral's v2 API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mistralclient.api import client as mistral_client

from tests.cli.engine_process import stop_engine, wait_for

SERVING = re.compile(r"Serving Mistral's v2 API at (\S+)")


@dataclass
class Served:
    url: str
    db: Path
    process: subprocess.Popen

    def client(self, **options):
        """python-mistralclient, as any program would make it."""
        return mistral_client.client(mistral_url=self.url, **options)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """The `mistral` command of python-mistralclient, in a subprocess."""
        done = subprocess.run(
            [mistral_command(), "--os-mistral-url", self.url, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done


def mistral_command() -> str:
    """The `mistral` script installed beside this Python."""
    return str(Path(sys.executable).with_name("mistral"))


def start_server(db: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """`tripleo-tui engine --listen ...`, returned once it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "engine", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    log = db.parent / "tripleo-tui.log"

    def served() -> str | None:
        if process.poll() is not None:
            return "exited"
        found = SERVING.search(log.read_text()) if log.exists() else None
        return found.group(1) if found else None

    url = wait_for(served, what="the server to listen")
    assert url != "exited", process.communicate()[1]
    return Served(url, db, process)


def stop_server(served: Served) -> None:
    stop_engine(served.db)
    served.process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path, ironic_sandbox: str) -> Iterator[Served]:
    """An engine serving on a free loopback port; its actions use the sandbox Ironic."""
    served = start_server(
        tmp_path / "state.db", "--listen", "127.0.0.1:0", env={"OS_ENDPOINT": ironic_sandbox}
    )
    yield served
    stop_server(served)


# Nodes of a test's own on the sandbox Ironic (the node tests' fixtures).
from tests.openstack.conftest import ironic_cloud, make_node  # noqa: E402, F401
