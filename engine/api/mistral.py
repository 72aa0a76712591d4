"""The backend that drives a real OpenStack Mistral through its v2 REST API (python-mistralclient).

Chosen with `--os-mistral-url URL` / `$OS_MISTRAL_URL` (no authentication, as the `mistral` CLI
takes it), or `--mistral`: the `workflowv2` endpoint of the Keystone catalog, reached with the
usual OS_* / clouds.yaml credentials through keystoneauth1 (Mistral sees a token, never a
password; nothing is stored). Every client call is blocking, so each runs in a thread.

Mistral runs the workflows: `start_engine` only checks that it answers, and `subscribe` polls
for what changed since the newest `updated_at` seen (one-second resolution, so rows of that
second are read again and reported only when they differ), instead of re-reading every
execution. Remote errors keep Mistral's words: `HTTP <status>: <faultstring>` on one line.

Mistral's OpenStack actions (mistral-extra's ironic.* ...) act on the cloud of the request's
Keystone token. Credentials without Keystone (a standalone Ironic, the sandbox) have none, so
every request names that cloud in Mistral's target-cloud headers instead, as
python-mistralclient's `target_*` options do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from engine.api.mistral_json import cron_trigger_record
from engine.api.types import (
    NAMED_KINDS,
    ActionExecutionRecord,
    ActionRecord,
    AlreadyExistsError,
    AmbiguousIdError,
    Caller,
    Change,
    CronTriggerRecord,
    EngineError,
    EnvironmentRecord,
    ExecutionFilter,
    ExecutionRecord,
    ExecutionSummary,
    Filter,
    InputError,
    InputParam,
    MessageRecord,
    NotFoundError,
    Page,
    Problem,
    QueueRecord,
    TaskRecord,
    Validation,
    WorkbookRecord,
    WorkflowRecord,
    states,
    taken_as_given,
)
from engine.core.errors import invalid_input
from engine.target_cloud import target_cloud_headers

if TYPE_CHECKING:
    from engine.api.graph import WorkflowGraph

SERVICE_TYPE = "workflowv2"
TIMEOUT = 60.0  # seconds for one HTTP request
PAGE = 1000  # rows per request when a listing wants everything
WHOLE_ID = 36  # a UUID's length: a shorter id is a prefix to look up
POLL_SECONDS = 1.0  # how often `subscribe` asks what changed
LATE_COMMIT_SECONDS = 2  # `subscribe` reads again the rows updated this long before the newest
MISTRAL_TIME = "%Y-%m-%d %H:%M:%S"  # Mistral's `updated_at`
LOG = logging.getLogger(__name__)
WAIT_SECONDS = (0.2, 2.0)  # first and longest pause between polls of a waited-for execution
TRACEBACK = "Traceback (most recent call last)"
OLDEST_FIRST = {"sort_keys": "created_at,id", "sort_dirs": "asc,asc"}
SUMMARY_FIELDS = (
    "id",
    "workflow_name",
    "state",
    "state_info",
    "description",
    "created_at",
    "updated_at",
    "task_execution_id",
    "root_execution_id",
    "input",
)

T = TypeVar("T")


class MistralError(EngineError):
    """Mistral refused a request (its HTTP status and faultstring) or could not be reached."""


class MistralNotFoundError(MistralError, NotFoundError):
    """HTTP 404: the object does not exist in that Mistral."""


class MistralConflictError(MistralError, AlreadyExistsError):
    """HTTP 409: an object with that name exists already."""


class MistralBackend:
    """A Mistral v2 endpoint behind the backend protocol (engine.api.backend.Backend)."""

    workbook_load_problems: list[str]

    def __init__(self, client: Any, url: str, described: str) -> None:
        self.client = client
        self.url = url
        self.label = f"Mistral {url}"  # what the status bar and `engine status` show
        self.described = described  # how it was reached, for `engine status`
        self.workbook_load_problems = []  # our workbooks are not loaded into someone's Mistral

    @classmethod
    async def open(cls, url: str | None = None) -> MistralBackend:
        """The Mistral at `url` (no authentication), or without one, the `workflowv2` endpoint
        of the Keystone catalog (engine.clouds credentials). Checks that it answers."""
        backend = await asyncio.to_thread(_connect, url)
        await backend._call(backend.client.workbooks.list, limit=1)
        return backend

    async def close(self) -> None:
        pass

    async def __aenter__(self) -> MistralBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---- the engine: Mistral's --------------------------------------------------------------

    async def start_engine(self) -> None:
        """Mistral's engine runs on its own; check that its API answers."""
        await self._call(self.client.workbooks.list, limit=1)

    async def engine_halted(self) -> str:
        """Mistral's engine does not run in this process: this never returns."""
        return await asyncio.get_running_loop().create_future()

    async def stop_engine(self) -> None:
        pass

    @property
    def engine_running(self) -> bool:
        return True  # `subscribe` reports Mistral's changes

    def give_way(self) -> None:
        pass  # Mistral's engine runs on its own machine

    def go_on(self) -> None:
        pass

    # ---- workbooks ---------------------------------------------------------------------------

    async def list_workbooks(self) -> list[WorkbookRecord]:
        return [_workbook(item) for item in await self._list(self.client.workbooks.list)]

    async def get_workbook(self, name: str) -> WorkbookRecord:
        return _workbook(await self._call(self.client.workbooks.get, name))

    async def get_workbook_definition(self, name: str) -> str:
        return (await self.get_workbook(name)).definition

    async def validate_workbook(self, text: str, filename: str = "<input>") -> Validation:
        return _validation(await self._call(self.client.workbooks.validate, text), filename)

    async def create_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        return _workbook(await self._call(self.client.workbooks.create, text))

    async def update_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord:
        return _workbook(await self._call(self.client.workbooks.update, text))

    async def delete_workbook(self, name: str) -> None:
        await self._call(self.client.workbooks.delete, name)

    # ---- workflows ---------------------------------------------------------------------------

    async def list_workflows(self) -> list[WorkflowRecord]:
        return [_workflow(item) for item in await self._list(self.client.workflows.list)]

    async def get_workflow(self, id_or_name: str) -> WorkflowRecord:
        return _workflow(await self._call(self.client.workflows.get, id_or_name))

    async def get_workflow_definition(self, id_or_name: str) -> str:
        return (await self.get_workflow(id_or_name)).definition

    async def get_workflow_input(self, id_or_name: str) -> tuple[InputParam, ...]:
        """From the workflow's `interface`: a name, or a one-key dict with its default."""
        found = await self._call(self.client.workflows.get, id_or_name)
        params = []
        for item in _json(found, "interface", {}).get("input", []):
            if isinstance(item, dict):
                params += [InputParam(name, default, False) for name, default in item.items()]
            else:
                params.append(InputParam(str(item)))
        return tuple(params)

    async def get_workflow_graph(self, id_or_name: str) -> WorkflowGraph:
        """Parsed with engine.lang from the definition Mistral keeps: for a workflow of a
        workbook, its own section (`parent:\n  tasks: ...`), without a version line."""
        from engine.api.graph import graph_of
        from engine.lang import parse_workflows

        record = await self.get_workflow(id_or_name)
        text = record.definition
        if not re.search(r"^version\s*:", text, re.MULTILINE):
            text = f"version: '2.0'\n{text}"
        document = await asyncio.to_thread(parse_workflows, text, record.name)
        short_name = record.name.removeprefix(f"{record.workbook_name}.")
        workflows = document.workflows
        spec = workflows.get(record.name) or workflows.get(short_name)
        return graph_of(spec or next(iter(workflows.values())))

    async def check_execution_input(self, workflow: str, input: Mapping[str, Any]) -> None:
        declared = await self.get_workflow_input(workflow)
        missing = [p.name for p in declared if p.required and p.name not in input]
        unexpected = [name for name in input if name not in {p.name for p in declared}]
        if missing or unexpected:
            raise InputError(invalid_input(workflow, "WorkflowSpec", missing, unexpected))

    async def validate_workflows(self, text: str, filename: str = "<input>") -> Validation:
        return _validation(await self._call(self.client.workflows.validate, text), filename)

    async def create_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        return [_workflow(item) for item in await self._call(self.client.workflows.create, text)]

    async def update_workflows(self, text: str, filename: str = "<input>") -> list[WorkflowRecord]:
        return [_workflow(item) for item in await self._call(self.client.workflows.update, text)]

    async def delete_workflow(self, id_or_name: str) -> None:
        await self._call(self.client.workflows.delete, id_or_name)

    # ---- actions -----------------------------------------------------------------------------

    async def list_actions(self) -> list[ActionRecord]:
        found = [_action(item) for item in await self._list(self.client.actions.list)]
        return sorted(found, key=lambda action: action.name)

    async def get_action(self, id_or_name: str) -> ActionRecord:
        return _action(await self._call(self.client.actions.get, id_or_name))

    async def get_action_definition(self, id_or_name: str) -> str:
        return (await self.get_action(id_or_name)).definition

    async def validate_actions(self, text: str, filename: str = "<input>") -> Validation:
        return _validation(await self._call(self.client.actions.validate, text), filename)

    async def create_actions(
        self, text: str, filename: str = "<input>", scope: str = "private"
    ) -> list[ActionRecord]:
        created = await self._call(self.client.actions.create, text, scope=scope)
        return [_action(item) for item in created]

    async def update_actions(
        self, text: str, filename: str = "<input>", scope: str = "private", id: str | None = None
    ) -> list[ActionRecord]:
        updated = await self._call(self.client.actions.update, text, scope=scope, id=id)
        return [_action(item) for item in updated]

    async def delete_action(self, id_or_name: str) -> None:
        await self._call(self.client.actions.delete, id_or_name)

    # ---- executions --------------------------------------------------------------------------

    async def resolve_id(self, kind: str, given: str) -> str:
        """A whole id as given; a short one found among the ids (Mistral 23 filters no list
        by `id`, so this reads the id column page by page). Workflows, actions and cron
        triggers are also named: a name, or text that starts no id, is passed on as given."""
        if len(given) >= WHOLE_ID or taken_as_given(kind, given):
            return given
        lister = {
            "execution": self.client.executions.list,
            "task": self.client.tasks.list,
            "action execution": self.client.action_executions.list,
            "workflow": self.client.workflows.list,
            "action": self.client.actions.list,
            "cron trigger": self.client.cron_triggers.list,
        }[kind]
        named = kind in NAMED_KINDS
        rows = await self._list(lister, None, fields=["id", "name"] if named else ["id"])
        if named and any(row.name == given for row in rows):
            return given
        found = [row.id for row in rows if (row.id or "").startswith(given)]
        if len(found) == 1:
            return found[0]
        if not found:
            if named:
                return given
            raise NotFoundError(f"{kind.capitalize()} '{given}' not found")
        raise AmbiguousIdError(
            f"{kind.capitalize()} id '{given}' is ambiguous: it starts {len(found)} {kind} ids; "
            "give more characters"
        )

    async def start_execution(
        self,
        workflow: str,
        input: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        description: str = "",
        caller: Caller | None = None,
    ) -> ExecutionRecord:
        """`caller` is not passed on: Mistral's actions act on the cloud of this backend's
        requests (their Keystone token, else the target-cloud headers)."""
        created = await self._call(
            self.client.executions.create,
            workflow,
            workflow_input=dict(input or {}),
            description=description,
            **dict(params or {}),
        )
        return _execution(created)

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        return _execution(await self._call(self.client.executions.get, execution_id))

    async def list_executions(self, wanted: ExecutionFilter | None = None) -> list[ExecutionRecord]:
        found = await self._list_executions(wanted or ExecutionFilter(), (), include_output=True)
        return [_execution(item) for item in found]

    async def page_executions(
        self, page: Page, *, with_output: bool = False
    ) -> list[ExecutionRecord]:
        found = await self._page(
            self.client.executions.list, page, include_output=with_output or None
        )
        return [_execution(item) for item in found]

    async def list_execution_summaries(
        self, wanted: ExecutionFilter | None = None
    ) -> list[ExecutionSummary]:
        found = await self._list_executions(wanted or ExecutionFilter(), SUMMARY_FIELDS)
        return [_summary(item) for item in found]

    async def _list_executions(
        self, wanted: ExecutionFilter, fields: tuple[str, ...], **filters: Any
    ) -> list:
        if wanted.task_execution_id:
            filters["task_execution_id"] = wanted.task_execution_id
        if wanted.state:
            filters["state"] = wanted.state
        if wanted.workflow_name:
            filters["workflow_name"] = wanted.workflow_name
        if wanted.root_only:
            filters["nulls"] = "task_execution_id"
        direction = "desc" if wanted.newest_first else "asc"
        return await self._list(
            self.client.executions.list,
            wanted.limit,
            sort_keys="created_at,id",
            sort_dirs=f"{direction},{direction}",
            fields=list(fields),
            **filters,
        )

    async def update_execution(
        self,
        execution_id: str,
        *,
        state: str | None = None,
        state_info: str | None = None,
        env: Mapping[str, Any] | None = None,
        description: str | None = None,
        caller: Caller | None = None,
    ) -> ExecutionRecord:
        """`execution-update`; the client's own update() cannot send `state_info`."""
        body: dict[str, Any] = {}
        if state:
            body["state"] = state
        if state_info is not None:
            body["state_info"] = state_info
        if description is not None:
            body["description"] = description
        if env:
            body["params"] = {"env": dict(env)}
        manager = self.client.executions
        return _execution(await self._call(manager._update, f"/executions/{execution_id}", body))

    async def wait_execution(self, execution_id: str) -> ExecutionRecord:
        """Poll the execution (more slowly as it keeps running) until it has ended."""
        pause, longest = WAIT_SECONDS
        while not states.is_completed((execution := await self.get_execution(execution_id)).state):
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, longest)
        return execution

    async def delete_execution(self, execution_id: str) -> None:
        await self._call(self.client.executions.delete, execution_id)

    async def get_execution_published(self, execution_id: str) -> dict[str, Any]:
        found = await self._call(self.client.executions.get, execution_id)
        return _json(found, "published_global", {})

    async def get_execution_report(
        self,
        execution_id: str,
        *,
        errors_only: bool = False,
        max_depth: int = -1,
        statistics_only: bool = False,
    ) -> dict[str, Any]:
        return await self._call(
            self.client.executions.get_report,
            execution_id,
            errors_only=errors_only,
            max_depth=max_depth,
            statistics_only=statistics_only,
        )

    async def list_sub_executions(
        self, kind: str, origin_id: str, *, errors_only: bool = False, max_depth: int = -1
    ) -> list[ExecutionRecord]:
        lister = {
            "execution": self.client.executions.get_ex_sub_executions,
            "task": self.client.tasks.get_task_sub_executions,
        }[kind]
        # As mistralclient sends it: '' (not False) for "not only errors".
        found = await self._call(
            lister, origin_id, errors_only=errors_only or "", max_depth=max_depth
        )
        return [_execution(item) for item in found]

    # ---- task executions ---------------------------------------------------------------------

    async def list_tasks(
        self, execution_id: str | None = None, limit: int | None = 100
    ) -> list[TaskRecord]:
        found = await self._list(
            self.client.tasks.list,
            limit,
            workflow_execution_id=execution_id,
            **OLDEST_FIRST,
        )
        return [_task(item) for item in found]

    async def page_tasks(self, page: Page) -> list[TaskRecord]:
        return [_task(item) for item in await self._page(self.client.tasks.list, page)]

    async def get_task(self, task_id: str) -> TaskRecord:
        return _task(await self._call(self.client.tasks.get, task_id))

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
    ) -> TaskRecord:
        if skip:  # Mistral's task update to SKIPPED; the client has no call of its own for it
            body = {"id": task_id, "state": "SKIPPED", "reset": reset}
            skipped = await self._call(self.client.tasks._update, f"/tasks/{task_id}", body)
            return _task(skipped)
        rerun = await self._call(
            self.client.tasks.rerun, task_id, reset=reset, env=dict(env) if env else None
        )
        return _task(rerun)

    # ---- action executions -------------------------------------------------------------------

    async def list_action_executions(
        self, task_id: str | None = None, limit: int | None = 100
    ) -> list[ActionExecutionRecord]:
        found = await self._list(
            self.client.action_executions.list,
            limit,
            task_execution_id=task_id,
            **OLDEST_FIRST,
        )
        return [_action_execution(item) for item in found]

    async def page_action_executions(self, page: Page) -> list[ActionExecutionRecord]:
        found = await self._page(self.client.action_executions.list, page)
        return [_action_execution(item) for item in found]

    async def get_action_execution(self, action_id: str) -> ActionExecutionRecord:
        return _action_execution(await self._call(self.client.action_executions.get, action_id))

    async def update_action_execution(
        self, action_id: str, state: str, output: Any = None
    ) -> ActionExecutionRecord:
        manager = self.client.action_executions
        body: dict[str, Any] = {"state": state}
        if output is not None:
            body["output"] = output
        path = f"/action_executions/{action_id}"
        return _action_execution(await self._call(manager._update, path, body))

    async def delete_action_execution(self, action_id: str) -> None:
        await self._call(self.client.action_executions.delete, action_id)

    async def run_action(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        save_result: bool = False,
        run_sync: bool = False,
        description: str = "",
        caller: Caller | None = None,
    ) -> ActionExecutionRecord:
        params: dict[str, Any] = {"save_result": save_result, "run_sync": run_sync}
        if description:
            params["description"] = description
        created = await self._call(
            self.client.action_executions.create, name, dict(input or {}), **params
        )
        return _action_execution(created)

    # ---- environments ------------------------------------------------------------------------

    async def create_environment(
        self,
        name: str,
        variables: Mapping[str, Any],
        description: str | None = None,
        scope: str = "private",
    ) -> EnvironmentRecord:
        fields = {"name": name, "variables": dict(variables), "scope": scope}
        if description is not None:
            fields["description"] = description
        return _environment(await self._call(self.client.environments.create, **fields))

    async def update_environment(
        self,
        name: str,
        variables: Mapping[str, Any] | None = None,
        description: str | None = None,
        scope: str | None = None,
    ) -> EnvironmentRecord:
        fields: dict[str, Any] = {"name": name}
        if variables is not None:
            fields["variables"] = dict(variables)
        if description is not None:
            fields["description"] = description
        if scope is not None:
            fields["scope"] = scope
        return _environment(await self._call(self.client.environments.update, **fields))

    async def list_environments(self) -> list[EnvironmentRecord]:
        return [_environment(item) for item in await self._list(self.client.environments.list)]

    async def get_environment(self, name: str) -> EnvironmentRecord:
        return _environment(await self._call(self.client.environments.get, name))

    async def delete_environment(self, name: str) -> None:
        await self._call(self.client.environments.delete, name)

    # ---- cron triggers ------------------------------------------------------------------------

    async def create_cron_trigger(
        self,
        name: str,
        workflow: str,
        workflow_input: Mapping[str, Any] | None = None,
        workflow_params: Mapping[str, Any] | None = None,
        pattern: str | None = None,
        first_time: str | None = None,
        count: int | None = None,
    ) -> CronTriggerRecord:
        created = await self._call(
            self.client.cron_triggers.create,
            name,
            workflow,
            dict(workflow_input or {}),
            dict(workflow_params or {}),
            pattern or None,
            first_time or None,
            count,
        )
        return cron_trigger_record(created.to_dict())

    async def list_cron_triggers(self) -> list[CronTriggerRecord]:
        found = await self._list(self.client.cron_triggers.list, **OLDEST_FIRST)
        return [cron_trigger_record(item.to_dict()) for item in found]

    async def get_cron_trigger(self, name_or_id: str) -> CronTriggerRecord:
        found = await self._call(self.client.cron_triggers.get, name_or_id)
        return cron_trigger_record(found.to_dict())

    async def delete_cron_trigger(self, name_or_id: str) -> None:
        await self._call(self.client.cron_triggers.delete, name_or_id)

    # ---- queues (Zaqar) ----------------------------------------------------------------------

    async def list_queues(self) -> list[QueueRecord]:
        raise MistralError(self._no_zaqar())

    async def list_messages(
        self, queue_name: str, *, after: str | None = None
    ) -> list[MessageRecord]:
        raise MistralError(self._no_zaqar())

    def _no_zaqar(self) -> str:
        return (
            f"No messages with {self.label}: TripleO's workflows post them to Zaqar, "
            "which this console reads only from its own engine"
        )

    # ---- changes -----------------------------------------------------------------------------

    async def subscribe(self) -> AsyncIterator[list[Change]]:
        """Every POLL_SECONDS, what changed since the newest `updated_at` seen. A failed read
        (Mistral busy or restarting) is logged and asked again at the next poll: the stream
        goes on, and nothing is lost, as the markers move only on what was read."""
        kinds = (
            ("execution", self.client.executions.list, ("workflow_name", "root_execution_id")),
            ("task", self.client.tasks.list, ("name", "workflow_execution_id")),
            ("action", self.client.action_executions.list, ("name", "task_execution_id")),
        )
        watchers = [_ChangeWatcher(kind, lister, fields) for kind, lister, fields in kinds]
        roots: dict[str, str] = {}  # execution id -> its root's id, as seen in execution rows
        while True:
            changes = []
            for watcher in watchers:  # page by page: a busy second may hold many rows
                try:
                    changes += await self._read_changes(watcher, roots)
                except MistralError as error:
                    LOG.warning("%s changes not read, asked again: %s", watcher.kind, error)
            if changes:
                yield changes
            await asyncio.sleep(POLL_SECONDS)

    async def _read_changes(self, watcher: _ChangeWatcher, roots: dict[str, str]) -> list[Change]:
        if not watcher.started:  # start from the newest second: what is there now is known
            newest = await self._call(watcher.lister, **watcher.newest_query())
            watcher.marker = _get(newest[0], "updated_at") if newest else None
            if watcher.marker:
                watcher.changes(await self._list(watcher.lister, **watcher.query()), roots)
            watcher.started = True
            return []
        return watcher.changes(await self._list(watcher.lister, **watcher.query()), roots)

    # ---- calls -------------------------------------------------------------------------------

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one blocking client call in a thread; raise MistralError with the server's
        words, or naming the URL when it cannot be reached."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except Exception as error:
            raise _remote_error(error, self.url) from None

    async def _page(self, lister: Callable[..., list], page: Page, **query: Any) -> list:
        """Mistral's own query (filters, marker, limit, sort keys); no limit: every page."""
        filters = {each.column: _filter_text(each) for each in page.filters}
        if page.nulls:
            filters["nulls"] = ",".join(page.nulls)
        return await self._list(
            lister,
            page.limit,
            start=page.marker or "",
            sort_keys=",".join(page.sort_keys),
            sort_dirs=",".join(page.directions),
            **query,
            **filters,
        )

    async def _list(
        self, lister: Callable[..., list], limit: int | None = None, start: str = "", **query: Any
    ) -> list:
        """All rows (page by page) when `limit` is None or negative, else at most `limit`;
        those after the row `start` when given."""
        query = {key: value for key, value in query.items() if value not in (None, "", [])}
        if limit is not None and limit >= 0:
            return await self._call(lister, limit=limit, marker=start, **query)
        rows: list = []
        marker = start
        while True:
            page = await self._call(lister, limit=PAGE, marker=marker, **query)
            rows += page
            if len(page) < PAGE:
                return rows
            marker = page[-1].id


