"""Definition rows: create, replace, delete, and all-or-nothing writes."""

import pytest

from engine.store import AlreadyExistsError, ConflictError, NotFoundError, Store
from engine.store import definitions as defs
from engine.store.definitions import DefinitionValues, WorkbookValues


@pytest.fixture
async def store(tmp_path):
    opened = await Store.open(tmp_path / "state.sqlite")
    yield opened
    await opened.close()


def workbook(name="wb", tags=("a",), definition="v1"):
    return WorkbookValues(name=name, definition=definition, description="about", tags=tags)


def item(name, input="x, y=1", definition="body"):
    return DefinitionValues(
        name=name, definition=definition, input=input, description=None, tags=("t",)
    )


async def test_insert_workbook_stores_children(store):
    record = await store.write(
        defs.insert_workbook, workbook(), [item("wb.one"), item("wb.two")], [item("wb.act")]
    )
    assert record.name == "wb" and record.tags == ("a",) and record.updated_at is None
    assert len(record.created_at) == 19  # 'YYYY-MM-DD HH:MM:SS'
    workflows = await defs.list_workflows(store)
    assert [w.name for w in workflows] == ["wb.one", "wb.two"]
    assert {w.workbook_name for w in workflows} == {"wb"}
    assert workflows[0].project_id == "<default-project>" and workflows[0].scope == "private"
    (action,) = await defs.list_actions(store)
    assert action.name == "wb.act" and action.is_system is False and action.input == "x, y=1"
    assert (await defs.find_workflow(store, workflows[1].id)).name == "wb.two"


async def test_duplicate_workbook_is_refused_and_changes_nothing(store):
    await store.write(defs.insert_workbook, workbook(), [item("wb.one")], [])
    with pytest.raises(AlreadyExistsError, match="Workbook 'wb' already exists"):
        await store.write(defs.insert_workbook, workbook(definition="v2"), [item("wb.new")], [])
    assert (await defs.find_workbook(store, "wb")).definition == "v1"
    assert [w.name for w in await defs.list_workflows(store)] == ["wb.one"]


async def test_update_workbook_replaces_children_and_keeps_ids(store):
    await store.write(defs.insert_workbook, workbook(), [item("wb.keep"), item("wb.drop")], [])
    before = {w.name: w for w in await defs.list_workflows(store)}
    updated = await store.write(
        defs.update_workbook,
        workbook(definition="v2", tags=()),
        [item("wb.keep", input="z"), item("wb.add")],
        [],
    )
    assert updated.definition == "v2" and updated.tags == () and updated.updated_at is not None
    after = {w.name: w for w in await defs.list_workflows(store)}
    assert set(after) == {"wb.keep", "wb.add"}
    assert after["wb.keep"].id == before["wb.keep"].id
    assert after["wb.keep"].input == "z"
    assert after["wb.keep"].created_at == before["wb.keep"].created_at
    assert after["wb.keep"].updated_at is not None


async def test_update_missing_workbook(store):
    with pytest.raises(NotFoundError, match="Workbook 'nope' not found"):
        await store.write(defs.update_workbook, workbook("nope"), [], [])


async def test_workbook_cannot_take_a_standalone_workflow_name(store):
    await store.write(defs.insert_workflows, [item("wb.one")])
    with pytest.raises(AlreadyExistsError, match="Workflow 'wb.one' already exists"):
        await store.write(defs.insert_workbook, workbook(), [item("wb.one")], [])
    assert await defs.find_workbook(store, "wb") is None


async def test_delete_workbook_deletes_children(store):
    await store.write(defs.insert_workbook, workbook(), [item("wb.one")], [item("wb.act")])
    await store.write(defs.delete_workbook, "wb")
    assert await defs.list_workbooks(store) == []
    assert await defs.list_workflows(store) == []
    assert await defs.list_actions(store) == []
    with pytest.raises(NotFoundError):
        await store.write(defs.delete_workbook, "wb")


async def test_standalone_workflows(store):
    (created,) = await store.write(defs.insert_workflows, [item("solo")])
    with pytest.raises(AlreadyExistsError, match="Workflow 'solo' already exists"):
        await store.write(defs.insert_workflows, [item("other"), item("solo")])
    assert await defs.find_workflow(store, "other") is None  # all or nothing
    (updated,) = await store.write(defs.update_workflows, [item("solo", definition="v2")])
    assert updated.id == created.id and updated.definition == "v2"
    with pytest.raises(NotFoundError, match="Workflow 'ghost' not found"):
        await store.write(defs.update_workflows, [item("ghost")])
    await store.write(defs.delete_workflow, created.id)
    assert await defs.find_workflow(store, "solo") is None


async def test_workbook_workflows_change_only_through_the_workbook(store):
    await store.write(defs.insert_workbook, workbook(), [item("wb.one")], [])
    with pytest.raises(ConflictError, match="belongs to workbook 'wb'; update the workbook"):
        await store.write(defs.update_workflows, [item("wb.one")])
    with pytest.raises(ConflictError, match="belongs to workbook 'wb'; delete the workbook"):
        await store.write(defs.delete_workflow, "wb.one")
    assert (await defs.find_workflow(store, "wb.one")).definition == "body"


async def test_bundled_files_bookkeeping(store):
    assert await defs.bundled_files_loaded(store) == set()
    await store.write(defs.mark_bundled_file_loaded, "x.yaml", "x")
    await store.write(defs.mark_bundled_file_loaded, "x.yaml", "x")
    assert await defs.bundled_files_loaded(store) == {"x.yaml"}
    assert len(await defs.get_meta(store, "created_at")) == 19
