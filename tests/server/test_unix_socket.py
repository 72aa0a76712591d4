"""The served API on a unix socket only its owner can open."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.server.conftest import start_server, stop_server


async def test_a_unix_socket_is_private_and_serves_v2(tmp_path: Path):
    path = tmp_path / "engine.sock"
    path.write_bytes(b"")  # a stale non-socket file is not replaced
    refused = start_server_or_error(tmp_path / "a.db", f"unix:{path}")
    assert "is not a socket" in refused
    path.unlink()
    served = start_server(tmp_path / "state.db", "--listen", f"unix:{path}")
    try:
        assert served.url == f"unix:{path}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        connector = aiohttp.UnixConnector(path=str(path))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.get("http://engine/v2/workbooks") as response,
        ):
            names = [w["name"] for w in (await response.json())["workbooks"]]
        assert "tripleo.baremetal.v1" in names
    finally:
        stop_server(served)


def start_server_or_error(db: Path, listen: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "engine", "--listen", listen],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    return done.stderr
