"""cron-trigger-* commands: a workflow started on a schedule, with python-mistralclient 6.x's
arguments and columns.

The engine that holds the state file fires the triggers (a headless one is started when none
runs, and stays up while triggers exist). `--first-time` is local time unless `--utc`, as
mistralclient takes it; every time shown is UTC. Params under secret-looking keys show as `***`.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC
from typing import TYPE_CHECKING

from engine.masking import mask_secrets
from tripleo_tui.cli import CommandAdder, Outcome, argument, id_argument
from tripleo_tui.definition_commands import delete_each
from tripleo_tui.formatting import Listing, Record
from tripleo_tui.json_arguments import load_mapping
from tripleo_tui.list_options import choose, list_options

if TYPE_CHECKING:
    from engine.api import Backend, CronTriggerRecord

CRON_TRIGGER_COLUMNS = (
    "Name",
    "Workflow",
    "Params",
    "Pattern",
    "Next execution time",
    "Remaining executions",
    "Created at",
    "Updated at",
)


def cron_trigger_row(trigger: CronTriggerRecord) -> tuple:
    return (
        trigger.name,
        trigger.workflow_name,
        json.dumps(mask_secrets(trigger.workflow_params)),
        trigger.pattern,
        trigger.next_execution_time,
        trigger.remaining_executions,
        trigger.created_at,
        trigger.updated_at,
    )


def first_time_in_utc(text: str | None, utc: bool) -> str | None:
    """`--first-time` as UTC ('YYYY-MM-DD HH:MM'): local time unless `--utc`."""
    from engine.api import FIRST_TIME_FORMAT, parse_first_time

    if text is None or utc:
        return text
    return parse_first_time(text).astimezone(UTC).strftime(FIRST_TIME_FORMAT)


async def cron_trigger_create(api: Backend, args: argparse.Namespace) -> Record:
    trigger = await api.create_cron_trigger(
        args.name,
        args.workflow,
        load_mapping(args.workflow_input, "WORKFLOW_INPUT") if args.workflow_input else {},
        load_mapping(args.params, "PARAMS") if args.params else {},
        args.pattern,
        first_time_in_utc(args.first_time, args.utc),
        args.count,
    )
    return Record(CRON_TRIGGER_COLUMNS, cron_trigger_row(trigger))


async def cron_trigger_list(api: Backend, args: argparse.Namespace) -> Listing:
    rows = tuple(cron_trigger_row(t) for t in choose(await api.list_cron_triggers(), args))
    return Listing(CRON_TRIGGER_COLUMNS, rows)


async def cron_trigger_get(api: Backend, args: argparse.Namespace) -> Record:
    return Record(CRON_TRIGGER_COLUMNS, cron_trigger_row(await api.get_cron_trigger(args.name)))


async def cron_trigger_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.names, api.delete_cron_trigger, "cron trigger")


def register(commands: CommandAdder) -> None:
    commands.add(
        "cron-trigger-create",
        cron_trigger_create,
        "Create a cron trigger: a workflow started on a schedule.",
        argument("name", metavar="NAME", help="cron trigger name"),
        id_argument("workflow", "workflow", metavar="WORKFLOW", help="workflow name or id"),
        argument(
            "workflow_input",
            metavar="WORKFLOW_INPUT",
            nargs="?",
            help="workflow input: JSON, or a JSON or YAML file",
        ),
        argument(
            "--params", help='workflow params, e.g. {"env": "name"}: JSON, or a JSON or YAML file'
        ),
        argument(
            "--pattern", metavar="<* * * * *>", help="cron pattern (minute hour day month weekday)"
        ),
        argument(
            "--first-time",
            metavar="<YYYY-MM-DD HH:MM>",
            help="date and time of the first execution; local time unless --utc is also given",
        ),
        argument("--count", type=int, metavar="<integer>", help="number of executions"),
        argument("--utc", action="store_true", help="--first-time is UTC (times shown always are)"),
    )
    commands.add(
        "cron-trigger-list",
        cron_trigger_list,
        "List cron triggers.",
        list_options(executions=False),
        reads_only=True,
    )
    commands.add(
        "cron-trigger-get",
        cron_trigger_get,
        "Show a cron trigger.",
        id_argument("cron trigger", "name", metavar="NAME", help="cron trigger name or id"),
        reads_only=True,
    )
    commands.add(
        "cron-trigger-delete",
        cron_trigger_delete,
        "Delete cron triggers.",
        id_argument(
            "cron trigger", "names", metavar="NAME", nargs="+", help="cron trigger name(s) or id(s)"
        ),
        formatted=False,
    )