class _ChangeWatcher:
    """One kind of object (executions, tasks or action executions) polled by `updated_at`."""

    def __init__(self, kind: str, lister: Callable[..., list], fields: tuple[str, str]) -> None:
        self.kind = kind
        self.lister = lister
        self.name_field, self.parent_field = fields
        self.started = False
        self.marker: str | None = None
        self.seen: dict[str, tuple[str, str]] = {}  # id -> (updated_at, state) since `since`

    def newest_query(self) -> dict[str, Any]:
        return {
            "limit": 1,
            "sort_keys": "updated_at",
            "sort_dirs": "desc",
            "fields": ["id", "updated_at"],
        }

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {
            "sort_keys": "updated_at,id",
            "sort_dirs": "asc,asc",
            "fields": [
                "id",
                "state",
                "state_info",
                "updated_at",
                self.name_field,
                self.parent_field,
            ],
        }
        if self.marker:
            query["updated_at"] = f"gte:{self.since()}"
        return query

    def since(self) -> str:
        """The marker less LATE_COMMIT_SECONDS: a row whose `updated_at` was taken before the
        marker's but committed after it was read is still found (`seen` skips the others)."""
        try:
            marker = datetime.strptime(self.marker or "", MISTRAL_TIME)
        except ValueError:
            return self.marker or ""
        return (marker - timedelta(seconds=LATE_COMMIT_SECONDS)).strftime(MISTRAL_TIME)

    def changes(self, rows: list, roots: dict[str, str]) -> list[Change]:
        found = []
        for row in rows:
            updated_at, state = _get(row, "updated_at") or "", _get(row, "state")
            if self.seen.get(row.id) == (updated_at, state):
                continue  # read again: it is in the seconds before the marker
            self.seen[row.id] = (updated_at, state)
            parent = _get(row, self.parent_field)
            if self.kind == "execution":
                roots[row.id] = parent or row.id
                execution_id, root = row.id, parent or row.id
            elif self.kind == "task":
                execution_id, root = parent, roots.get(parent)
            else:
                execution_id, root = None, None
            found.append(
                Change(
                    self.kind,
                    row.id,
                    _get(row, self.name_field) or "",
                    state,
                    _state_info(row),
                    execution_id,
                    root,
                )
            )
        if rows:
            self.marker = max(_get(row, "updated_at") or "" for row in rows) or self.marker
            since = self.since()
            self.seen = {key: seen for key, seen in self.seen.items() if seen[0] >= since}
        return found


