"""The embedded backend: our engine and one SQLite state file, behind the Backend protocol.

Reads come from the state file, so they show only what is committed. Writes the engine carries
out run in this process's engine (started on first use, taking the state file's lease), or,
when the backend was opened with a way to start one and another process holds the lease, are
handed to that engine (engine.api.handoff).

Every definition is parsed and validated before anything is stored, and each request is one
transaction, so a definition with any problem changes nothing. Parsing runs in a thread (a
large workbook takes tens of milliseconds) and parsed specs are cached by their text.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine.api.types import ActionExecutionRecord, ExecutionFilter, Validation
from engine.callers import CALLER
from engine.core import states
from engine.core.errors import InputError, WorkflowError
from engine.lang.errors import DefinitionError
from engine.store import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
    ids,
    requests,
    state_path,
)
from engine.store import definitions as defs
from engine.store import executions as rows
from engine.store.database import new_id
from engine.store.definitions import (
    DEFAULT_PROJECT,
    ActionRecord,
    DefinitionValues,
    WorkbookRecord,
    WorkbookValues,
    WorkflowRecord,
)

if TYPE_CHECKING:
    import asyncio
    import subprocess

    from engine.api.graph import WorkflowGraph
    from engine.api.handoff import EngineClient
    from engine.api.types import (
        Caller,
        Change,
        CronTriggerRecord,
        EnvironmentRecord,
        ExecutionRecord,
        ExecutionSummary,
        InputParam,
        MessageRecord,
        Page,
        QueueRecord,
        TaskRecord,
    )
    from engine.lang import WorkbookSpec, WorkflowSpec
    from engine.runtime.service import Engine
    from engine.store.cron_triggers import CronTriggerValues
    from engine.store.lease import LeaseHolder

# The engine, the action registry, the parsers, YAQL, the hand-off client, the queue and
# paging queries, the lease and asyncio itself are imported by the methods that use them, so a
# command that only reads (a list, a get: open_for_reading) never loads them.

EngineStarter = Callable[[Path], "subprocess.Popen"]  # starts a headless engine for a state file


class Serving(Protocol):
    """Our engine serving other processes (engine.server.Server)."""

    @property
    def busy(self) -> bool:
        """Whether a request is being answered (some last long: a synchronous run-action)."""

    async def stop(self) -> None: ...


OthersServing = Callable[["EmbeddedBackend"], Awaitable[Serving]]

BUNDLED_WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
# Seconds after the engine serves before the OpenStack clients load in a thread (start_engine):
# a command's cold create --wait of 100 tasks, measured on this machine, 649 -> 528 ms (min).
CLIENTS_LOAD_AFTER = 2.0
SCOPES = ("private", "public")
SYSTEM_ACTION_IDS = "7f1c4a52-2b1e-4c55-9a43-6f0e8e5d1b07"  # uuid5 namespace

Spec = TypeVar("Spec")


class SpecCache:
    """Parsed definitions keyed by parser, text and file name, so each is parsed once."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._specs: OrderedDict[tuple[Callable[..., Any], str, str], Any] = OrderedDict()

    async def parse(self, parser: Callable[[str, str], Spec], text: str, filename: str) -> Spec:
        import asyncio

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


