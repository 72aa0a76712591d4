"""std.http against a real HTTP server on loopback."""

from __future__ import annotations

import logging
import socket

from engine.actions import run_action
from tests.actions.conftest import BASIC_PASSWORD, BASIC_USER


async def test_get_decodes_json_content_and_reports_the_response(http_url):
    outcome = await run_action("std.http", {"url": f"{http_url}/echo", "params": {"q": "x"}})
    assert outcome.ok
    result = outcome.data
    assert result["status"] == 200
    assert result["reason"] == "OK"
    assert result["content"]["method"] == "GET"
    assert result["content"]["query"] == {"q": ["x"]}
    assert result["url"] == f"{http_url}/echo?q=x"
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["cookies"] == {"session": "abc"}
    assert result["history"] == []
    assert isinstance(result["elapsed"], float)


async def test_text_content_stays_text(http_url):
    outcome = await run_action("std.http", {"url": f"{http_url}/text"})
    assert outcome.data["content"] == "plain words é"
    assert outcome.data["encoding"] == "utf-8"


async def test_dict_body_is_sent_as_json_and_numeric_headers_as_text(http_url):
    outcome = await run_action(
        "std.http",
        {
            "url": f"{http_url}/echo",
            "method": "POST",
            "body": {"a": 1},
            "headers": {"X-Count": 3},
        },
    )
    sent = outcome.data["content"]
    assert sent["method"] == "POST"
    assert sent["body"] == '{"a": 1}'
    assert sent["headers"]["X-Count"] == "3"


async def test_json_input_is_sent_as_json(http_url):
    outcome = await run_action(
        "std.http", {"url": f"{http_url}/echo", "method": "PUT", "json": [1, 2]}
    )
    assert outcome.data["content"]["body"] == "[1, 2]"
    assert outcome.data["content"]["headers"]["Content-Type"] == "application/json"


async def test_body_and_json_together_are_refused(http_url):
    outcome = await run_action("std.http", {"url": http_url, "body": "x", "json": {"a": 1}})
    assert outcome.error == "Only one of the parameters 'json' and 'body' can be supplied."


async def test_error_status_fails_with_the_response_as_error(http_url):
    outcome = await run_action("std.http", {"url": f"{http_url}/status/404"})
    assert not outcome.ok
    assert outcome.data is None
    assert outcome.error["status"] == 404
    assert outcome.error["content"] == {"problem": "as asked"}


async def test_status_306_is_still_success_and_307_is_not(http_url):
    assert (await run_action("std.http", {"url": f"{http_url}/status/306"})).ok
    assert (await run_action("std.http", {"url": f"{http_url}/status/307"})).error["status"] == 307


async def test_basic_auth_from_user_colon_password(http_url):
    auth = f"{BASIC_USER}:{BASIC_PASSWORD}"
    outcome = await run_action("std.http", {"url": f"{http_url}/auth", "auth": auth})
    assert outcome.data["content"] == {"user": BASIC_USER}
    refused = await run_action("std.http", {"url": f"{http_url}/auth", "auth": "admin:wrong"})
    assert refused.error["status"] == 401


async def test_redirects_are_followed_only_when_asked(http_url):
    stopped = await run_action("std.http", {"url": f"{http_url}/redirect"})
    assert stopped.data["status"] == 302  # Mistral's default: null means do not follow
    followed = await run_action(
        "std.http", {"url": f"{http_url}/redirect", "allow_redirects": True}
    )
    assert followed.data["status"] == 200
    assert followed.data["history"] == [
        {"status": 302, "url": f"{http_url}/redirect", "reason": "Found"}
    ]


async def test_unreachable_server_fails_without_showing_the_password(caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.DEBUG)
    outcome = await run_action(
        "std.http",
        {
            "url": f"http://127.0.0.1:{port}/",
            "auth": f"{BASIC_USER}:{BASIC_PASSWORD}",
            "headers": {"X-Auth-Token": "tok-123456"},
            "timeout": 5,
        },
    )
    assert outcome.error.startswith("Failed to send HTTP request: ")
    assert BASIC_PASSWORD not in outcome.error
    assert BASIC_PASSWORD not in caplog.text
    assert "tok-123456" not in caplog.text