def _connect(url: str | None) -> MistralBackend:
    """A mistralclient client with a keystoneauth1 session (it gives every request a timeout
    and, with Keystone, a token)."""
    from keystoneauth1 import session as ks_session
    from mistralclient.api import client as mistral_client

    if url:
        session = ks_session.Session(timeout=TIMEOUT, additional_headers=_TargetCloud())
        described = f"Mistral {url} without authentication"
    else:
        from engine import clouds

        credentials = clouds.current()
        if credentials is None:
            raise MistralError(f"--mistral: {clouds.NO_ENDPOINT}")
        try:
            url = credentials.endpoint(SERVICE_TYPE)
        except clouds.CloudsError as error:
            raise MistralError(f"--mistral: {error}") from None
        session = credentials.session()
        described = f"Mistral {url}; {credentials.describe()}"
    url = url.rstrip("/")
    client = mistral_client.client(mistral_url=url, session=session, enforce_raw_definitions=True)
    return MistralBackend(client, url, described)


class _TargetCloud(Mapping[str, str]):
    """The target-cloud headers for the credentials in use at each request (keystoneauth1
    reads `items()` per request), so an Ironic started after the backend opened is found."""

    def __getitem__(self, name: str) -> str:
        return self._now()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def items(self):
        return self._now().items()

    @staticmethod
    def _now() -> dict[str, str]:
        from engine import clouds

        return target_cloud_headers(clouds.current())


