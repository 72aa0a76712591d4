"""Secrets and their copies never printed (issue 15, failure 7): a secret input copied into a
published variable, the output, an action input (`"auth": "admin:<password>"`) and an error
message is `***` in every command; a deleted execution leaves no password in the state file or
its WAL."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.cli.engine_process import cli_command, start_engine, stop_engine

PASSWORD = "Hunter2-Sekret"
SECRETS = """\
version: '2.0'
name: secrets.v1
workflows:
  login:
    input: [url, admin_password]
    tasks:
      call:
        action: std.http url=<% $.url %> auth=<% 'admin:' + $.admin_password %>
        publish-on-error:
          copy: <% $.admin_password %>
          said: <% 'logged in with ' + $.admin_password %>
        on-complete: complain
      complain:
        action: std.fail error_data=<% 'could not log in with ' + $.admin_password %>
"""


def run(db, *args):
    done = subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=60)
    assert PASSWORD not in done.stdout + done.stderr, args
    return done


def value(db, *args):
    return json.loads(run(db, *args, "-f", "json").stdout)


@pytest.fixture
def finished(tmp_path, refused_url):
    """A state file with one ended `secrets.v1.login` execution; (db, execution id)."""
    (tmp_path / "secrets.yaml").write_text(SECRETS)
    db = tmp_path / "state.db"
    assert run(db, "workbook-create", str(tmp_path / "secrets.yaml")).returncode == 0
    start_engine(db)
    given = json.dumps({"url": refused_url, "admin_password": PASSWORD})
    execution = value(db, "execution-create", "secrets.v1.login", given, "--wait")
    yield db, execution["ID"]
    stop_engine(db)


def test_copies_of_a_secret_input_are_masked_in_every_command(finished):
    db, execution_id = finished
    assert json.loads(run(db, "execution-get-input", execution_id).stdout)["admin_password"] == (
        "***"
    )
    output = json.loads(run(db, "execution-get-output", execution_id).stdout)
    assert "could not log in with ***" in output["result"]
    tasks = {task["Name"]: task for task in value(db, "task-list", execution_id)}
    published = json.loads(run(db, "task-get-published", tasks["call"]["ID"]).stdout)
    assert published == {"copy": "***", "said": "logged in with ***"}
    assert tasks["complain"]["State info"] == "could not log in with ***"
    assert value(db, "task-get", tasks["complain"]["ID"])["State info"] == (
        "could not log in with ***"
    )
    (action,) = value(db, "action-execution-list", tasks["call"]["ID"])
    assert json.loads(run(db, "action-execution-get-input", action["ID"]).stdout)["auth"] == (
        "admin:***"
    )
    run(db, "execution-get", execution_id)
    run(db, "action-execution-list")


def test_a_deleted_execution_leaves_no_password_in_the_files(finished):
    db, execution_id = finished
    assert run(db, "execution-delete", execution_id).returncode == 0
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            assert PASSWORD.encode() not in path.read_bytes(), path.name