class EmbeddedBackend:
    """The Backend of one state file, run by our engine. Open with
    `await EmbeddedBackend.open(path)`; use `async with`."""

    _engine: Engine | None = None
    _serve_others: OthersServing | None = None  # how our engine serves other processes
    serving: Serving | None = None  # while our engine serves them
    _clients_loading: asyncio.TimerHandle | None = None  # the OpenStack clients' import, due
    # Set when writes may go to another process's engine: starts a headless one.
    _start_headless: Callable[[], subprocess.Popen] | None = None

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
        start_engine: EngineStarter | None = None,
        serve_others: OthersServing | None = None,
    ) -> EmbeddedBackend:
        """Open the state file (see `state_path`) and load our workbooks not loaded yet.

        Workbook files that fail to load are reported in `workbook_load_problems`. With
        `start_engine` (which starts a headless engine process for a state file), writes made
        while this process runs no engine go to the live engine, started that way if none is.
        With `serve_others` (engine.server.serve_others), an engine run here serves the writes
        of other processes.
        """
        api = cls(await Store.open(state_path(db_path)), workbooks_folder)
        api._serve_others = serve_others
        if start_engine is not None:
            api._start_headless = lambda: start_engine(api.store.path)
        try:
            api.workbook_load_problems = await api.load_bundled_workbooks(reload=reload_workbooks)
        except BaseException:
            await api.close()
            raise
        return api

    @classmethod
    async def open_for_reading(
        cls, db_path: str | Path | None = None, *, workbooks_folder: Path = BUNDLED_WORKBOOKS
    ) -> EmbeddedBackend | None:
        """The state file for reads only (Store.open_for_reading): its coroutines never wait,
        so they run without an event loop (run_to_end). None when `open` has work to do first:
        create or migrate the file, or load a workbook of ours it has not had yet."""
        store = Store.open_for_reading(state_path(db_path))
        if store is None:
            return None
        api = cls(store, workbooks_folder)
        if api._bundled_paths(await defs.bundled_files_loaded(store)):
            await api.close()
            return None
        return api

    @property
    def state_file(self) -> Path:
        return self.store.path

    async def close(self) -> None:
        await self.stop_engine()
        await self.store.close()

    async def __aenter__(self) -> EmbeddedBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def resolve_id(self, kind: str, given: str) -> str:
        return await ids.resolve_id(self.store, kind, given)

    # ---- workbooks -----------------------------------------------------------------------

    async def list_workbooks(self) -> list[WorkbookRecord]:
        return await defs.list_workbooks(self.store)

    async def get_workbook(self, name: str) -> WorkbookRecord:
        return _found(await defs.find_workbook(self.store, name), "Workbook", name)

    async def get_workbook_definition(self, name: str) -> str:
        return (await self.get_workbook(name)).definition

    async def get_workbook_spec(self, name: str) -> WorkbookSpec:
        from engine.lang import parse_workbook

        record = await self.get_workbook(name)
        return await self.specs.parse(parse_workbook, record.definition, name)

    async def validate_workbook(self, text: str, filename: str = "<input>") -> Validation:
        """Every problem and warning in a workbook document. Stores nothing."""
        from engine.lang import parse_workbook

        return await self._validate(parse_workbook, text, filename)

    async def create_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        """Store a new workbook with its workflows and actions; raise if it has any problem."""
        from engine.lang import parse_workbook

        spec = await self.specs.parse(parse_workbook, text, filename)
        return await self.store.write(defs.insert_workbook, *self._workbook_values(spec, text))

    async def update_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        """Replace a stored workbook: its workflows and actions become the new document's."""
        from engine.lang import parse_workbook

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
        from engine.lang import parse_workflows

        record = await self.get_workflow(id_or_name)
        if record.workbook_name is None:
            document = await self.specs.parse(parse_workflows, record.definition, record.name)
            return document.workflows[record.name]
        workbook = await self.get_workbook_spec(record.workbook_name)
        return workbook.workflows[record.name.removeprefix(f"{record.workbook_name}.")]

    async def get_workflow_input(self, id_or_name: str) -> tuple[InputParam, ...]:
        return (await self.get_workflow_spec(id_or_name)).input

    async def get_workflow_graph(self, id_or_name: str) -> WorkflowGraph:
        from engine.api.graph import graph_of

        return graph_of(await self.get_workflow_spec(id_or_name))

    async def check_execution_input(self, workflow: str, input: Mapping[str, Any]) -> None:
        """Checked here before an engine is started for it; a live engine that the start is
        handed to checks it itself (the same error, nothing stored), so it is not parsed
        here too (importing the parsers and parsing take longer than the hand-off)."""
        from engine.core.errors import check_workflow_input

        if self._hands_off() and await self.live_engine() is not None:
            return
        check_workflow_input(await self.get_workflow_spec(workflow), dict(input))

    async def validate_workflows(self, text: str, filename: str = "<input>") -> Validation:
        """Every problem and warning in a workflow-list document. Stores nothing."""
        from engine.lang import parse_workflows

        return await self._validate(parse_workflows, text, filename)

    async def create_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        """Store every workflow of a workflow-list document (none if any is invalid or taken)."""
        from engine.lang import parse_workflows

        spec = await self.specs.parse(parse_workflows, text, filename)
        return await self.store.write(defs.insert_workflows, _workflow_values(spec.workflows))

    async def update_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        """Replace stand-alone workflows by name; ids stay."""
        from engine.lang import parse_workflows

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

    async def get_action_definition(self, id_or_name: str) -> str:
        return (await self.get_action(id_or_name)).definition

    async def validate_actions(self, text: str, filename: str = "<input>") -> Validation:
        """Every problem and warning in an action document. Stores nothing."""
        from engine.lang import parse_actions

        return await self._validate(parse_actions, text, filename)

    async def create_actions(
        self, text: str, filename: str = "<input>", scope: str = "private"
    ) -> list[ActionRecord]:
        """Store every ad-hoc action of an action document (none if any is invalid or taken)."""
        from engine.lang import parse_actions

        spec = await self.specs.parse(parse_actions, text, filename)
        values = _action_values(spec.actions, document=text)
        return await self.store.write(defs.insert_actions, values, _checked_scope(scope))

    async def update_actions(
        self, text: str, filename: str = "<input>", scope: str = "private", id: str | None = None
    ) -> list[ActionRecord]:
        from engine.lang import parse_actions

        spec = await self.specs.parse(parse_actions, text, filename)
        values = _action_values(spec.actions, document=text)
        return await self.store.write(defs.update_actions, values, _checked_scope(scope), id)

    async def delete_action(self, id_or_name: str) -> None:
        """Delete a stand-alone ad-hoc action (system actions and a workbook's stay)."""
        if await defs.find_action(self.store, id_or_name) is None:
            system = await self._system_actions()
            if any(id_or_name in (action.name, action.id) for action in system.values()):
                raise ConflictError(
                    f"Action '{id_or_name}' is a system action: it cannot be deleted"
                )
        await self.store.write(defs.delete_action, id_or_name)

    async def _system_actions(self) -> dict[str, ActionRecord]:
        import uuid

        from engine.actions import list_system_actions

        # Shown with the state file's creation time, as Mistral shows when it registered them.
        created_at = await defs.get_meta(self.store, "created_at")
        return {
            action.name: ActionRecord(
                id=str(uuid.uuid5(uuid.UUID(SYSTEM_ACTION_IDS), action.name)),
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
        import asyncio

        done = set() if reload else await defs.bundled_files_loaded(self.store)
        problems = []
        for path in await asyncio.to_thread(self._bundled_paths, done):
            try:
                from engine.lang import parse_workbook  # only when there is one to load

                text = await asyncio.to_thread(path.read_text, encoding="utf-8")
                spec = await self.specs.parse(parse_workbook, text, str(path))
                values = self._workbook_values(spec, text)
                await self.store.write(defs.load_bundled_workbook, path.name, reload, *values)
            except (DefinitionError, StoreError, OSError, UnicodeDecodeError) as error:
                problems.append(f"{path.name}: {error}")
        return problems

    def _bundled_paths(self, loaded: set[str]) -> list[Path]:
        """Our workbook files, by name, but those named in `loaded`."""
        return sorted(
            path for path in self.workbooks_folder.glob("*.yaml") if path.name not in loaded
        )

    # ---- the engine ---------------------------------------------------------------------

    async def start_engine(self, **options: Any) -> Engine:
        """Run the engine in this process (it takes the state file's lease; EngineBusy if
        another live engine holds it)."""
        import asyncio
        import threading

        from engine.actions import DEFAULT_REGISTRY
        from engine.runtime.service import Engine

        if self._engine is None or not self._engine.running:
            engine = Engine(self.store, **options)
            await engine.start()
            self._engine = engine
            if self._serve_others is not None:
                try:
                    self.serving = await self._serve_others(self)
                except BaseException:
                    await self.stop_engine()
                    raise
            # The OpenStack clients take 0.5-2 s to import: they load in a thread, a daemon so
            # that a process ending meanwhile need not wait for it, CLIENTS_LOAD_AFTER the engine
            # serves: the first requests (a command waiting on the engine it started) do not
            # share the interpreter with those imports. Actions that need no client (std.*,
            # tripleo.*, zaqar.*) run meanwhile; one that does loads them itself.
            self._clients_loading = asyncio.get_running_loop().call_later(
                CLIENTS_LOAD_AFTER,
                threading.Thread(target=DEFAULT_REGISTRY.load, name="actions", daemon=True).start,
            )
        return self._engine

    async def stop_engine(self) -> None:
        if self._clients_loading is not None:
            self._clients_loading.cancel()
            self._clients_loading = None
        if self.serving is not None:
            await self.serving.stop()
            self.serving = None
        if self._engine is not None:
            await self._engine.stop()
            self._engine = None

    @property
    def engine_running(self) -> bool:
        return self._engine is not None and self._engine.running

    def give_way(self) -> None:
        if self._engine is not None:
            self._engine.give_way.hold()

    def go_on(self) -> None:
        if self._engine is not None:
            self._engine.give_way.release()

    async def engine_halted(self) -> str:
        engine = self._engine
        if engine is None:
            raise WorkflowError("No engine runs in this process")
        await engine.halted.wait()
        await self.stop_engine()  # serve other processes no more: they go to the new engine
        return engine.halt_reason

    async def live_engine(self) -> LeaseHolder | None:
        """The engine serving this state file (in this process or another), or None."""
        from engine.store.lease import lease_holder, lease_is_live

        holder = await lease_holder(self.store)
        return holder if lease_is_live(holder, time.time()) else None

    async def engine_has_work(self) -> bool:
        """Whether something runs or waits that this process's engine must stay up for."""
        busy = self.serving is not None and self.serving.busy
        return busy or await requests.engine_has_work(self.store)

    def _hands_off(self) -> bool:
        """Whether engine writes go to another process's engine instead of one run here."""
        return self._start_headless is not None and not self.engine_running

    @functools.cached_property
    def _handoff(self) -> EngineClient:
        """The client of the live engine, for the writes handed off (`_hands_off`)."""
        from engine.api.handoff import EngineClient

        return EngineClient(self, self._start_headless)

    async def _running_engine(self) -> Engine:
        return await self.start_engine()

    # ---- workflow executions ------------------------------------------------------------

    async def start_execution(
        self,
        workflow: str,
        input: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        description: str = "",
        id: str | None = None,
        caller: Caller | None = None,
    ) -> ExecutionRecord:
        """`execution-create`: check the input, then start; nothing is stored if refused.

        `params` may hold `env` (a dict or the name of a stored environment), `task_name`
        (reverse workflows), `evaluate_env`. `id`, as in Mistral, is the new execution's id;
        an execution of that id already stored is returned as it is (so a request whose answer
        was lost can be looked up by it). With `caller`, the execution's OpenStack actions act
        as the caller (engine.callers); it is never written down, so it is not handed off.
        """
        if self._hands_off():
            return await self._handoff.call(
                "start_execution",
                workflow=workflow,
                input=dict(input or {}),
                params=dict(params or {}),
                description=description,
                id=id or new_id(),
            )
        if id is not None and (found := await rows.find_execution(self.store, id)) is not None:
            return found
        engine = await self._running_engine()
        start = await engine.prepare_start(
            workflow, dict(input or {}), dict(params or {}), description, id, caller
        )
        execution = await engine.submit(start)
        return await self.get_execution(execution.id)

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        found = await rows.find_execution(self.store, execution_id)
        if found is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        return found

    async def list_executions(self, wanted: ExecutionFilter | None = None) -> list[ExecutionRecord]:
        """`execution-list`: oldest first by default, 100 rows (-1 or None: all)."""
        return await rows.list_executions(self.store, wanted or ExecutionFilter())

    async def list_execution_summaries(
        self, wanted: ExecutionFilter | None = None
    ) -> list[ExecutionSummary]:
        """`list_executions` without input, output and params: for lists."""
        return await rows.list_execution_summaries(self.store, wanted or ExecutionFilter())

    async def page_executions(
        self, page: Page, *, with_output: bool = False
    ) -> list[ExecutionRecord]:
        from engine.store.pages import execution_page

        return await execution_page(self.store, page, with_output=with_output)

    async def update_execution(
        self,
        execution_id: str,
        *,
        state: str | None = None,
        state_info: str | None = None,
        env: Mapping[str, Any] | None = None,
        description: str | None = None,
        caller: Caller | None = None,
        key: str | None = None,
    ) -> ExecutionRecord:
        """`execution-update`: -s PAUSED pauses, -s RUNNING resumes (with -e merged into the
        env; with `caller`, its actions act as the caller from now on), -s
        SUCCESS|ERROR|CANCELLED ends it now with `state_info` as the message; -d sets the
        description, -e alone updates the env (IDLE, PAUSED or ERROR executions).

        `key` (here and in the other changes another process hands to the engine): the
        request's idempotency key, recorded with the change (engine.store.requests)."""
        from engine.core import events

        if self._hands_off():
            return await self._handoff.call(
                "update_execution",
                execution_id=execution_id,
                state=state,
                state_info=state_info,
                env=None if env is None else dict(env),
                description=description,
            )
        if description is not None and state is not None:
            raise WorkflowError("The description cannot be updated together with the state")
        engine = await self._running_engine()
        tree = await self._root_of(execution_id)
        changes: list[Any] = []
        if state == states.PAUSED:
            changes.append(events.PauseWorkflow(execution_id, state_info))
        elif state == states.RUNNING:
            changes.append(events.ResumeWorkflow(execution_id, dict(env) if env else None, caller))
        elif state is not None:
            changes.append(events.StopWorkflow(execution_id, state, state_info))
        elif env or description is not None:
            changes.append(events.UpdateExecution(execution_id, description, dict(env or {})))
        await engine.submit_together(changes, tree, key)
        return await self.get_execution(execution_id)

    async def wait_execution(
        self, execution_id: str, timeout: float | None = None
    ) -> ExecutionRecord:
        """Wait until the execution ends or is PAUSED; return it."""
        import asyncio

        if self._hands_off():
            return await asyncio.wait_for(self._handoff.wait_execution(execution_id), timeout)
        await self._wait(execution_id, self.get_execution, timeout, states.is_settled)
        return await self.get_execution(execution_id)

    async def _wait(
        self, object_id: str, read: Any, timeout: float | None, done: Any = states.is_completed
    ) -> None:
        import asyncio

        engine = await self._running_engine()
        ended = engine.watch(object_id)
        try:
            if not done((await read(object_id)).state):
                await asyncio.wait_for(ended, timeout)
        finally:
            engine.unwatch(object_id, ended)

    async def delete_execution(self, execution_id: str, key: str | None = None) -> None:
        """`execution-delete`: the execution and everything under it; not while it runs."""
        if self._hands_off() and await self.live_engine() is not None:
            await self._handoff.call("delete_execution", execution_id=execution_id)
            return
        found = await self.get_execution(execution_id)
        if found.root_execution_id is not None:
            raise WorkflowError(
                f"Execution {execution_id} is a sub-workflow; delete its root execution "
                f"{found.root_execution_id}"
            )
        if self._engine is not None and execution_id in self._engine.conductor.executions:
            if not states.is_completed(found.state):
                raise WorkflowError(
                    f"Execution {execution_id} is {found.state}; cancel it before deleting it"
                )
            await self._engine.forget(execution_id)
        elif not states.is_completed(found.state):
            raise WorkflowError(
                f"Execution {execution_id} is {found.state}; cancel it before deleting it"
            )
        await self.store.write(_keyed(rows.delete_execution_tree, key), execution_id)
        await self.store.truncate_wal()  # its input may hold passwords

    async def get_execution_published(self, execution_id: str) -> dict[str, Any]:
        """Its context without the engine's keys and the workflow's `vars`, as Mistral shows
        `published_global`."""
        import asyncio

        found = await rows.execution_context(self.store, execution_id)
        if found is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        context, workflow_text = found
        hidden = {"__execution", "openstack", *await asyncio.to_thread(_vars_names, workflow_text)}
        return {key: value for key, value in context.items() if key not in hidden}

    async def get_execution_report(
        self,
        execution_id: str,
        *,
        errors_only: bool = False,
        max_depth: int = -1,
        statistics_only: bool = False,
    ) -> dict[str, Any]:
        from engine.api.trees import execution_report

        return await execution_report(
            self,
            execution_id,
            errors_only=errors_only,
            max_depth=max_depth,
            statistics_only=statistics_only,
        )

    async def list_sub_executions(
        self, kind: str, origin_id: str, *, errors_only: bool = False, max_depth: int = -1
    ) -> list[ExecutionRecord]:
        from engine.api.trees import sub_executions

        return await sub_executions(
            self, kind, origin_id, errors_only=errors_only, max_depth=max_depth
        )

    async def _root_of(self, execution_id: str) -> str:
        """The root of the execution's tree: an event acting on it names it, so the engine
        can bring the tree back into memory if it was forgotten."""
        root = await self.store.write(rows.root_of, execution_id)
        if root is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        return root

    # ---- task executions ----------------------------------------------------------------

    async def list_tasks(
        self, execution_id: str | None = None, limit: int | None = 100
    ) -> list[TaskRecord]:
        return await rows.list_tasks(self.store, execution_id, limit)

    async def page_tasks(self, page: Page) -> list[TaskRecord]:
        from engine.store.pages import task_page

        return await task_page(self.store, page)

    async def get_task(self, task_id: str) -> TaskRecord:
        found = await rows.find_task(self.store, task_id)
        if found is None:
            raise NotFoundError(f"Task execution '{task_id}' not found")
        return found

    async def get_task_result(self, task_id: str) -> Any:
        return (await self.get_task(task_id)).result

    async def get_task_published(self, task_id: str) -> dict[str, Any]:
        return (await self.get_task(task_id)).published

    async def rerun_task(
        self,
        task_id: str,
        *,
        reset: bool = True,
        env: Mapping[str, Any] | None = None,
        skip: bool = False,
        caller: Caller | None = None,
        key: str | None = None,
    ) -> TaskRecord:
        """`task-rerun`: an ERROR task runs again; with reset=False (--resume) a with-items task
        runs only its failed and not-started items; with skip (--skip) it is SKIPPED and its
        on-skip runs. With `caller`, the execution's actions act as the caller from now on."""
        from engine.core import events

        if self._hands_off():
            return await self._handoff.call(
                "rerun_task",
                task_id=task_id,
                reset=reset,
                env=None if env is None else dict(env),
                skip=skip,
            )
        execution_id = await self.store.write(rows.execution_of_task, task_id)
        if execution_id is None:
            raise NotFoundError(f"Task execution '{task_id}' not found")
        engine = await self._running_engine()
        tree = await self._root_of(execution_id)
        await engine.catalog.refresh()
        rerun = events.RerunTask(task_id, reset, dict(env) if env else None, skip, caller)
        await engine.submit(rerun, tree, key)
        return await self.get_task(task_id)

    # ---- action executions --------------------------------------------------------------

    async def list_action_executions(
        self, task_id: str | None = None, limit: int | None = 100
    ) -> list[ActionExecutionRecord]:
        return await rows.list_action_executions(self.store, task_id, limit)

    async def page_action_executions(self, page: Page) -> list[ActionExecutionRecord]:
        from engine.store.pages import action_execution_page

        return await action_execution_page(self.store, page)

    async def get_action_execution(self, action_id: str) -> ActionExecutionRecord:
        found = await rows.find_action_execution(self.store, action_id)
        if found is None:
            raise NotFoundError(f"Action execution '{action_id}' not found")
        return found

    async def update_action_execution(
        self, action_id: str, state: str, output: Any = None, key: str | None = None
    ) -> ActionExecutionRecord:
        """`action-execution-update`: the result of an asynchronous action (SUCCESS, ERROR,
        CANCELLED), or its PAUSED / RUNNING state."""
        from engine.core import events

        if self._hands_off():
            return await self._handoff.call(
                "update_action_execution", action_id=action_id, state=state, output=output
            )
        found = await self.get_action_execution(action_id)
        engine = await self._running_engine()
        tree = None
        if found.task_execution_id is not None:
            execution_id = await self.store.write(rows.execution_of_task, found.task_execution_id)
            tree = await self._root_of(execution_id)
        elif action_id not in engine.conductor.actions:
            raise WorkflowError(f"Action execution {action_id} is not running")
        if state == states.SUCCESS:
            event: Any = events.ActionFinished(action_id, data=output)
        elif state == states.ERROR:
            event = events.ActionFinished(action_id, error=output or "Unknown error")
        elif state == states.CANCELLED:
            event = events.ActionFinished(action_id, cancelled=True)
        elif state in (states.PAUSED, states.RUNNING):
            event = events.ActionStateChanged(action_id, state)
        else:
            raise WorkflowError(f"Invalid action execution state: {state}")
        await engine.submit(event, tree, key)
        return await self.get_action_execution(action_id)

    async def delete_action_execution(self, action_id: str, key: str | None = None) -> None:
        """`action-execution-delete`: an ended run-action execution (Mistral refuses the
        others too)."""
        if self._hands_off() and await self.live_engine() is not None:
            await self._handoff.call("delete_action_execution", action_id=action_id)
            return
        await self.store.write(_keyed(rows.delete_standalone_action, key), action_id)
        await self.store.truncate_wal()  # its input may hold passwords

    async def run_action(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        save_result: bool = False,
        run_sync: bool = False,
        description: str = "",
        caller: Caller | None = None,
        key: str | None = None,
    ) -> ActionExecutionRecord:
        """`run-action`: run one action outside any workflow (as `caller`, if given).

        Without `save_result` nothing is stored but the request's key (the action was started)
        and the record has no id. With it, the action execution is a row; `run_sync` waits for
        its end.
        """
        from engine.core import events

        if self._hands_off():
            return await self._handoff.call(
                "run_action",
                name=name,
                input=dict(input or {}),
                save_result=save_result,
                run_sync=run_sync,
                description=description,
            )
        given = dict(input or {})
        if not save_result:
            if key is not None:
                await self.store.write(requests.record_keys, [(key, None, time.time())])
            acting = CALLER.set(caller)  # this task's, and the threads its action runs in
            try:
                return await self._run_unsaved(name, given)
            finally:
                CALLER.reset(acting)
        engine = await self._running_engine()
        await engine.catalog.refresh()
        run = events.RunStandaloneAction(name, given, description, caller)
        action = await engine.submit(run, key=key)
        if run_sync:
            await self._wait(action.id, self.get_action_execution, None)
        return await self.get_action_execution(action.id)

    async def _run_unsaved(self, name: str, given: dict[str, Any]) -> ActionExecutionRecord:
        from engine.actions import DEFAULT_REGISTRY, ActionContext, run_adhoc, run_descriptor
        from engine.core.adhoc import resolve_chain
        from engine.expr import evaluate
        from engine.runtime.catalog import StoreCatalog

        spec = await defs.find_action(self.store, name)
        context = ActionContext(store=self.store)
        if spec is not None and not spec.is_system:
            catalog = StoreCatalog(self.store, DEFAULT_REGISTRY)  # no engine needed
            await catalog.refresh()
            chain, _ = resolve_chain(name, catalog.adhoc_action)
            outcome = await run_adhoc(chain, given, {}, evaluate, DEFAULT_REGISTRY, context)
        else:
            outcome = await run_descriptor(DEFAULT_REGISTRY.get(name), given, context)
        if outcome.cancelled:
            state, result = states.CANCELLED, None
        elif outcome.error is not None:
            state, result = states.ERROR, outcome.error
        else:
            state, result = states.SUCCESS, outcome.data
        return ActionExecutionRecord(
            id="",
            name=name,
            workflow_name=None,
            task_name=None,
            task_execution_id=None,
            state=state,
            state_info=None,
            accepted=True,
            input=given,
            output={"result": result},
            description="",
            created_at="",
            updated_at=None,
        )

    # ---- environments -------------------------------------------------------------------

    async def create_environment(
        self,
        name: str,
        variables: Mapping[str, Any],
        description: str | None = None,
        scope: str = "private",
    ) -> EnvironmentRecord:
        return await self.store.write(
            rows.insert_environment, name, description, dict(variables), scope
        )

    async def update_environment(
        self,
        name: str,
        variables: Mapping[str, Any] | None = None,
        description: str | None = None,
        scope: str | None = None,
    ) -> EnvironmentRecord:
        return await self.store.write(
            rows.update_environment,
            name,
            description,
            None if variables is None else dict(variables),
            scope,
        )

    async def list_environments(self) -> list[EnvironmentRecord]:
        return await rows.list_environments(self.store)

    async def get_environment(self, name: str) -> EnvironmentRecord:
        found = await rows.find_environment(self.store, name)
        if found is None:
            raise NotFoundError(f"Environment '{name}' not found")
        return found

    async def delete_environment(self, name: str) -> None:
        await self.store.write(rows.delete_environment, name)
        await self.store.truncate_wal()  # its variables may hold passwords

    # ---- cron triggers ------------------------------------------------------------------

    async def create_cron_trigger(
        self,
        name: str,
        workflow: str,
        workflow_input: Mapping[str, Any] | None = None,
        workflow_params: Mapping[str, Any] | None = None,
        pattern: str | None = None,
        first_time: str | None = None,
        count: int | None = None,
        key: str | None = None,
    ) -> CronTriggerRecord:
        """`cron-trigger-create`: checked as Mistral checks it (the workflow's input too), so
        bad input changes nothing and starts no engine; then stored by the engine that will
        fire it (handed to the live one, started if none is), which checks it again."""
        given = {
            "name": name,
            "workflow": workflow,
            "workflow_input": dict(workflow_input or {}),
            "workflow_params": dict(workflow_params or {}),
            "pattern": pattern or None,
            "first_time": first_time or None,
            "count": count,
        }
        now = self._engine.clock() if self.engine_running else time.time()
        values = await self._cron_trigger_values(now, **given)
        if self._hands_off():
            return await self._handoff.call("create_cron_trigger", **given)
        engine = await self._running_engine()
        from engine.store import cron_triggers as triggers

        trigger = await self.store.write(_keyed(triggers.insert_cron_trigger, key), values)
        engine.cron.wake()
        return trigger

    async def _cron_trigger_values(
        self,
        now: float,
        name: str,
        workflow: str,
        workflow_input: dict[str, Any],
        workflow_params: dict[str, Any],
        pattern: str | None,
        first_time: str | None,
        count: int | None,
    ) -> CronTriggerValues:
        from engine.core import cron
        from engine.core.conductor import check_input_size
        from engine.core.errors import check_workflow_input
        from engine.store import cron_triggers as triggers

        if not name.strip():
            raise InputError("A cron trigger needs a name")
        schedule = cron.first_schedule(pattern, first_time, count, cron.utc(now))
        record = await self.get_workflow(workflow)
        check_workflow_input(await self.get_workflow_spec(record.id), workflow_input)
        check_input_size(workflow_input, "workflow")
        env = workflow_params.get("env")
        if isinstance(env, str) and await rows.find_environment(self.store, env) is None:
            raise InputError(f"Environment is not found: {env}")
        return triggers.CronTriggerValues(
            name=name,
            workflow_name=record.name,
            workflow_id=record.id,
            workflow_input=workflow_input,
            workflow_params=workflow_params,
            pattern=pattern or cron.NEVER_PATTERN,
            first_execution_time=schedule.next_execution_time if first_time else None,
            next_execution_time=schedule.next_execution_time,
            remaining_executions=schedule.remaining_executions,
        )

    async def list_cron_triggers(self) -> list[CronTriggerRecord]:
        from engine.store import cron_triggers as triggers

        return await triggers.list_cron_triggers(self.store)

    async def get_cron_trigger(self, name_or_id: str) -> CronTriggerRecord:
        from engine.store import cron_triggers as triggers

        found = await triggers.find_cron_trigger(self.store, name_or_id)
        return _found(found, "Cron trigger", name_or_id)

    async def delete_cron_trigger(self, name_or_id: str) -> None:
        """`cron-trigger-delete`, straight in the state file: the engine's scheduler reads the
        triggers from there and advances only a trigger that is still there."""
        from engine.store import cron_triggers as triggers

        await self.store.write(triggers.delete_cron_trigger, name_or_id)
        await self.store.truncate_wal()  # its input may hold passwords

    # ---- queues -------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueRecord]:
        from engine.store import queues

        return await queues.list_queues(self.store, time.time())

    async def list_messages(
        self, queue_name: str, *, after: str | None = None
    ) -> list[MessageRecord]:
        from engine.store import queues

        now = time.time()
        found = await queues.list_messages(self.store, queue_name, now, marker=after)
        if not found and await queues.find_queue(self.store, queue_name, now) is None:
            raise NotFoundError(f"Queue '{queue_name}' not found")
        return found

    # ---- changes ------------------------------------------------------------------------

    async def subscribe(self) -> AsyncIterator[list[Change]]:
        """Committed changes of every execution, task and action execution, as they happen."""
        engine = await self._running_engine()
        async for changes in engine.subscribe():
            yield changes

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
        actions = _action_values(spec.actions, prefix)
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


def _action_values(
    actions: Mapping[str, Any], prefix: str = "", document: str | None = None
) -> list[DefinitionValues]:
    """Rows for ad-hoc actions, each with its own part of the workbook or, for stand-alone
    ones, the whole `document` (as Mistral keeps them); a system action's name is refused (it
    would hide it)."""
    from engine.actions import list_system_actions

    values = [
        DefinitionValues(
            name=prefix + short_name,
            definition=document or action.definition,
            input=action.input_text,
            description=action.description or None,
            tags=action.tags,
        )
        for short_name, action in actions.items()
    ]
    system_names = {action.name for action in list_system_actions()}
    for action in values:
        if action.name in system_names:
            raise AlreadyExistsError(f"Action '{action.name}' already exists (system action)")
    return values


def _vars_names(workflow_text: str) -> list[str]:
    """The names a workflow's `vars` declares, from its one-workflow document."""
    from engine.yamlsafe import definition_body

    variables = definition_body(workflow_text).get("vars")
    return list(variables) if isinstance(variables, dict) else []


def _checked_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(
            f"Scope must be one of the following: {', '.join(SCOPES)}. Provided: {scope}"
        )
    return scope


Record = TypeVar("Record")


def _found(record: Record | None, kind: str, key: str) -> Record:
    if record is None:
        raise NotFoundError(f"{kind} '{key}' not found")
    return record


def _keyed(write: Callable[..., Any], key: str | None) -> Callable[..., Any]:
    """`write`, recording the key of the request it carries out in its own transaction
    (engine.store.requests)."""

    def keyed(conn: Any, *args: Any) -> Any:
        made = write(conn, *args)
        if key is not None:
            requests.record_keys(conn, [(key, None, time.time())])
        return made

    return keyed