def _remote_error(error: Exception, url: str) -> Exception:
    """The one-line error a user sees for a failed call."""
    from keystoneauth1 import exceptions as ks_exceptions
    from mistralclient.api.base import APIException

    if isinstance(error, APIException):
        status = error.error_code
        text = error.error_message
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        message = f"HTTP {status}: {_one_line(str(text or 'no reason given'))}"
        kind = {404: MistralNotFoundError, 409: MistralConflictError}.get(status, MistralError)
        return kind(message)
    if isinstance(error, ks_exceptions.ConnectionError | OSError):
        reason = re.search(r"\[Errno -?\d+\] [^'\")]+", str(error))
        why = reason.group(0) if reason else type(error).__name__
        return MistralError(f"cannot reach Mistral at {url}: {why}")
    if isinstance(error, ks_exceptions.ClientException):
        return MistralError(f"Mistral at {url}: {_one_line(str(error))}")
    return error


def _one_line(text: str) -> str:
    """Mistral's message on one line: its lines joined, any Python traceback left out."""
    kept = []
    for line in text.splitlines():
        if line.startswith(TRACEBACK):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)


def _validation(answer: Mapping[str, Any], filename: str) -> Validation:
    """Mistral's verdict as one problem; its place when Mistral names one (YAML errors do),
    else line 0."""
    if answer.get("valid"):
        return Validation()
    message = _one_line(answer.get("error") or "invalid")
    place = re.search(r"line (\d+), column (\d+)", message)
    line, column = (int(place.group(1)), int(place.group(2))) if place else (0, 0)
    return Validation(problems=(Problem(filename, line, column, "", f"Mistral: {message}"),))


