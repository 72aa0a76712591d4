"""The backend protocol: every operation the console and the CLI use, whatever runs the
workflows (our embedded engine and state file, or a real Mistral through its REST API).

Reads return records (engine.api.types); a missing object raises NotFoundError. Writes that
the engine carries out (start, steer, rerun, run-action) go to whichever engine serves the
backend; callers need not know where it runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, Self

from engine.api.types import (
    ActionExecutionRecord,
    ActionRecord,
    Caller,
    CronTriggerRecord,
    EnvironmentRecord,
    ExecutionFilter,
    ExecutionRecord,
    ExecutionSummary,
    InputParam,
    MessageRecord,
    Page,
    QueueRecord,
    TaskRecord,
    Validation,
    WorkbookRecord,
    WorkflowRecord,
)

if TYPE_CHECKING:
    from engine.api.graph import WorkflowGraph
    from engine.api.types import Change  # the engine's; loaded with it


class Backend(Protocol):
    """A source of definitions and executions, and an engine to run them."""

    workbook_load_problems: list[str]  # our workbooks that could not be loaded at open

    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc_info: object) -> None: ...

    # ---- the engine: status ----------------------------------------------------------------

    async def start_engine(self) -> None:
        """Make sure an engine serves this backend; raise EngineBusy when another process's
        engine does (writes are then handed to it)."""

    async def stop_engine(self) -> None: ...

    @property
    def engine_running(self) -> bool:
        """Whether this process runs the engine, so `subscribe` has live changes."""

    def give_way(self) -> None:
        """Hold this process's engine (no new turn or action) until `go_on`, for a short
        while at most: a person's key is waiting for its screen."""

    def go_on(self) -> None: ...

    async def engine_halted(self) -> str:
        """Wait until the engine this process runs stops by itself (another engine took the
        state file over, or it could not write it) and return why; it serves nothing more."""

    async def resolve_id(self, kind: str, given: str) -> str:
        """The whole id of the "execution", "task" or "action execution" that `given` is or
        starts (a short id, as the console shows); NotFoundError when none, AmbiguousIdError
        (naming how many) when several."""

    # ---- workbooks -------------------------------------------------------------------------

    async def list_workbooks(self) -> list[WorkbookRecord]: ...
    async def get_workbook(self, name: str) -> WorkbookRecord: ...
    async def get_workbook_definition(self, name: str) -> str: ...
    async def validate_workbook(self, text: str, filename: str = "<input>") -> Validation: ...
    async def create_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord: ...
    async def update_workbook(self, text: str, filename: str = "<input>") -> WorkbookRecord: ...
    async def delete_workbook(self, name: str) -> None: ...

    # ---- workflows -------------------------------------------------------------------------

    async def list_workflows(self) -> list[WorkflowRecord]: ...
    async def get_workflow(self, id_or_name: str) -> WorkflowRecord: ...
    async def get_workflow_definition(self, id_or_name: str) -> str: ...
    async def get_workflow_input(self, id_or_name: str) -> tuple[InputParam, ...]:
        """The workflow's declared input parameters, in order."""

    async def get_workflow_graph(self, id_or_name: str) -> WorkflowGraph:
        """The workflow's tasks and transitions, for drawing."""

    async def check_execution_input(self, workflow: str, input: Mapping[str, Any]) -> None:
        """Raise InputError (Mistral's message) when `input` misses or adds parameters."""

    async def validate_workflows(self, text: str, filename: str = "<input>") -> Validation: ...
    async def create_workflows(
        self, text: str, filename: str = "<input>"
    ) -> list[WorkflowRecord]: ...
    async def update_workflows(
        self, text: str, filename: str = "<input>"
    ) -> list[WorkflowRecord]: ...
    async def delete_workflow(self, id_or_name: str) -> None: ...

    # ---- actions ---------------------------------------------------------------------------

    async def list_actions(self) -> list[ActionRecord]: ...
    async def get_action(self, id_or_name: str) -> ActionRecord: ...
    async def get_action_definition(self, id_or_name: str) -> str: ...
    async def validate_actions(self, text: str, filename: str = "<input>") -> Validation: ...
    async def create_actions(
        self, text: str, filename: str = "<input>", scope: str = "private"
    ) -> list[ActionRecord]:
        """Store the ad-hoc actions of an action document (`action-create`)."""

    async def update_actions(
        self, text: str, filename: str = "<input>", scope: str = "private", id: str | None = None
    ) -> list[ActionRecord]:
        """Replace stand-alone ad-hoc actions by name; with `id` (an id or name), the document's
        one action replaces that action, renaming it if its name changed."""

    async def delete_action(self, id_or_name: str) -> None: ...

    # ---- executions ------------------------------------------------------------------------

    async def start_execution(
        self,
        workflow: str,
        input: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        description: str = "",
        caller: Caller | None = None,
    ) -> ExecutionRecord:
        """Start a workflow; with `caller`, its OpenStack actions act as the caller."""

    async def get_execution(self, execution_id: str) -> ExecutionRecord: ...
    async def list_executions(
        self, wanted: ExecutionFilter | None = None
    ) -> list[ExecutionRecord]: ...
    async def list_execution_summaries(
        self, wanted: ExecutionFilter | None = None
    ) -> list[ExecutionSummary]: ...
    async def page_executions(
        self, page: Page, *, with_output: bool = False
    ) -> list[ExecutionRecord]:
        """One page of a long list, as Mistral's API asks for it (filters, marker, limit, sort
        keys); `output` only when asked for."""

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
        """With `caller`, a resumed execution's actions act as the caller."""

    async def wait_execution(self, execution_id: str) -> ExecutionRecord:
        """Return the execution once it has ended or is PAUSED."""

    async def delete_execution(self, execution_id: str) -> None: ...
    async def get_execution_published(self, execution_id: str) -> dict[str, Any]:
        """The variables the execution's tasks published globally (Mistral's
        `published_global`)."""

    async def get_execution_report(
        self,
        execution_id: str,
        *,
        errors_only: bool = False,
        max_depth: int = -1,
        statistics_only: bool = False,
    ) -> dict[str, Any]:
        """Mistral's execution report, in its JSON shape (engine.api.trees)."""

    async def list_sub_executions(
        self, kind: str, origin_id: str, *, errors_only: bool = False, max_depth: int = -1
    ) -> list[ExecutionRecord]:
        """The executions below an "execution" (itself first) or a "task", depth first."""

    # ---- task executions -------------------------------------------------------------------

    async def list_tasks(
        self, execution_id: str | None = None, limit: int | None = 100
    ) -> list[TaskRecord]: ...
    async def page_tasks(self, page: Page) -> list[TaskRecord]:
        """One page of task executions (Page over TASK_FIELDS; `page.where(
        "workflow_execution_id", id)` for one execution's)."""

    async def get_task(self, task_id: str) -> TaskRecord: ...
    async def get_task_result(self, task_id: str) -> Any: ...
    async def get_task_published(self, task_id: str) -> dict[str, Any]: ...
    async def rerun_task(
        self,
        task_id: str,
        *,
        reset: bool = True,
        env: Mapping[str, Any] | None = None,
        skip: bool = False,
        caller: Caller | None = None,
    ) -> TaskRecord:
        """Run an ERROR task again, or with `skip` make it SKIPPED and follow its on-skip
        (Mistral's task update to SKIPPED); with `caller`, its actions act as the caller."""

    # ---- action executions -----------------------------------------------------------------

    async def list_action_executions(
        self, task_id: str | None = None, limit: int | None = 100
    ) -> list[ActionExecutionRecord]: ...
    async def page_action_executions(self, page: Page) -> list[ActionExecutionRecord]:
        """One page of action executions (Page over ACTION_EXECUTION_FIELDS)."""

    async def get_action_execution(self, action_id: str) -> ActionExecutionRecord: ...
    async def update_action_execution(
        self, action_id: str, state: str, output: Any = None
    ) -> ActionExecutionRecord: ...
    async def delete_action_execution(self, action_id: str) -> None:
        """Delete an ended stand-alone (run-action) action execution."""

    async def run_action(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        save_result: bool = False,
        run_sync: bool = False,
        description: str = "",
        caller: Caller | None = None,
    ) -> ActionExecutionRecord: ...

    # ---- environments ----------------------------------------------------------------------

    async def create_environment(
        self,
        name: str,
        variables: Mapping[str, Any],
        description: str | None = None,
        scope: str = "private",
    ) -> EnvironmentRecord: ...
    async def update_environment(
        self,
        name: str,
        variables: Mapping[str, Any] | None = None,
        description: str | None = None,
        scope: str | None = None,
    ) -> EnvironmentRecord: ...
    async def list_environments(self) -> list[EnvironmentRecord]: ...
    async def get_environment(self, name: str) -> EnvironmentRecord: ...
    async def delete_environment(self, name: str) -> None: ...

    # ---- cron triggers ---------------------------------------------------------------------

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
        """Start `workflow` (a name or id) on a schedule: at `first_time` (UTC, 'YYYY-MM-DD
        HH:MM', at least a minute ahead) and/or at each time of the 5-field cron `pattern`,
        `count` times at most. Bad input raises InputError (nothing stored); an unknown
        workflow NotFoundError."""

    async def list_cron_triggers(self) -> list[CronTriggerRecord]: ...
    async def get_cron_trigger(self, name_or_id: str) -> CronTriggerRecord: ...
    async def delete_cron_trigger(self, name_or_id: str) -> None: ...

    # ---- queues (Zaqar) --------------------------------------------------------------------

    async def list_queues(self) -> list[QueueRecord]: ...
    async def list_messages(
        self, queue_name: str, *, after: str | None = None
    ) -> list[MessageRecord]:
        """A queue's messages, oldest first; only those after message id `after` if given.
        Raises NotFoundError for an unknown queue."""

    # ---- changes ---------------------------------------------------------------------------

    def subscribe(self) -> AsyncIterator[list[Change]]:
        """Committed changes of every execution, task and action execution, as they happen
        (only while `engine_running`)."""
