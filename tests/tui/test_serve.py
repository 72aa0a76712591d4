"""`tripleo-tui serve`: the console in a browser. A real server process and a real browser
(Chromium driven by Playwright): the page runs textual-serve's terminal, the console's first
screen arrives over the websocket it opens, and a key typed in the page reaches the console."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright

from tripleo_tui.serve import free_port

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def chromium() -> str:
    """The system's Chromium (Playwright's own download needs its CDN; `.ci/run` installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("this test needs Chromium on PATH: apt-get install chromium")
    return found


class Terminal:
    """What the page's websocket brought, as text: the console's screen output."""

    def __init__(self, page: Page) -> None:
        self.seen = ""
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, frame: str | bytes) -> None:
        self.seen += frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame

    async def shows(self, wanted: str, timeout: float = 60.0) -> str:
        """The text so far, once `wanted` is in it (an escape may span two frames)."""
        async with asyncio.timeout(timeout):
            while wanted not in (text := ESCAPES.sub("", self.seen)):
                await asyncio.sleep(0.1)
        return text


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


async def test_the_console_runs_in_a_browser_and_only_with_the_token(tmp_path):
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
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium(), args=["--no-sandbox"]
            )
            page = await browser.new_page(viewport={"width": 1200, "height": 800})
            terminal = Terminal(page)
            await page.goto(url)
            first = await terminal.shows("Workbooks")
            assert "q Quit" in first  # the first pane and its key bar
            await page.focus(".xterm-helper-textarea")  # xterm.js takes keys there
            await page.keyboard.press("3")
            await terminal.shows("tripleo-tui — Executions")  # the key reached the console
            await browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