# ---- records from Mistral's JSON -------------------------------------------------------------


def _get(item: Any, name: str, default: Any = None) -> Any:
    return getattr(item, name, default)


def _state_info(item: Any) -> str | None:
    """Mistral's state_info without the Python tracebacks it can hold; a text that is only a
    traceback keeps its last line (the exception)."""
    text = _get(item, "state_info")
    if not text or TRACEBACK not in text:
        return text
    before = text.split(TRACEBACK)[0].rstrip()
    return before or text.strip().splitlines()[-1]


def _json(item: Any, name: str, default: Any = None) -> Any:
    """A field Mistral sends as JSON text (input, output, params, published, result)."""
    value = _get(item, name)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _workbook(item: Any) -> WorkbookRecord:
    return WorkbookRecord(
        name=item.name,
        definition=_get(item, "definition", ""),
        description=_get(item, "description"),
        tags=tuple(_get(item, "tags") or ()),
        scope=_get(item, "scope", "private"),
        project_id=_get(item, "project_id", ""),
        created_at=_get(item, "created_at", ""),
        updated_at=_get(item, "updated_at"),
    )


def _workflow(item: Any) -> WorkflowRecord:
    name = item.name
    workbook = _get(item, "workbook_name")
    return WorkflowRecord(
        id=item.id,
        name=name,
        workbook_name=workbook,
        namespace=_get(item, "namespace") or "",
        definition=_get(item, "definition", ""),
        input=_get(item, "input") or "",
        description=_get(item, "description"),
        tags=tuple(_get(item, "tags") or ()),
        scope=_get(item, "scope", "private"),
        project_id=_get(item, "project_id", ""),
        created_at=_get(item, "created_at", ""),
        updated_at=_get(item, "updated_at"),
    )


