"""execution-*, task-*, action-execution-* and run-action, with python-mistralclient's columns.

Reads come straight from the state file. Changes go to the live engine (the console's, or a
headless one, started in the background when none runs) through the backend, so
`execution-create` returns at once while the engine carries on. Bad input is refused here,
before anything is handed over. Values under secret-looking keys are printed as `***`, and so
are copies of them (a published variable or an action input made from a secret input).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.api import NotFoundError, states
from engine.masking import execution_secrets, mask_record, mask_secrets, secret_values
from tripleo_tui.cli import (
    Arguments,
    CommandAdder,
    CommandError,
    Outcome,
    argument,
    id_argument,
)
from tripleo_tui.definition_commands import delete_each
from tripleo_tui.formatting import NONE, Listing, Record, Text, cut
from tripleo_tui.json_arguments import load_mapping
from tripleo_tui.list_options import list_options, paged

if TYPE_CHECKING:
    from engine.api import (
        ActionExecutionRecord,
        Backend,
        ExecutionRecord,
        TaskRecord,
        WorkflowRecord,
    )

# python-mistralclient 6.x's columns, in its order (Pike's names where they are the same).
# Executions carry no namespace here: their workflow's is Mistral's default, ''.
EXECUTION_COLUMNS = (
    "ID",
    "Workflow ID",
    "Workflow name",
    "Workflow namespace",
    "Description",
    "Task Execution ID",
    "Root Execution ID",
    "State",
    "State info",
    "Created at",
    "Updated at",
    "Duration",
)
TASK_COLUMNS = (
    "ID",
    "Name",
    "Workflow name",
    "Workflow namespace",
    "Workflow Execution ID",
    "State",
    "State info",
    "Created at",
    "Started at",
    "Finished at",
    "Duration",
)
ACTION_EXECUTION_COLUMNS = (
    "ID",
    "Name",
    "Workflow name",
    "Workflow namespace",
    "Task name",
    "Task ID",
    "State",
    "State info",
    "Accepted",
    "Created at",
    "Updated at",
)
DEFAULT_NAMESPACE = ""
ACTION_EXECUTION_LIST_COLUMNS = tuple(c for c in ACTION_EXECUTION_COLUMNS if c != "State info")


# ---- rows ----------------------------------------------------------------------------------


def duration(start: str | None, end: str | None) -> str:
    """mistralclient 6.x's Duration: to `end`, else to now with '...' ('...' alone in the
    first two seconds)."""
    if not start:
        return ""
    # fromisoformat reads Mistral's 'YYYY-MM-DD HH:MM:SS' as strptime did, without importing
    # _strptime (and compiling its patterns) for every command that shows an execution.
    started = datetime.fromisoformat(start)
    if end:
        return str(datetime.fromisoformat(end) - started)
    so_far = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - started
    return "..." if so_far < timedelta(seconds=2) else f"{so_far}..."


def execution_row(execution: ExecutionRecord, listing: bool = False) -> tuple:
    ended = execution.state in (states.SUCCESS, states.ERROR)  # as mistralclient: not CANCELLED
    return (
        execution.id,
        execution.workflow_id,
        execution.workflow_name,
        DEFAULT_NAMESPACE,
        cut(execution.description) if listing else execution.description,
        execution.task_execution_id or NONE,
        execution.root_execution_id or NONE,
        execution.state,
        cut(execution.state_info) if listing else execution.state_info,
        execution.created_at,
        execution.updated_at or NONE,
        duration(execution.created_at, execution.updated_at if ended else None),
    )


def task_row(task: TaskRecord, listing: bool = False) -> tuple:
    return (
        task.id,
        task.name,
        task.workflow_name,
        DEFAULT_NAMESPACE,
        task.workflow_execution_id,
        task.state,
        cut(task.state_info) if listing else task.state_info,
        task.created_at,
        task.started_at or NONE,
        task.finished_at or NONE,
        duration(task.started_at, task.finished_at),
    )


def action_execution_row(action: ActionExecutionRecord, listing: bool = False) -> tuple:
    row = (
        action.id,
        action.name,
        action.workflow_name,
        DEFAULT_NAMESPACE,
        action.task_name,
        action.task_execution_id,
        action.state,
        action.state_info,
        action.accepted,
        action.created_at,
        action.updated_at or NONE,
    )
    return row[:7] + row[8:] if listing else row


def json_text(value: Any, secrets: frozenset[str] = frozenset()) -> Text:
    """`*-get-input/-output/-result/-published`: JSON with indent 4, secrets (and copies of
    `secrets`) masked."""
    return Text(json.dumps(mask_secrets(value, secrets), indent=4))


def execution_record(execution: ExecutionRecord) -> Record:
    """Its row, with copies of the secrets it was given masked in its state info."""
    return Record(EXECUTION_COLUMNS, execution_row(mask_record(execution)))


class Shown:
    """Records as a command prints them: with the secrets of the execution each belongs to
    (its input and env, and its root's) masked wherever they were copied. Each execution and
    task is read once per command."""

    def __init__(self, api: Backend) -> None:
        self.api = api
        self._executions: dict[str, ExecutionRecord] = {}
        self._tasks: dict[str, TaskRecord] = {}

    async def _execution(self, execution_id: str) -> ExecutionRecord:
        if execution_id not in self._executions:
            self._executions[execution_id] = await self.api.get_execution(execution_id)
        return self._executions[execution_id]

    async def _task(self, task_id: str) -> TaskRecord:
        if task_id not in self._tasks:
            self._tasks[task_id] = await self.api.get_task(task_id)
        return self._tasks[task_id]

    async def secrets(self, execution_id: str) -> frozenset[str]:
        execution = await self._execution(execution_id)
        return await execution_secrets(execution, self._execution)

    async def execution(self, execution: Any) -> Any:
        """An ExecutionRecord or ExecutionSummary, masked."""
        return mask_record(execution, await self.secrets(execution.id))

    async def task(self, task: TaskRecord) -> TaskRecord:
        return mask_record(task, await self.secrets(task.workflow_execution_id))

    async def action(self, action: ActionExecutionRecord) -> ActionExecutionRecord:
        if action.task_execution_id is None:  # stand-alone: its own input holds its secrets
            return mask_record(action)
        task = await self._task(action.task_execution_id)
        return mask_record(action, await self.secrets(task.workflow_execution_id))


# ---- checks before anything is handed over -------------------------------------------------


def close_names(wanted: str, names: list[str]) -> list[str]:
    """Names like `wanted`, also when only the last dotted part was given ('hello')."""
    import difflib  # only when a name is not found

    found = difflib.get_close_matches(wanted, names, n=3, cutoff=0.8)
    last = wanted.rsplit(".", 1)[-1]
    by_last: dict[str, list[str]] = {}
    for name in names:
        by_last.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    for match in difflib.get_close_matches(last, list(by_last), n=3, cutoff=0.75):
        found.extend(by_last[match])
    return list(dict.fromkeys(found))[:5]


def not_found_with_hints(error: NotFoundError, wanted: str, names: list[str]) -> NotFoundError:
    hints = close_names(wanted, names)
    if not hints:
        return error
    return NotFoundError(f"{error}. Did you mean: {', '.join(hints)}?")


async def known_workflow(api: Backend, wanted: str) -> WorkflowRecord:
    try:
        return await api.get_workflow(wanted)
    except NotFoundError as error:
        names = [workflow.name for workflow in await api.list_workflows()]
        raise not_found_with_hints(error, wanted, names) from None


def optional_mapping(text: str | None, what: str) -> dict[str, Any] | None:
    return None if text is None else load_mapping(text, what)


# ---- executions ----------------------------------------------------------------------------


async def execution_create(api: Backend, args: argparse.Namespace) -> Outcome:
    workflow = await known_workflow(api, args.workflow)
    given = optional_mapping(args.input, "INPUT") or {}
    params = optional_mapping(args.params, "PARAMS") or {}
    await api.check_execution_input(workflow.name, given)
    execution = await api.start_execution(
        workflow=workflow.name,
        input=given,
        params=params,
        description=args.description,
    )
    if not args.wait:
        return Outcome(execution_record(execution))
    execution = await api.wait_execution(execution.id)
    if execution.state == states.SUCCESS:
        return Outcome(execution_record(execution))
    ended = f"Execution {execution.id} ended in state {execution.state}"
    if execution.state == states.PAUSED:
        ended = f"Execution {execution.id} is PAUSED: resume it with execution-update -s RUNNING"
    return Outcome(execution_record(execution), exit_code=1, errors=(ended,))


async def execution_list(api: Backend, args: argparse.Namespace) -> Listing:
    from engine.api import EXECUTION_FIELDS

    executions = await paged(
        api.page_executions,
        args,
        EXECUTION_FIELDS,
        nulls=("root_execution_id",) if args.rootsonly else (),
        task_execution_id=args.task,
    )
    shown = Shown(api)
    rows = [execution_row(await shown.execution(ex), listing=True) for ex in executions]
    return Listing(EXECUTION_COLUMNS, tuple(rows))


async def shown_execution(api: Backend, execution_id: str) -> ExecutionRecord:
    return await Shown(api).execution(await api.get_execution(execution_id))


async def execution_get(api: Backend, args: argparse.Namespace) -> Record:
    return execution_record(await shown_execution(api, args.id))


async def execution_get_input(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_execution(api, args.id)).input)


async def execution_get_output(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_execution(api, args.id)).output or {})


async def execution_get_published(api: Backend, args: argparse.Namespace) -> Text:
    published = await api.get_execution_published(args.id)
    return json_text(published, await Shown(api).secrets(args.id))


async def execution_update(api: Backend, args: argparse.Namespace) -> Record:
    if args.state is None and args.env is None and args.description is None:
        raise CommandError("Nothing to update: give -s STATE, -e ENV or -d DESCRIPTION")
    env = optional_mapping(args.env, "ENV")
    await api.get_execution(args.id)  # an unknown id needs no engine
    execution = await api.update_execution(
        args.id,
        state=args.state,
        env=env,
        description=args.description,
    )
    return execution_record(execution)


async def execution_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.ids, api.delete_execution, "execution")


# ---- tasks ---------------------------------------------------------------------------------


async def task_list(api: Backend, args: argparse.Namespace) -> Listing:
    from engine.api import TASK_FIELDS

    if args.execution is not None:
        await api.get_execution(args.execution)
    tasks = await paged(api.page_tasks, args, TASK_FIELDS, workflow_execution_id=args.execution)
    shown = Shown(api)
    return Listing(
        TASK_COLUMNS, tuple([task_row(await shown.task(task), listing=True) for task in tasks])
    )


async def shown_task(api: Backend, task_id: str) -> TaskRecord:
    return await Shown(api).task(await api.get_task(task_id))


async def task_get(api: Backend, args: argparse.Namespace) -> Record:
    return Record(TASK_COLUMNS, task_row(await shown_task(api, args.id)))


async def task_get_result(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_task(api, args.id)).result)


async def task_get_published(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_task(api, args.id)).published)


async def task_rerun(api: Backend, args: argparse.Namespace) -> Record:
    env = optional_mapping(args.env, "ENV")
    await api.get_task(args.id)
    task = await api.rerun_task(args.id, reset=not args.resume, env=env, skip=args.skip)
    return Record(TASK_COLUMNS, task_row(await Shown(api).task(task)))


# ---- action executions ---------------------------------------------------------------------


async def action_execution_list(api: Backend, args: argparse.Namespace) -> Listing:
    from engine.api import ACTION_EXECUTION_FIELDS

    if args.task is not None:
        await api.get_task(args.task)
    actions = await paged(
        api.page_action_executions, args, ACTION_EXECUTION_FIELDS, task_execution_id=args.task
    )
    shown = Shown(api)
    rows = [action_execution_row(await shown.action(action), listing=True) for action in actions]
    return Listing(ACTION_EXECUTION_LIST_COLUMNS, tuple(rows))


async def shown_action_execution(api: Backend, action_id: str) -> ActionExecutionRecord:
    return await Shown(api).action(await api.get_action_execution(action_id))


async def action_execution_get(api: Backend, args: argparse.Namespace) -> Record:
    action = await shown_action_execution(api, args.id)
    return Record(ACTION_EXECUTION_COLUMNS, action_execution_row(action))


async def action_execution_get_input(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_action_execution(api, args.id)).input)


async def action_execution_get_output(api: Backend, args: argparse.Namespace) -> Text:
    return json_text((await shown_action_execution(api, args.id)).output or {})


async def action_execution_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.ids, api.delete_action_execution, "action execution")


def output_argument(text: str | None) -> Any:
    """`--output`: JSON if it parses, else the text itself (an error message, say)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def action_execution_update(api: Backend, args: argparse.Namespace) -> Record:
    await api.get_action_execution(args.id)
    action = await api.update_action_execution(args.id, args.state, output_argument(args.output))
    return Record(ACTION_EXECUTION_COLUMNS, action_execution_row(mask_record(action)))


async def run_action(api: Backend, args: argparse.Namespace) -> Outcome:
    """Without -s, prints the output as Mistral does; with -s, the stored action execution."""
    given = optional_mapping(args.input, "INPUT") or {}
    try:
        await api.get_action(args.name)
    except NotFoundError as error:
        names = [action.name for action in await api.list_actions()]
        raise not_found_with_hints(error, args.name, names) from None
    action = await api.run_action(
        args.name,
        given,
        save_result=args.save_result,
        run_sync=args.run_sync,
    )
    failed = 1 if action.state == states.ERROR else 0
    action = mask_record(action, secret_values(given))
    if args.save_result:
        return Outcome(
            Record(ACTION_EXECUTION_COLUMNS, action_execution_row(action)), exit_code=failed
        )
    return Outcome(Text(json.dumps(resource_fields(action.output))), exit_code=failed)


def resource_fields(value: Any) -> Any:
    """`value` with each OpenStack client resource shown as its fields (its `_info`), not as
    the client internals the engine keeps beside them (`manager`: sessions, locks)."""
    if isinstance(value, list):
        return [resource_fields(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "manager" in value and isinstance(value.get("_info"), dict):
        return resource_fields(value["_info"])
    return {key: resource_fields(item) for key, item in value.items()}


# ---- the parser ----------------------------------------------------------------------------


def new_state(*flags: str, **options: Any) -> Arguments:
    """The state an execution or an action execution is set to (-s/--state)."""
    return argument(
        *flags,
        choices=(states.RUNNING, states.PAUSED, *states.COMPLETED),
        help="new state",
        **options,
    )


def register(commands: CommandAdder) -> None:
    commands.add(
        "execution-create",
        execution_create,
        "Start a workflow execution.",
        id_argument("workflow", "workflow", metavar="WORKFLOW", help="workflow name or id"),
        argument(
            "input", metavar="INPUT", nargs="?", help="workflow input: JSON, or a JSON or YAML file"
        ),
        argument(
            "params",
            metavar="PARAMS",
            nargs="?",
            help='execution parameters, e.g. {"env": "name"}: JSON, or a JSON or YAML file',
        ),
        argument("-d", "--description", default="", help="execution description"),
        argument(
            "--wait",
            action="store_true",
            help="return when the execution has ended or is PAUSED (exit code 1 unless it "
            "succeeded)",
        ),
    )
    newest_first = list_options(executions=True)
    env = argument("-e", "--env", metavar="ENV", help="env to merge: JSON or a file")

    commands.add(
        "execution-list",
        execution_list,
        "List workflow executions.",
        id_argument("task", "--task", metavar="TASK_ID", help="only sub-workflows of this task"),
        argument("--rootsonly", action="store_true", help="only root executions"),
        newest_first,
        reads_only=True,
    )
    execution_id = id_argument(
        "execution", "id", metavar="ID", help="execution id (or its first characters)"
    )
    commands.add(
        "execution-get", execution_get, "Show a workflow execution.", execution_id, reads_only=True
    )
    for name, handler, help, reads_only in (
        ("execution-get-input", execution_get_input, "Show an execution's input (JSON).", True),
        ("execution-get-output", execution_get_output, "Show an execution's output (JSON).", True),
        (
            "execution-get-published",
            execution_get_published,
            "Show what an execution's tasks published globally (JSON).",
            False,  # reads its workflow's vars in a thread
        ),
    ):
        commands.add(name, handler, help, execution_id, formatted=False, reads_only=reads_only)
    commands.add(
        "execution-update",
        execution_update,
        "Pause (-s PAUSED), resume (-s RUNNING), end (-s SUCCESS|ERROR|CANCELLED) an execution,"
        " or change its env or description.",
        id_argument("execution", "id", metavar="ID", help="execution id"),
        new_state("-s", "--state"),
        env,
        argument("-d", "--description", help="new description"),
    )
    commands.add(
        "execution-delete",
        execution_delete,
        "Delete ended executions.",
        id_argument("execution", "ids", metavar="ID", nargs="+", help="execution id(s)"),
        formatted=False,
    )

    commands.add(
        "task-list",
        task_list,
        "List task executions.",
        id_argument(
            "execution",
            "execution",
            metavar="EXECUTION_ID",
            nargs="?",
            help="of this execution",
        ),
        newest_first,
        reads_only=True,
    )
    task_id = id_argument(
        "task", "id", metavar="ID", help="task execution id (or its first characters)"
    )
    commands.add("task-get", task_get, "Show a task execution.", task_id, reads_only=True)
    for name, handler, help in (
        ("task-get-result", task_get_result, "Show a task's result (JSON)."),
        ("task-get-published", task_get_published, "Show what a task published (JSON)."),
    ):
        commands.add(name, handler, help, task_id, formatted=False, reads_only=True)
    commands.add(
        "task-rerun",
        task_rerun,
        "Run a failed task again.",
        id_argument("task", "id", metavar="ID", help="task execution id"),
        argument(
            "--resume",
            action="store_true",
            help="with-items tasks: run only the failed and not-started items",
        ),
        env,
        argument(
            "--skip",
            action="store_true",
            help="do not run it again: mark it SKIPPED and follow its on-skip",
        ),
    )

    commands.add(
        "action-execution-list",
        action_execution_list,
        "List action runs.",
        id_argument("task", "task", metavar="TASK_EXECUTION_ID", nargs="?", help="of this task"),
        newest_first,
        reads_only=True,
    )
    action_id = id_argument(
        "action execution", "id", metavar="ID", help="action execution id (or its first characters)"
    )
    commands.add(
        "action-execution-get",
        action_execution_get,
        "Show an action execution.",
        action_id,
        reads_only=True,
    )
    for name, handler, help in (
        ("action-execution-get-input", action_execution_get_input, "Show its input (JSON)."),
        ("action-execution-get-output", action_execution_get_output, "Show its output (JSON)."),
    ):
        commands.add(name, handler, help, action_id, formatted=False, reads_only=True)
    commands.add(
        "action-execution-update",
        action_execution_update,
        "Report the result (or PAUSED / RUNNING) of an asynchronous action.",
        id_argument("action execution", "id", metavar="ID", help="action execution id"),
        new_state("--state", required=True),
        argument("--output", help="the result (JSON, or text for an error)"),
    )

    commands.add(
        "action-execution-delete",
        action_execution_delete,
        "Delete ended run-action executions.",
        id_argument(
            "action execution", "ids", metavar="ID", nargs="+", help="action execution id(s)"
        ),
        formatted=False,
    )

    commands.add(
        "run-action",
        run_action,
        "Run one action outside any workflow.",
        argument("name", metavar="NAME", help="action name"),
        argument("input", metavar="INPUT", nargs="?", help="action input: JSON or a file"),
        argument(
            "-s",
            "--save-result",
            action="store_true",
            help="keep the action execution (and return before it ends, unless --run-sync)",
        ),
        argument("--run-sync", action="store_true", help="with -s: wait for the action to end"),
    )
