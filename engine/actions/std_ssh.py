"""``std.ssh``: run a command on one host or a list of hosts over SSH (paramiko), with
Mistral's input, results and error message.

As in Mistral, host keys are accepted on first sight, ``password`` is both the login password
and the private key's passphrase, a relative ``private_key_filename`` is under ``~/.ssh/`` and
may not contain ``..``, and the error names the command and host but not the cause (that goes
to the log: it may quote the remote output). Ours also takes ``host:port``, and gives up
connecting after a minute instead of waiting forever.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterable
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError

LOG = logging.getLogger(__name__)
KEY_PATH = os.path.expanduser("~/.ssh/")
CONNECT_TIMEOUT = 60.0
SSH_PORT = 22


class SSHAction(Action):
    """Runs a command over SSH on one host (the result is its standard output) or a list of
    hosts (a list of results, in order). A command that exits non-zero fails the action, or,
    with return_result_on_error, gives {stdout, stderr, exit_code} for every host."""

    def __init__(
        self,
        cmd: str,
        host: Any,
        username: str,
        password: str = "",
        private_key_filename: str | None = None,
        private_key: str | None = None,
        return_result_on_error: bool = False,
    ) -> None:
        self.cmd = cmd
        self.host = host
        self.username = username
        self.password = password
        self.private_key_filename = private_key_filename
        self.private_key = private_key
        self.return_result_on_error = return_result_on_error

    def secret_values(self) -> Iterable[str]:
        return [str(value) for value in (self.password, self.private_key) if value]

    def run(self, context: ActionContext) -> Any:
        hosts = self.host if isinstance(self.host, list) else [self.host]
        failure = f"Failed to execute ssh cmd '{self.cmd}' on {hosts}"
        results = []
        try:
            key = _private_key(self.private_key_filename, self.private_key, self.password)
            for host in hosts:
                exit_code, stdout, stderr = _execute(
                    str(host), self.username, self.password, key, str(self.cmd)
                )
                if self.return_result_on_error:
                    results.append({"stdout": stdout, "stderr": stderr, "exit_code": exit_code})
                elif exit_code:
                    raise ActionError(failure)
                else:
                    results.append(stdout)
        except ActionError:
            raise
        except Exception as error:
            LOG.warning("%s: %s: %s", failure, type(error).__name__, error)
            raise ActionError(failure) from None
        return results if len(results) > 1 else results[0]


def _private_key(filename: str | None, text: str | None, password: str | None) -> Any:
    """The paramiko key from `text` or the file, trying RSA, ECDSA and Ed25519; None for
    neither."""
    import paramiko

    if filename and ("../" in filename or "..\\" in filename):
        raise ActionError(f"Private key filename must not contain '..'. Actual: {filename}")
    if not text and not filename:
        return None
    path = filename if filename and filename.startswith("/") else KEY_PATH + (filename or "")
    last_error: Exception | None = None
    for key_class in (paramiko.RSAKey, paramiko.ECDSAKey, paramiko.Ed25519Key):
        try:
            if text:
                return key_class.from_private_key(io.StringIO(text), password=password or None)
            return key_class.from_private_key_file(path, password=password or None)
        except (OSError, paramiko.SSHException) as error:
            last_error = error
    raise last_error  # type: ignore[misc]


def _execute(
    host: str, username: str, password: str | None, key: Any, cmd: str
) -> tuple[int, str, str]:
    import paramiko

    name, port = _host_and_port(host)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(
            name,
            port=port,
            username=username,
            password=password or None,
            pkey=key,
            timeout=CONNECT_TIMEOUT,
        )
        channel = client.get_transport().open_session()
        channel.exec_command(cmd)
        stdout = channel.makefile("rb").read().decode("utf-8")
        stderr = channel.makefile_stderr("rb").read().decode("utf-8")
        return channel.recv_exit_status(), stdout, stderr
    finally:
        client.close()


def _host_and_port(host: str) -> tuple[str, int]:
    """``name``, ``name:port``, ``[v6]:port`` or a bare IPv6 address."""
    if host.startswith("[") and "]:" in host:
        name, _, port = host[1:].partition("]:")
        return name, int(port)
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        return name, int(port)
    return host, SSH_PORT
