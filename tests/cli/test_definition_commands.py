"""The workbook-*, workflow-* and action-* commands, run in-process on real state files."""

import json
import stat
from pathlib import Path

import pytest
import yaml

from tripleo_tui.cli import main

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tripleo-common"
CORPUS_FILES = sorted(CORPUS.glob("*.yaml"))
BUNDLED = {
    yaml.safe_load(path.read_text())["name"]
    for path in (Path(__file__).resolve().parents[2] / "workbooks").glob("*.yaml")
}

SMALL = """\
version: '2.0'
name: small.v1
tags: [demo]
workflows:
  keep:
    input: [a, b: 2]
    tasks:
      one:
        action: std.noop
  drop:
    tasks:
      one:
        action: std.noop
actions:
  say:
    base: std.echo
    base-input:
      output: <% $.text %>
    input: [text]
"""


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch):
    """Run `tripleo-tui --db <tmp> ...` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "data" / "state.sqlite"

    def run(*args):
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    run.db = db
    return run


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def as_json(cli, *args):
    code, out, err = cli(*args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def expected_input(params):
    """Input text as Mistral shows it, computed from the raw YAML."""
    parts = []
    for param in params or []:
        if isinstance(param, dict):
            ((name, default),) = param.items()
            parts.append(f"{name}={default}")
        else:
            parts.append(param)
    return ", ".join(parts)


def test_state_and_log_files_are_private(cli):
    code, _, _ = cli("workbook-list")
    assert code == 0
    assert stat.S_IMODE(cli.db.stat().st_mode) == 0o600
    assert stat.S_IMODE((cli.db.parent / "tripleo-tui.log").stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.db.parent.stat().st_mode) == 0o700


def delete_bundled(cli, names=BUNDLED):
    for name in names:
        assert cli("workbook-delete", name)[1] == (
            f"Request to delete workbook {name} has been accepted.\n"
        )


def test_our_workbooks_are_loaded_once(cli):
    assert {"tripleo.examples.v1", "tripleo.baremetal.v1"} <= BUNDLED
    assert {w["Name"] for w in as_json(cli, "workbook-list")} == BUNDLED
    hello = as_json(cli, "workflow-get", "tripleo.examples.v1.hello")
    assert hello["Input"] == "name=operator"
    delete_bundled(cli)
    (nothing,) = as_json(cli, "workbook-list")  # mistral 6.x: one row of empty cells
    assert set(nothing.values()) == {""}
    assert {w["Name"] for w in as_json(cli, "--reload", "workbook-list")} == BUNDLED


def test_empty_lists_print_one_row_of_empty_cells(cli):
    """As mistralclient 6.x (its formatter called with no object), not Pike's `<none>` row."""
    delete_bundled(cli)
    code, out, _ = cli("workflow-list")
    assert code == 0
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[1].split("|")[1:-1]] == [
        "ID",
        "Name",
        "Namespace",
        "Project ID",
        "Tags",
        "Input",
        "Scope",
        "Created at",
        "Updated at",
    ]
    assert [cell.strip() for cell in lines[3].split("|")[1:-1]] == [""] * 9


def test_all_corpus_workbooks(cli, tmp_path):
    assert len(CORPUS_FILES) == 14
    delete_bundled(cli, ["tripleo.baremetal.v1"])  # TripleO's own replaces ours
    expected_workbooks, expected_workflows = {}, {}
    for path in CORPUS_FILES:
        code, out, err = cli("workbook-create", str(path))
        assert code == 0, err
        raw = yaml.safe_load(path.read_text())
        expected_workbooks[raw["name"]] = "<none>"
        for short, body in raw["workflows"].items():
            expected_workflows[f"{raw['name']}.{short}"] = (
                ", ".join(body.get("tags", [])) or "<none>",
                expected_input(body.get("input")),
            )
        assert f"| Name       | {raw['name']}" in out
    listed = {w["Name"]: w["Tags"] for w in as_json(cli, "workbook-list")}
    assert listed == {"tripleo.examples.v1": "tripleo-tui-example", **expected_workbooks}
    assert len(expected_workbooks) == 14

    workflows = {
        w["Name"]: w for w in as_json(cli, "workflow-list") if w["Name"] in expected_workflows
    }
    assert set(workflows) == set(expected_workflows)
    for name, (tags, input_text) in expected_workflows.items():
        assert workflows[name]["Tags"] == tags
        cell = input_text if len(input_text) <= 25 else input_text[:25] + "..."
        assert workflows[name]["Input"] == cell, name
        assert workflows[name]["Project ID"] == "<default-project>"
    for name, (_, input_text) in expected_workflows.items():
        if len(input_text) > 25:
            assert as_json(cli, "workflow-get", name)["Input"] == input_text
            break


def test_workflow_get_shows_the_whole_input(cli):
    delete_bundled(cli, ["tripleo.baremetal.v1"])
    code, _, err = cli("workbook-create", str(CORPUS / "baremetal.yaml"))
    assert code == 0
    assert f"WARNING: {CORPUS / 'baremetal.yaml'}:341:17: workflows.provide_manageable" in err
    code, out, _ = cli("workflow-get", "tripleo.baremetal.v1.tag_node")
    assert code == 0
    assert "| Input      | node_uuid, role=None, queue_name=tripleo |" in out
    assert "| Name       | tripleo.baremetal.v1.tag_node            |" in out
    assert out.splitlines()[1] == "| Field      | Value                                    |"
    code, out, _ = cli("workflow-list", "-f", "value", "-c", "Name", "-c", "Input")
    assert "tripleo.baremetal.v1.tag_node node_uuid, role=None, que...\n" in out


