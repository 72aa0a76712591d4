"""std.ssh against a real OpenSSH server on loopback, run from a temporary folder for the test
session (key login only; .ci/run installs openssh-server)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from engine.actions import ActionContext, get_action, run_action

SSHD = "/usr/sbin/sshd"
PASSPHRASE = "key-passphrase-7"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keygen(path: Path, kind: str = "ed25519", passphrase: str = "") -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-f", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """An sshd on a free loopback port; yields (host:port, user, keys folder)."""
    assert os.path.exists(SSHD), "openssh-server is not installed (apt-get install openssh-server)"
    folder = tmp_path_factory.mktemp("sshd")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # OpenSSH's privilege separation dir
    keygen(folder / "host_key")
    keys = [keygen(folder / "id_ed25519"), keygen(folder / "id_rsa", "rsa", PASSPHRASE)]
    authorized = folder / "authorized_keys"
    authorized.write_text("".join(Path(f"{key}.pub").read_text() for key in keys))
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\n"
    )
    log = folder / "sshd.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log_file)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "sshd did not start"
                time.sleep(0.05)
        yield f"127.0.0.1:{port}", getpass.getuser(), folder
        server.terminate()
        server.wait(timeout=10)


async def ssh(**given):
    return await run_action("std.ssh", given, ActionContext())


def test_the_input_is_mistrals():
    assert get_action("std.ssh").input_text == (
        'cmd, host, username, password="", private_key_filename=null, private_key=null, '
        "return_result_on_error=false"
    )


async def test_a_command_returns_its_output(sshd):
    host, user, folder = sshd
    outcome = await ssh(
        cmd="echo hello; echo oops >&2",
        host=host,
        username=user,
        private_key_filename=str(folder / "id_ed25519"),
    )
    assert outcome.ok, outcome.error
    assert outcome.data == "hello\n"


async def test_a_key_given_as_text_with_a_passphrase_and_a_list_of_hosts(sshd):
    host, user, folder = sshd
    outcome = await ssh(
        cmd="printf %s $((6 * 7))",
        host=[host, host],
        username=user,
        password=PASSPHRASE,
        private_key=(folder / "id_rsa").read_text(),
    )
    assert outcome.ok, outcome.error
    assert outcome.data == ["42", "42"]


async def test_a_failing_command_fails_naming_command_and_host_only(sshd):
    host, user, folder = sshd
    key = str(folder / "id_ed25519")
    outcome = await ssh(
        cmd="echo remote-out; exit 3", host=host, username=user, private_key_filename=key
    )
    assert outcome.error == f"Failed to execute ssh cmd 'echo remote-out; exit 3' on ['{host}']"
    kept = await ssh(
        cmd="echo out; echo err >&2; exit 3",
        host=host,
        username=user,
        private_key_filename=key,
        return_result_on_error=True,
    )
    assert kept.data == {"stdout": "out\n", "stderr": "err\n", "exit_code": 3}


async def test_a_refused_login_and_a_bad_key_path(sshd):
    host, user, folder = sshd
    other = keygen(folder / "not_authorized")
    refused = await ssh(cmd="true", host=host, username=user, private_key_filename=str(other))
    assert refused.error == f"Failed to execute ssh cmd 'true' on ['{host}']"
    climbing = await ssh(cmd="true", host=host, username=user, private_key_filename="../x")
    assert climbing.error == "Private key filename must not contain '..'. Actual: ../x"


async def test_the_password_is_masked_in_errors(sshd):
    host, user, folder = sshd
    shutil.copy(folder / "id_rsa", folder / "copy_rsa")
    outcome = await ssh(
        cmd="echo wrong-pass-9",
        host=host,
        username=user,
        password="wrong-pass-9",
        private_key_filename=str(folder / "copy_rsa"),
    )
    assert outcome.error == "Failed to execute ssh cmd 'echo ***' on ['" + host + "']"