def _action(item: Any) -> ActionRecord:
    return ActionRecord(
        id=_get(item, "id") or item.name,
        name=item.name,
        workbook_name=_get(item, "workbook_name"),
        is_system=bool(_get(item, "is_system", False)),
        input=_get(item, "input") or "",
        description=_get(item, "description"),
        tags=tuple(_get(item, "tags") or ()),
        definition=_get(item, "definition") or "",
        scope=_get(item, "scope", "public"),
        project_id=_get(item, "project_id", ""),
        created_at=_get(item, "created_at"),
        updated_at=_get(item, "updated_at"),
    )


def _filter_text(wanted: Any) -> str:
    """A Filter as Mistral's query takes it: `op:value`, a list's values joined by commas; an
    equality as the plain value (mistralclient's `tasks.list(workflow_execution_id=ID)` takes
    that argument as a path), unless the value itself would read as `op:...`."""
    value = wanted.value
    text = ",".join(value) if isinstance(value, list | tuple) else value
    if wanted.op == "eq" and Filter.parse("", text) == Filter("", "eq", text):
        return text
    return f"{wanted.op}:{text}"


def _execution(item: Any) -> ExecutionRecord:
    return ExecutionRecord(
        id=item.id,
        workflow_id=_get(item, "workflow_id"),
        workflow_name=_get(item, "workflow_name", ""),
        description=_get(item, "description") or "",
        task_execution_id=_get(item, "task_execution_id"),
        root_execution_id=_get(item, "root_execution_id"),
        state=item.state,
        state_info=_state_info(item),
        input=_json(item, "input", {}),
        output=_json(item, "output"),
        params=_json(item, "params", {}),
        created_at=_get(item, "created_at", ""),
        updated_at=_get(item, "updated_at"),
    )


