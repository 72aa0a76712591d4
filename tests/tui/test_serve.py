"""`tripleo-tui serve`: the console in a browser. A real server process; the browser's part
is played by aiohttp: the page, then the websocket the page opens, over which the console's
first screen arrives."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

import aiohttp

from tripleo_tui.serve import free_port

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def first_screen(url: str, wanted: str, timeout: float = 60.0) -> str:
    """The text that came over the page's websocket until `wanted` appeared in it."""
    seen = ""
    async with aiohttp.ClientSession() as client:
        page = await (await client.get(url)).text()
        ws_url = re.search(r'data-session-websocket-url="([^"]+)"', page).group(1)
        async with client.ws_connect(f"{ws_url}?width=120&height=40") as websocket:
            async with asyncio.timeout(timeout):
                async for message in websocket:
                    data = message.data
                    chunk = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
                    seen += str(chunk)  # an escape sequence may span two messages
                    if wanted in ESCAPES.sub("", seen):
                        return ESCAPES.sub("", seen)
    return ESCAPES.sub("", seen)


async def listening(port: int, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


async def test_the_console_arrives_over_the_websocket_and_only_with_the_token(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tripleo_tui", "--db", str(tmp_path / "state.sqlite")]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = await asyncio.to_thread(server.stdout.readline)
        url = re.search(r"http://127\.0\.0\.1:\d+/[\w-]{16,}/", line).group(0)
        await listening(port)  # the URL is printed as the server starts, before it listens
        async with aiohttp.ClientSession() as client:
            for guess in ("/", "/ws", "/static/js/textual.js", "/wrong-token/"):
                response = await client.get(f"http://127.0.0.1:{port}{guess}")
                assert response.status == 404, guess
        seen = await first_screen(url, "Workbooks")
        assert "Workbooks" in seen and "q Quit" in seen  # the first pane and its key bar
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
