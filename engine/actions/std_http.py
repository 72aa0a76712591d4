"""``std.http``: one HTTP request through ``requests``; the response as a dict.

Bounded: connect and read timeouts by default (:mod:`engine.limits`; an explicit
``timeout`` input wins), and the body is read in chunks and refused once it passes the result
limit, so a 100 MB answer never sits in memory whole.
"""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine import limits
from engine.actions.base import Action, ActionContext, ActionError, Result
from engine.actions.failures import os_reason
from engine.actions.runner import size_limit_message

if TYPE_CHECKING:
    import requests

LOG = logging.getLogger(__name__)

SUCCESS_STATUSES = range(200, 307)  # Mistral treats 200..306 as success
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-auth-token", "cookie"})
CHUNK_BYTES = 64 * 1024


class HTTPAction(Action):
    """Sends an HTTP request; a status outside 200-306 fails the task with the response."""

    def __init__(
        self,
        url: str,
        method: str = "GET",
        params: Any = None,
        body: Any = None,
        json: Any = None,
        headers: dict[str, Any] | None = None,
        cookies: dict[str, str] | None = None,
        auth: Any = None,
        timeout: float | None = None,
        allow_redirects: bool | None = None,
        proxies: dict[str, str] | None = None,
        verify: Any = None,
    ) -> None:
        if body and json:
            raise ActionError("Only one of the parameters 'json' and 'body' can be supplied.")
        if isinstance(auth, str) and auth.count(":") == 1:
            auth = tuple(auth.split(":"))  # 'user:pass' -> basic auth
        elif isinstance(auth, list) and len(auth) == 2:
            auth = tuple(auth)
        self.url = url
        self.method = method
        self.params = params
        self.body = jsonlib.dumps(body) if isinstance(body, dict) else body
        self.json = json
        self.headers = {
            key: str(value) if isinstance(value, int | float) else value
            for key, value in (headers or {}).items()
        }
        self.cookies = cookies
        self.auth = auth
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.proxies = proxies
        self.verify = verify

    def secret_values(self) -> Iterator[str]:
        if isinstance(self.auth, tuple):
            yield from (str(part) for part in self.auth[1:])
        elif isinstance(self.auth, str):
            yield self.auth
        for key, value in self.headers.items():
            if key.lower() in SECRET_HEADERS:
                yield str(value)

    def run(self, context: ActionContext) -> Any:
        import requests  # here: an engine that sends no HTTP request need not import it

        LOG.info("HTTP action [method=%s, url=%s]", self.method, self.url)
        timeout = self.timeout if self.timeout is not None else request_timeouts(context)
        try:
            with requests.request(
                self.method,
                self.url,
                params=self.params,
                data=self.body,
                json=self.json,
                headers=self.headers or None,
                cookies=self.cookies,
                auth=self.auth,
                timeout=timeout,
                # null means no: Mistral passed None through, and requests then stops at a 3xx
                allow_redirects=bool(self.allow_redirects),
                proxies=self.proxies,
                verify=True if self.verify is None else self.verify,
                stream=True,
            ) as response:
                body = read_body(response)
        except requests.RequestException as exc:
            raise ActionError(f"Failed to send HTTP request: {plain_reason(exc, timeout)}") from exc
        LOG.debug("HTTP action response [status=%s, url=%s]", response.status_code, self.url)
        result = describe_response(response, body)
        if response.status_code not in SUCCESS_STATUSES:
            return Result(error=result)
        return result


def request_timeouts(context: ActionContext) -> tuple[float, float]:
    """(connect, read): the defaults, with the task's timeout policy as the read timeout when
    it has one (a task given 600 s may wait 600 s for an answer)."""
    connect, read = limits.current().timeouts
    return connect, read if context.timeout is None else float(context.timeout)


def read_body(response: requests.Response) -> bytes:
    """The whole body, or ActionError as soon as it passes the result limit."""
    limit = limits.current().result_limit_bytes
    declared = response.headers.get("Content-Length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise ActionError(size_limit_message(int(declared)))
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if limit is not None and len(body) > limit:
            raise ActionError(size_limit_message(len(body)))
    return bytes(body)


def plain_reason(error: requests.RequestException, timeout: Any) -> str:
    """Why the request failed, in words a user can act on (urllib3's chain of wrapped errors
    says the same with object addresses)."""
    import requests

    url = error.request.url if error.request is not None else "the server"
    if isinstance(error, requests.ConnectTimeout):
        return f"cannot reach {url}: no connection within {_seconds(timeout, 0)} s"
    if isinstance(error, requests.Timeout):
        return f"no answer from {url} within {_seconds(timeout, 1)} s (read timeout)"
    if isinstance(error, requests.ConnectionError):
        reason = os_reason(error)
        return f"cannot reach {url}: {reason}" if reason else f"cannot reach {url}"
    return str(error)


def _seconds(timeout: Any, index: int) -> Any:
    """The connect (0) or read (1) part of a ``requests`` timeout."""
    return timeout[index] if isinstance(timeout, tuple | list) else timeout


def describe_response(response: requests.Response, body: bytes) -> dict[str, Any]:
    """The response as Mistral gave it to workflows; content JSON-decoded when it is JSON."""
    try:
        content = jsonlib.loads(body)
    except ValueError:
        content = body.decode(response.encoding or "utf-8", errors="replace")
    return {
        "content": content,
        "status": response.status_code,
        "headers": dict(response.headers.items()),
        "url": response.url,
        "history": [
            {"status": hop.status_code, "url": hop.url, "reason": hop.reason}
            for hop in response.history
        ],
        "encoding": response.encoding,
        "reason": response.reason,
        "cookies": dict(response.cookies.items()),
        "elapsed": response.elapsed.total_seconds(),
    }
