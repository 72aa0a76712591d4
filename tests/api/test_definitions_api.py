"""engine.api for definitions: parse-then-store, prefixes, specs, our own workbooks."""

from pathlib import Path

import pytest

from engine.api.embedded import EmbeddedBackend
from engine.lang import DefinitionError
from engine.store import AlreadyExistsError, NotFoundError

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tripleo-common"

WORKBOOK = """\
version: '2.0'
name: demo.v1
description: A demo
tags: [one, two]
workflows:
  first:
    input:
      - who
      - greeting: hello
    tasks:
      say:
        action: demo.v1.shout text=<% $.who %>
  second:
    tasks:
      wait:
        action: std.sleep seconds=1
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.text %>
    input:
      - text
    description: Echo loudly
"""

STANDALONE = """\
version: '2.0'
solo:
  input: [x]
  tasks:
    only:
      action: std.noop
"""


@pytest.fixture
async def api(tmp_path):
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    opened = await EmbeddedBackend.open(tmp_path / "state.sqlite", workbooks_folder=empty)
    yield opened
    await opened.close()


async def test_workbook_contents_are_stored_under_its_prefix(api):
    workbook = await api.create_workbook(WORKBOOK, "demo.yaml")
    assert (workbook.name, workbook.description) == ("demo.v1", "A demo")
    assert workbook.tags == ("one", "two")
    assert workbook.definition == WORKBOOK
    names = [w.name for w in await api.list_workflows()]
    assert names == ["demo.v1.first", "demo.v1.second"]
    first = await api.get_workflow("demo.v1.first")
    assert first.input == "who, greeting=hello" and first.workbook_name == "demo.v1"
    shout = await api.get_action("demo.v1.shout")
    assert (shout.is_system, shout.input, shout.description) == (False, "text", "Echo loudly")


async def test_action_list_merges_system_and_adhoc_actions(api):
    await api.create_workbook(WORKBOOK, "demo.yaml")
    actions = await api.list_actions()
    by_name = {action.name: action for action in actions}
    assert [a.name for a in actions] == sorted(by_name)
    assert by_name["std.echo"].is_system and by_name["std.echo"].input == "output, delay=0"
    assert not by_name["demo.v1.shout"].is_system
    assert (await api.get_action(by_name["std.echo"].id)).name == "std.echo"
    with pytest.raises(NotFoundError, match="Action 'nope' not found"):
        await api.get_action("nope")


async def test_workbook_action_cannot_shadow_a_system_action(api):
    text = "version: '2.0'\nname: std\nactions:\n  echo:\n    base: std.noop\n"
    with pytest.raises(AlreadyExistsError, match="Action 'std.echo' already exists"):
        await api.create_workbook(text, "std.yaml")
    assert await api.list_workbooks() == []


async def test_invalid_update_changes_nothing(api):
    await api.create_workbook(WORKBOOK, "demo.yaml")
    before = await api.list_workflows()
    broken = WORKBOOK.replace("second:", "third:").replace("action: std.sleep", "action: [")
    with pytest.raises(DefinitionError) as caught:
        await api.update_workbook(broken, "demo.yaml")
    assert all(p.file == "demo.yaml" and p.line > 0 for p in caught.value.problems)
    assert await api.list_workflows() == before
    assert await api.get_workbook_definition("demo.v1") == WORKBOOK


async def test_validate_reports_without_storing(api):
    assert (await api.validate_workbook(WORKBOOK, "demo.yaml")).valid
    broken = await api.validate_workbook(WORKBOOK.replace("    base: std.echo\n", ""), "demo.yaml")
    assert not broken.valid
    assert [p.path for p in broken.problems] == ["actions.shout.base"]
    assert broken.problems[0].line in (18, 19)  # the action's own lines
    assert await api.list_workbooks() == []


async def test_specs_are_parsed_once(api):
    await api.create_workbook(WORKBOOK, "demo.yaml")
    await api.create_workflows(STANDALONE, "solo.yaml")
    first = await api.get_workflow_spec("demo.v1.first")
    assert first is await api.get_workflow_spec("demo.v1.first")
    assert [p.name for p in first.input] == ["who", "greeting"]
    solo = await api.get_workflow_spec("solo")
    assert solo is await api.get_workflow_spec((await api.get_workflow("solo")).id)
    assert list(solo.tasks) == ["only"]


async def test_standalone_workflows_round_trip(api):
    (created,) = await api.create_workflows(STANDALONE, "solo.yaml")
    assert created.name == "solo" and created.workbook_name is None and created.input == "x"
    (updated,) = await api.update_workflows(STANDALONE.replace("[x]", "[x, y]"), "solo.yaml")
    assert updated.id == created.id and updated.input == "x, y"
    await api.delete_workflow("solo")
    with pytest.raises(NotFoundError, match="Workflow 'solo' not found"):
        await api.get_workflow("solo")


async def test_corpus_workflow_input_text(api):
    text = (CORPUS / "baremetal.yaml").read_text()
    await api.create_workbook(text, "baremetal.yaml")
    tag_node = await api.get_workflow("tripleo.baremetal.v1.tag_node")
    assert tag_node.input == "node_uuid, role=None, queue_name=tripleo"
    assert tag_node.tags == ("tripleo-common-managed",)


async def test_bundled_workbooks_load_once(tmp_path):
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "demo.yaml").write_text(WORKBOOK)
    (folder / "broken.yaml").write_text("version: '2.0'\nname: broken\nworkflows: 3\n")
    path = tmp_path / "state.sqlite"

    async with await EmbeddedBackend.open(path, workbooks_folder=folder) as api:
        assert [w.name for w in await api.list_workbooks()] == ["demo.v1"]
        assert len(api.workbook_load_problems) == 1
        assert api.workbook_load_problems[0].startswith("broken.yaml: ")
        await api.delete_workbook("demo.v1")

    async with await EmbeddedBackend.open(path, workbooks_folder=folder) as api:
        assert await api.list_workbooks() == []  # deleted by the user: not added again
        await api.create_workbook(WORKBOOK.replace("A demo", "Mine"), "mine.yaml")

    async with await EmbeddedBackend.open(
        path, workbooks_folder=folder, reload_workbooks=True
    ) as api:
        (demo,) = await api.list_workbooks()
        assert demo.description == "A demo"  # reload replaces the user's copy
