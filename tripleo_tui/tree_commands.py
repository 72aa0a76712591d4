"""Commands over an execution's tree: execution-get-report, execution-get-sub-executions and
task-get-sub-executions, with python-mistralclient 6.3.0's arguments and output.

The report is printed line for line as mistralclient prints it (its hint names our command);
state info goes through the masking of the root execution's secrets.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from engine.masking import mask_text
from tripleo_tui.cli import CommandAdder, argument, id_argument
from tripleo_tui.execution_commands import EXECUTION_COLUMNS, Shown, execution_row
from tripleo_tui.formatting import Listing, Text

if TYPE_CHECKING:
    from engine.api import Backend

INDENT = 4  # mistralclient's REPORT_ENTRY_INDENT
FRAME = "=" * 30
ERROR_INFO_LENGTH = 100
HINT = "tripleo-tui task-get <id> -c 'State info'"


class _Report:
    """mistralclient's GetReport printing, into a list of lines."""

    def __init__(self, secrets: frozenset[str]) -> None:
        self.secrets = secrets
        self.lines: list[str] = []

    def line(self, text: str, level: int = 0) -> None:
        self.lines.append(" " * (level * INDENT) + text)

    def error_info(self, entry: dict[str, Any], level: int, *, one_line: bool) -> None:
        state_info = mask_text(entry.get("state_info"), self.secrets)
        if entry["state"] == "ERROR" and state_info:
            shown = state_info[:ERROR_INFO_LENGTH]
            shown = shown.replace("\n", " ") if one_line else shown
            self.line(f"(error info: {shown}...)", level)

    def workflow(self, entry: dict[str, Any], level: int) -> None:
        self.line(f"workflow '{entry['name']}' [{entry['state']}] {entry['id']}", level)
        for task in entry.get("task_executions", ()):
            self.task(task, level + 1)

    def task(self, entry: dict[str, Any], level: int) -> None:
        self.line(f"task '{entry['name']}' [{entry['state']}] {entry['id']}", level)
        if "retry_count" in entry:
            self.line(f"(retry count: {entry['retry_count']})", level)
        self.error_info(entry, level, one_line=True)
        for action in entry.get("action_executions", ()):
            self.line(f"action '{action['name']}' [{action['state']}] {action['id']}", level + 1)
            self.error_info(action, level + 1, one_line=False)
        for workflow in entry.get("workflow_executions", ()):
            self.workflow(workflow, level + 1)

    def statistics(self, statistics: dict[str, Any]) -> None:
        for state in ("SUCCESS", "ERROR", "RUNNING", "IDLE"):
            count = statistics[f"{state.lower()}_tasks_count"]
            self.line(f"Number of tasks in {state} state: {count}")
        self.line(f"Number of tasks in PAUSED state: {statistics['paused_tasks_count']}\n")
        if "estimated_time" in statistics:
            self.line(
                "Estimated time (seconds) for the execution to finish: "
                f"{statistics['estimated_time']}\n"
            )

    def report(self, report: dict[str, Any]) -> str:
        self.line(f"\nTo get more details on a task failure run: {HINT}\n")
        self.line(f"{FRAME} General Statistics {FRAME}\n")
        self.statistics(report["statistics"])
        if "root_workflow_execution" in report:
            self.line(f"{FRAME} Workflow Execution Tree {FRAME}\n")
            self.workflow(report["root_workflow_execution"], 0)
        return "\n".join(self.lines)


async def execution_get_report(api: Backend, args: argparse.Namespace) -> Text:
    report = await api.get_execution_report(
        args.id,
        errors_only=args.errors_only,
        max_depth=args.max_depth,
        statistics_only=args.statistics_only,
    )
    secrets = await Shown(api).secrets(args.id)
    return Text(_Report(secrets).report(report))


async def sub_executions(api: Backend, args: argparse.Namespace, kind: str) -> Listing:
    found = await api.list_sub_executions(
        kind, args.id, errors_only=args.errors_only, max_depth=args.max_depth
    )
    shown = Shown(api)
    rows = [execution_row(await shown.execution(ex), listing=True) for ex in found]
    return Listing(EXECUTION_COLUMNS, tuple(rows))


async def execution_get_sub_executions(api: Backend, args: argparse.Namespace) -> Listing:
    return await sub_executions(api, args, "execution")


async def task_get_sub_executions(api: Backend, args: argparse.Namespace) -> Listing:
    return await sub_executions(api, args, "task")


def register(commands: CommandAdder) -> None:
    errors_only = argument(
        "--errors-only",
        dest="errors_only",
        action="store_true",
        help="Only error paths will be included.",
    )
    max_depth = argument(
        "--max-depth",
        dest="max_depth",
        nargs="?",
        type=int,
        default=-1,
        const=-1,  # a bare --max-depth: no limit (mistralclient then sends none)
        help="Maximum depth of the workflow execution tree. If 0, only the root workflow "
        "execution and its tasks will be included",
    )
    commands.add(
        "execution-get-report",
        execution_get_report,
        "Print execution report.",
        id_argument("execution", "id", metavar="ID", help="Execution ID"),
        errors_only,
        argument(
            "--statistics-only",
            dest="statistics_only",
            action="store_true",
            help="Only the statistics will be included.",
        ),
        argument(
            "--no-errors-only",
            dest="errors_only",
            action="store_false",
            help="Not only error paths will be included.",
        ),
        max_depth,
        lambda parser: parser.set_defaults(errors_only=True),  # as mistralclient: errors only
        formatted=False,
        reads_only=True,
    )
    commands.add(
        "execution-get-sub-executions",
        execution_get_sub_executions,
        "Show the sub-executions of an execution (itself first).",
        id_argument("execution", "id", metavar="ID", help="origin id"),
        errors_only,
        max_depth,
        reads_only=True,
    )
    commands.add(
        "task-get-sub-executions",
        task_get_sub_executions,
        "Show the sub-executions of a task.",
        id_argument("task", "id", metavar="ID", help="origin id"),
        errors_only,
        max_depth,
        reads_only=True,
    )
