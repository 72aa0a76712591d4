"""The execution half of engine.api.Api (a mixin): start and steer executions, read them back,
run single actions, manage environments, follow changes.

Reads come from the state file, so they show only what is committed. Writes go through the
engine, which this process starts on first use (taking the state file's lease).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from engine.actions import (
    DEFAULT_REGISTRY,
    ActionContext,
    resolve_chain,
    run_adhoc,
    run_descriptor,
)
from engine.callers import Caller
from engine.core import events, states
from engine.core.errors import InputError, WorkflowError
from engine.expr import evaluate
from engine.handoff import RequestServer
from engine.runtime.catalog import StoreCatalog
from engine.runtime.service import Change, Engine
from engine.store import NotFoundError
from engine.store import definitions as defs
from engine.store import executions as rows
from engine.store.executions import (
    ActionExecutionRecord,
    EnvironmentRecord,
    ExecutionRecord,
    ExecutionSummary,
    TaskRecord,
)

if TYPE_CHECKING:
    from engine.store import Store

FINAL_STATES = (states.SUCCESS, states.ERROR, states.CANCELLED)


class ExecutionsApi:
    """Execution methods; the class using it provides `self.store`."""

    store: Store
    _engine: Engine | None = None
    requests: RequestServer | None = None  # other processes' requests, served by our engine

    # ---- the engine ---------------------------------------------------------------------

    async def start_engine(self, **options: Any) -> Engine:
        """Run the engine in this process (it takes the state file's lease)."""
        if self._engine is None or not self._engine.running:
            # Loading the registry imports the OpenStack clients (0.5-2 s): not on the loop.
            await asyncio.to_thread(DEFAULT_REGISTRY.list)
            engine = Engine(self.store, **options)
            await engine.start()
            self._engine = engine
            self.requests = RequestServer(self)
            await self.requests.start()
        return self._engine

    async def stop_engine(self) -> None:
        if self.requests is not None:
            await self.requests.stop()
            self.requests = None
        if self._engine is not None:
            await self._engine.stop()
            self._engine = None

    async def _running_engine(self) -> Engine:
        return await self.start_engine()

    # ---- workflow executions ------------------------------------------------------------

    async def start_execution(
        self,
        workflow: str,
        input: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        description: str = "",
        caller: Caller | None = None,
    ) -> ExecutionRecord:
        """`execution-create`: check the input, then start; nothing is stored if refused.

        `params` may hold `env` (a dict or the name of a stored environment), `task_name`
        (reverse workflows), `evaluate_env`. With `caller`, the execution's OpenStack actions
        act as the caller (engine.callers).
        """
        engine = await self._running_engine()
        await engine.catalog.refresh()
        record = await defs.find_workflow(self.store, workflow)
        entry = engine.catalog.workflow(record.name) if record is not None else None
        if entry is None:
            raise NotFoundError(f"Workflow '{workflow}' not found")
        params = dict(params or {})
        env = params.get("env")
        if isinstance(env, str):
            stored = await rows.find_environment(self.store, env)
            if stored is None:
                raise InputError(f"Environment is not found: {env}")
            params["env"] = stored.variables
        execution = await engine.submit(
            events.StartWorkflow(
                entry.spec,
                entry.name,
                entry.text,
                dict(input or {}),
                params,
                description,
                entry.id,
                caller,
            )
        )
        return await self.get_execution(execution.id)

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        found = await rows.find_execution(self.store, execution_id)
        if found is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        return found

    async def list_executions(
        self,
        *,
        task_execution_id: str | None = None,
        state: str | None = None,
        workflow_name: str | None = None,
        root_only: bool = False,
        limit: int | None = 100,
        newest_first: bool = False,
    ) -> list[ExecutionRecord]:
        """`execution-list`: oldest first by default, 100 rows (-1 or None: all)."""
        return await rows.list_executions(
            self.store,
            task_execution_id=task_execution_id,
            state=state,
            workflow_name=workflow_name,
            root_only=root_only,
            limit=limit,
            newest_first=newest_first,
        )

    async def list_execution_summaries(self, **filters: Any) -> list[ExecutionSummary]:
        """`list_executions` (same filters) without input, output and params: for lists."""
        return await rows.list_execution_summaries(self.store, **filters)

    async def update_execution(
        self,
        execution_id: str,
        *,
        state: str | None = None,
        state_info: str | None = None,
        env: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ExecutionRecord:
        """`execution-update`: -s PAUSED pauses, -s RUNNING resumes (with -e merged into the
        env), -s SUCCESS|ERROR|CANCELLED ends it now with `state_info` as the message; -d sets
        the description, -e alone updates the env (IDLE, PAUSED or ERROR executions)."""
        if description is not None and state is not None:
            raise WorkflowError("The description cannot be updated together with the state")
        engine = await self._loaded(execution_id)
        if description is not None:
            await engine.submit(events.SetDescription(execution_id, description))
        if state == states.PAUSED:
            await engine.submit(events.PauseWorkflow(execution_id, state_info))
        elif state == states.RUNNING:
            await engine.submit(events.ResumeWorkflow(execution_id, dict(env) if env else None))
        elif state is not None:
            await engine.submit(events.StopWorkflow(execution_id, state, state_info))
        elif env:
            await engine.submit(events.UpdateEnvironment(execution_id, dict(env)))
        return await self.get_execution(execution_id)

    async def wait_execution(
        self, execution_id: str, timeout: float | None = None
    ) -> ExecutionRecord:
        """Wait until the execution ends; return it."""
        await self._wait(execution_id, self.get_execution, timeout)
        return await self.get_execution(execution_id)

    async def _wait(self, object_id: str, read: Any, timeout: float | None) -> None:
        engine = await self._running_engine()
        ended = engine.watch(object_id)
        try:
            if (await read(object_id)).state not in FINAL_STATES:
                await asyncio.wait_for(ended, timeout)
        finally:
            engine.unwatch(object_id, ended)

    async def delete_execution(self, execution_id: str) -> None:
        """`execution-delete`: the execution and everything under it; not while it runs."""
        found = await self.get_execution(execution_id)
        if found.root_execution_id is not None:
            raise WorkflowError(
                f"Execution {execution_id} is a sub-workflow; delete its root execution "
                f"{found.root_execution_id}"
            )
        if self._engine is not None and execution_id in self._engine.conductor.executions:
            if found.state not in FINAL_STATES:
                raise WorkflowError(
                    f"Execution {execution_id} is {found.state}; cancel it before deleting it"
                )
            self._engine.conductor.forget(execution_id)
        elif found.state not in FINAL_STATES:
            raise WorkflowError(
                f"Execution {execution_id} is {found.state}; cancel it before deleting it"
            )
        await self.store.write(rows.delete_execution_tree, execution_id)

    async def _loaded(self, execution_id: str) -> Engine:
        """The engine, with the execution's tree in its memory."""
        engine = await self._running_engine()
        root = await self.store.write(rows.root_of, execution_id)
        if root is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        await engine.ensure_loaded(root)
        return engine

    # ---- task executions ----------------------------------------------------------------

    async def list_tasks(
        self, execution_id: str | None = None, limit: int | None = 100
    ) -> list[TaskRecord]:
        return await rows.list_tasks(self.store, execution_id, limit)

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
        self, task_id: str, *, reset: bool = True, env: Mapping[str, Any] | None = None
    ) -> TaskRecord:
        """`task-rerun`: an ERROR task runs again; with reset=False (--resume) a with-items task
        runs only its failed and not-started items."""
        execution_id = await self.store.write(rows.execution_of_task, task_id)
        if execution_id is None:
            raise NotFoundError(f"Task execution '{task_id}' not found")
        engine = await self._loaded(execution_id)
        await engine.catalog.refresh()
        await engine.submit(events.RerunTask(task_id, reset, dict(env) if env else None))
        return await self.get_task(task_id)

    # ---- action executions --------------------------------------------------------------

    async def list_action_executions(
        self, task_id: str | None = None, limit: int | None = 100
    ) -> list[ActionExecutionRecord]:
        return await rows.list_action_executions(self.store, task_id, limit)

    async def get_action_execution(self, action_id: str) -> ActionExecutionRecord:
        found = await rows.find_action_execution(self.store, action_id)
        if found is None:
            raise NotFoundError(f"Action execution '{action_id}' not found")
        return found

    async def update_action_execution(
        self, action_id: str, state: str, output: Any = None
    ) -> ActionExecutionRecord:
        """`action-execution-update`: the result of an asynchronous action (SUCCESS, ERROR,
        CANCELLED), or its PAUSED / RUNNING state."""
        found = await self.get_action_execution(action_id)
        engine = await self._running_engine()
        if found.task_execution_id is not None:
            execution_id = await self.store.write(rows.execution_of_task, found.task_execution_id)
            await self._loaded(execution_id)
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
        await engine.submit(event)
        return await self.get_action_execution(action_id)

    async def run_action(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        save_result: bool = False,
        run_sync: bool = False,
        description: str = "",
    ) -> ActionExecutionRecord:
        """`run-action`: run one action outside any workflow.

        Without `save_result` nothing is stored and the record has no id. With it, the action
        execution is a row; `run_sync` waits for its end.
        """
        given = dict(input or {})
        if not save_result:
            return await self._run_unsaved(name, given)
        engine = await self._running_engine()
        await engine.catalog.refresh()
        action = await engine.submit(events.RunStandaloneAction(name, given, description))
        if run_sync:
            await self._wait(action.id, self.get_action_execution, None)
        return await self.get_action_execution(action.id)

    async def _run_unsaved(self, name: str, given: dict[str, Any]) -> ActionExecutionRecord:
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

    # ---- changes ------------------------------------------------------------------------

    async def subscribe(self) -> AsyncIterator[list[Change]]:
        """Committed changes of every execution, task and action execution, as they happen."""
        engine = await self._running_engine()
        async for changes in engine.subscribe():
            yield changes
