"""The one facade the CLI and the TUI use: definitions now; executions come with the engine.

Every definition is parsed and validated before anything is stored, and each request is one
transaction, so a definition with any problem changes nothing. Parsing runs in a thread (a
large workbook takes tens of milliseconds) and parsed specs are cached by their text.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from engine.actions import list_system_actions
from engine.lang import (
    DefinitionError,
    Problem,
    WorkbookSpec,
    WorkflowSpec,
    parse_workbook,
    parse_workflows,
)
from engine.runtime import ExecutionsApi
from engine.store import AlreadyExistsError, NotFoundError, Store, StoreError, state_path
from engine.store import definitions as defs
from engine.store.definitions import (
    DEFAULT_PROJECT,
    ActionRecord,
    DefinitionValues,
    WorkbookRecord,
    WorkbookValues,
    WorkflowRecord,
)

BUNDLED_WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
SYSTEM_ACTION_IDS = uuid.UUID("7f1c4a52-2b1e-4c55-9a43-6f0e8e5d1b07")  # uuid5 namespace

Spec = TypeVar("Spec")


@dataclass(frozen=True, slots=True)
class Validation:
    """What checking a definition found: `problems` make it invalid, `warnings` do not."""

    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


class SpecCache:
    """Parsed definitions keyed by parser, text and file name, so each is parsed once."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._specs: OrderedDict[tuple[Callable[..., Any], str, str], Any] = OrderedDict()

    async def parse(self, parser: Callable[[str, str], Spec], text: str, filename: str) -> Spec:
        key = (parser, text, filename)
        spec = self._specs.get(key)
        if spec is None:
            spec = await asyncio.to_thread(parser, text, filename)
            self._specs[key] = spec
            if len(self._specs) > self._size:
                self._specs.popitem(last=False)
        else:
            self._specs.move_to_end(key)
        return spec