def _summary(item: Any) -> ExecutionSummary:
    fields = {name: _get(item, name) for name in SUMMARY_FIELDS if name != "input"}
    fields["state_info"] = _state_info(item)
    fields["input_text"] = ExecutionSummary.short_input(_json(item, "input", {}))
    return ExecutionSummary(**fields)


def _task(item: Any) -> TaskRecord:
    return TaskRecord(
        id=item.id,
        name=item.name,
        workflow_name=_get(item, "workflow_name", ""),
        workflow_execution_id=_get(item, "workflow_execution_id", ""),
        type=_get(item, "type", "ACTION"),
        state=item.state,
        state_info=_state_info(item),
        result=_json(item, "result"),
        published=_json(item, "published", {}),
        created_at=_get(item, "created_at", ""),
        updated_at=_get(item, "updated_at"),
        started_at=_get(item, "started_at"),
        finished_at=_get(item, "finished_at"),
        retries=(_json(item, "runtime_context", {}) or {})
        .get("retry_task_policy", {})
        .get("retry_no", 0),
    )


def _action_execution(item: Any) -> ActionExecutionRecord:
    return ActionExecutionRecord(
        id=_get(item, "id") or "",
        name=_get(item, "name", ""),
        workflow_name=_get(item, "workflow_name"),
        task_name=_get(item, "task_name"),
        task_execution_id=_get(item, "task_execution_id"),
        state=_get(item, "state", ""),
        state_info=_state_info(item),
        accepted=bool(_get(item, "accepted", True)),
        input=_json(item, "input", {}),
        output=_json(item, "output"),
        description=_get(item, "description") or "",
        created_at=_get(item, "created_at") or "",
        updated_at=_get(item, "updated_at"),
    )


def _environment(item: Any) -> EnvironmentRecord:
    variables = _get(item, "variables") or {}
    return EnvironmentRecord(
        name=item.name,
        description=_get(item, "description"),
        variables=json.loads(variables) if isinstance(variables, str) else variables,
        scope=_get(item, "scope", "private"),
        created_at=_get(item, "created_at", ""),
        updated_at=_get(item, "updated_at"),
    )