def test_invalid_workbook_is_reported_and_not_stored(cli, tmp_path):
    broken = SMALL.replace(
        "action: std.noop\n  drop:", "action: std.noop\n        on-success: nowhere\n  drop:"
    )
    broken = broken.replace("input: [text]", "input: [text, text]")
    path = write(tmp_path, "broken.yaml", broken)
    code, out, err = cli("workbook-create", path)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "ERROR: Invalid definition (2 problems):"
    assert lines[1].startswith(f"  {path}:10:")
    assert "workflows.keep.tasks.one.on-success" in lines[1] and "nowhere" in lines[1]
    assert lines[2].startswith(f"  {path}:20:") and "actions.say.input" in lines[2]
    assert "small.v1" not in cli("workbook-list", "-f", "value")[1]

    code, out, err = cli("workbook-validate", path, "-f", "json")
    assert code == 1
    result = json.loads(out)
    assert result["Valid"] is False
    assert len(result["Error"].splitlines()) == 2
    code, out, _ = cli("workbook-validate", write(tmp_path, "ok.yaml", SMALL), "-f", "value")
    assert (code, out) == (0, "True\nNone\n")


def test_update_is_all_or_nothing(cli, tmp_path):
    path = write(tmp_path, "small.yaml", SMALL)
    assert cli("workbook-create", path)[0] == 0
    before = {w["Name"]: w["ID"] for w in as_json(cli, "workflow-list")}

    bad = write(
        tmp_path, "bad.yaml", SMALL.replace("  drop:", "  new:").replace("std.noop", "[", 1)
    )
    code, _, err = cli("workbook-update", bad)
    assert code == 1 and err.startswith("ERROR: Invalid definition")
    assert {w["Name"]: w["ID"] for w in as_json(cli, "workflow-list")} == before
    assert cli("workbook-get-definition", "small.v1")[1] == SMALL

    good = write(tmp_path, "good.yaml", SMALL.replace("  drop:", "  new:"))
    code, out, _ = cli("workbook-update", good, "-f", "json")
    assert code == 0 and json.loads(out)["Updated at"] is not None
    after = {w["Name"]: w["ID"] for w in as_json(cli, "workflow-list")}
    assert set(after) - set(before) == {"small.v1.new"}
    assert set(before) - set(after) == {"small.v1.drop"}
    assert after["small.v1.keep"] == before["small.v1.keep"]


def test_duplicate_and_missing(cli, tmp_path):
    path = write(tmp_path, "small.yaml", SMALL)
    cli("workbook-create", path)
    assert cli("workbook-create", path)[1:] == ("", "ERROR: Workbook 'small.v1' already exists\n")
    assert cli("workbook-get", "nope")[::2] == (1, "ERROR: Workbook 'nope' not found\n")
    code, out, err = cli("workbook-delete", "nope", "small.v1")
    assert code == 1
    assert out == "Request to delete workbook small.v1 has been accepted.\n"
    assert err.splitlines() == [
        "ERROR: Workbook 'nope' not found",
        "ERROR: Unable to delete the specified workbook(s).",
    ]
    assert not [w for w in as_json(cli, "workflow-list") if w["Name"].startswith("small.v1.")]
    assert cli("workbook-create", "missing.yaml")[2] == (
        "ERROR: Cannot read definition file 'missing.yaml': No such file or directory\n"
    )


def test_actions(cli, tmp_path):
    cli("workbook-create", write(tmp_path, "small.yaml", SMALL))
    actions = {a["Name"]: a for a in as_json(cli, "action-list")}
    assert actions["std.echo"]["Is system"] is True
    assert actions["std.echo"]["Input"] == "output, delay=0"
    assert actions["small.v1.say"]["Is system"] is False
    assert actions["small.v1.say"]["Input"] == "text"
    code, out, _ = cli("action-get", "small.v1.say", "-f", "yaml")
    assert code == 0 and yaml.safe_load(out)["Name"] == "small.v1.say"
    code, out, _ = cli("action-get", actions["std.sleep"]["ID"], "-c", "Name", "-f", "value")
    assert out == "std.sleep\n"


def test_standalone_workflows(cli, tmp_path):
    solo = "version: '2.0'\nsolo:\n  input: [x]\n  tasks:\n    t:\n      action: std.noop\n"
    path = write(tmp_path, "solo.yaml", solo)
    code, out, _ = cli("workflow-create", path, "-f", "json")
    (created,) = json.loads(out)
    assert (code, created["Name"], created["Input"]) == (0, "solo", "x")
    assert cli("workflow-create", path)[2] == "ERROR: Workflow 'solo' already exists\n"
    code, out, _ = cli("workflow-update", write(tmp_path, "s2.yaml", solo.replace("[x]", "[y]")))
    assert code == 0 and created["ID"] in out
    definition = cli("workflow-get-definition", "solo")[1]
    assert "solo:\n  input: [y]\n" in definition
    assert cli("workflow-validate", path)[0] == 0
    code, _, err = cli("workflow-delete", "tripleo.examples.v1.hello")
    assert code == 1 and "belongs to workbook 'tripleo.examples.v1'" in err
    assert cli("workflow-delete", created["ID"])[1] == (
        f"Request to delete workflow {created['ID']} has been accepted.\n"
    )


def test_unknown_column_is_an_error(cli):
    code, out, err = cli("workbook-list", "-c", "Nope")
    assert (code, out) == (1, "")
    assert err.startswith("ERROR: No recognized column names in ['Nope']")


def test_options_after_the_command(cli, tmp_path):
    other = tmp_path / "other.sqlite"
    assert main(["workbook-list", "--db", str(other)]) == 0
    assert other.exists()