class Api(ExecutionsApi):
    """Definitions in one state file (executions: engine.runtime.ExecutionsApi). Open with
    `await Api.open(path)`; use `async with`."""

    def __init__(self, store: Store, workbooks_folder: Path = BUNDLED_WORKBOOKS) -> None:
        self.store = store
        self.workbooks_folder = workbooks_folder
        self.specs = SpecCache()
        self.workbook_load_problems: list[str] = []

    @classmethod
    async def open(
        cls,
        db_path: str | Path | None = None,
        *,
        reload_workbooks: bool = False,
        workbooks_folder: Path = BUNDLED_WORKBOOKS,
    ) -> Api:
        """Open the state file (see `state_path`) and load our workbooks not loaded yet.

        Workbook files that fail to load are reported in `workbook_load_problems`.
        """
        api = cls(await Store.open(state_path(db_path)), workbooks_folder)
        try:
            api.workbook_load_problems = await api.load_bundled_workbooks(reload=reload_workbooks)
        except BaseException:
            await api.close()
            raise
        return api

    async def close(self) -> None:
        await self.stop_engine()
        await self.store.close()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---- workbooks -----------------------------------------------------------------------

    async def list_workbooks(self) -> list[WorkbookRecord]:
        return await defs.list_workbooks(self.store)

    async def get_workbook(self, name: str) -> WorkbookRecord:
        return _found(await defs.find_workbook(self.store, name), "Workbook", name)

    async def get_workbook_definition(self, name: str) -> str:
        return (await self.get_workbook(name)).definition

    async def get_workbook_spec(self, name: str) -> WorkbookSpec:
        record = await self.get_workbook(name)
        return await self.specs.parse(parse_workbook, record.definition, name)

    async def validate_workbook(self, text: str, filename: str = "<input>") -> Validation:
        """Every problem and warning in a workbook document. Stores nothing."""
        return await self._validate(parse_workbook, text, filename)

    async def create_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        """Store a new workbook with its workflows and actions; raise if it has any problem."""
        spec = await self.specs.parse(parse_workbook, text, filename)
        return await self.store.write(defs.insert_workbook, *self._workbook_values(spec, text))

    async def update_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        """Replace a stored workbook: its workflows and actions become the new document's."""
        spec = await self.specs.parse(parse_workbook, text, filename)
        return await self.store.write(defs.update_workbook, *self._workbook_values(spec, text))

    async def delete_workbook(self, name: str) -> None:
        """Delete a workbook with its workflows and actions."""
        await self.store.write(defs.delete_workbook, name)

    # ---- workflows -----------------------------------------------------------------------

    async def list_workflows(self) -> list[WorkflowRecord]:
        return await defs.list_workflows(self.store)

    async def get_workflow(self, id_or_name: str) -> WorkflowRecord:
        return _found(await defs.find_workflow(self.store, id_or_name), "Workflow", id_or_name)

    async def get_workflow_definition(self, id_or_name: str) -> str:
        return (await self.get_workflow(id_or_name)).definition

    async def get_workflow_spec(self, id_or_name: str) -> WorkflowSpec:
        """The parsed workflow; one from a workbook is taken from its parsed workbook."""
        record = await self.get_workflow(id_or_name)
        if record.workbook_name is None:
            document = await self.specs.parse(parse_workflows, record.definition, record.name)
            return document.workflows[record.name]
        workbook = await self.get_workbook_spec(record.workbook_name)
        return workbook.workflows[record.name.removeprefix(f"{record.workbook_name}.")]

    async def validate_workflows(self, text: str, filename: str = "<input>") -> Validation:
        """Every problem and warning in a workflow-list document. Stores nothing."""
        return await self._validate(parse_workflows, text, filename)

    async def create_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        """Store every workflow of a workflow-list document (none if any is invalid or taken)."""
        spec = await self.specs.parse(parse_workflows, text, filename)
        return await self.store.write(defs.insert_workflows, _workflow_values(spec.workflows))

    async def update_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        """Replace stand-alone workflows by name; ids stay."""
        spec = await self.specs.parse(parse_workflows, text, filename)
        return await self.store.write(defs.update_workflows, _workflow_values(spec.workflows))

    async def delete_workflow(self, id_or_name: str) -> None:
        """Delete a stand-alone workflow (a workbook's workflows go with their workbook)."""
        await self.store.write(defs.delete_workflow, id_or_name)

    # ---- actions -------------------------------------------------------------------------

    async def list_actions(self) -> list[ActionRecord]:
        """System actions from the action registry and stored ad-hoc actions, by name."""
        system = await self._system_actions()
        stored = await defs.list_actions(self.store)
        return sorted([*system.values(), *stored], key=lambda action: action.name)

    async def get_action(self, id_or_name: str) -> ActionRecord:
        stored = await defs.find_action(self.store, id_or_name)
        if stored is not None:
            return stored
        for action in (await self._system_actions()).values():
            if id_or_name in (action.name, action.id):
                return action
        raise NotFoundError(f"Action '{id_or_name}' not found")

    async def _system_actions(self) -> dict[str, ActionRecord]:
        # Shown with the state file's creation time, as Mistral shows when it registered them.
        created_at = await defs.get_meta(self.store, "created_at")
        return {
            action.name: ActionRecord(
                id=str(uuid.uuid5(SYSTEM_ACTION_IDS, action.name)),
                name=action.name,
                workbook_name=None,
                is_system=True,
                input=action.input_text,
                description=action.description,
                tags=(),
                definition="",
                scope="public",
                project_id=DEFAULT_PROJECT,
                created_at=created_at,
                updated_at=None,
            )
            for action in list_system_actions()
        }

    # ---- our own workbooks ---------------------------------------------------------------

    async def load_bundled_workbooks(self, *, reload: bool = False) -> list[str]:
        """Load `workbooks/*.yaml` files this state file has not had yet; all of them on reload.

        A file is loaded once: a workbook the user deleted is not added again, and one the user
        already has under that name is kept (reload replaces it). Returns one message per file
        that could not be loaded.
        """
        done = set() if reload else await defs.bundled_files_loaded(self.store)
        paths = await asyncio.to_thread(sorted, self.workbooks_folder.glob("*.yaml"))
        problems = []
        for path in paths:
            if path.name in done:
                continue
            try:
                text = await asyncio.to_thread(path.read_text, encoding="utf-8")
                spec = await self.specs.parse(parse_workbook, text, str(path))
                values = self._workbook_values(spec, text)
                await self.store.write(defs.load_bundled_workbook, path.name, reload, *values)
            except (DefinitionError, StoreError, OSError, UnicodeDecodeError) as error:
                problems.append(f"{path.name}: {error}")
        return problems

    # ---- helpers -------------------------------------------------------------------------

    async def _validate(
        self, parser: Callable[[str, str], Any], text: str, filename: str
    ) -> Validation:
        try:
            spec = await self.specs.parse(parser, text, filename)
        except DefinitionError as error:
            return Validation(problems=error.problems)
        return Validation(warnings=spec.warnings)

    def _workbook_values(
        self, spec: WorkbookSpec, text: str
    ) -> tuple[WorkbookValues, list[DefinitionValues], list[DefinitionValues]]:
        """Rows for a workbook: contained names get the `<workbook>.` prefix."""
        prefix = f"{spec.name}."
        workflows = _workflow_values(spec.workflows, prefix)
        actions = [
            DefinitionValues(
                name=prefix + short_name,
                definition=action.definition,
                input=action.input_text,
                description=action.description or None,
                tags=action.tags,
            )
            for short_name, action in spec.actions.items()
        ]
        system_names = {action.name for action in list_system_actions()}
        for action in actions:
            if action.name in system_names:
                raise AlreadyExistsError(f"Action '{action.name}' already exists (system action)")
        workbook = WorkbookValues(spec.name, text, spec.description or None, spec.tags)
        return workbook, workflows, actions


def _workflow_values(
    workflows: Mapping[str, WorkflowSpec], prefix: str = ""
) -> list[DefinitionValues]:
    return [
        DefinitionValues(
            name=prefix + short_name,
            definition=workflow.definition,
            input=workflow.input_text,
            description=workflow.description or None,
            tags=workflow.tags,
        )
        for short_name, workflow in workflows.items()
    ]


Record = TypeVar("Record")


def _found(record: Record | None, kind: str, key: str) -> Record:
    if record is None:
        raise NotFoundError(f"{kind} '{key}' not found")
    return record
