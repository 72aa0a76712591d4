"""workbook-*, workflow-* and action-* commands with python-mistralclient's (Pike) columns."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.api import DefinitionError, EngineError, StoreError
from tripleo_tui.cli import CommandAdder, CommandError, Outcome, argument, id_argument
from tripleo_tui.formatting import Listing, Record, Text, cut, tags_cell
from tripleo_tui.list_options import choose, list_options

if TYPE_CHECKING:
    from engine.api import ActionRecord, Backend, Validation, WorkbookRecord, WorkflowRecord

# python-mistralclient 6.x's columns, in its order; workbooks are in Mistral's default
# namespace, ''.
WORKBOOK_COLUMNS = ("Name", "Namespace", "Tags", "Scope", "Created at", "Updated at")
WORKFLOW_COLUMNS = (
    "ID",
    "Name",
    "Namespace",
    "Project ID",
    "Tags",
    "Input",
    "Scope",
    "Created at",
    "Updated at",
)
ACTION_COLUMNS = (
    "ID",
    "Name",
    "Is system",
    "Input",
    "Description",
    "Tags",
    "Created at",
    "Updated at",
)
VALIDATION_COLUMNS = ("Valid", "Error")


def workbook_row(workbook: WorkbookRecord) -> tuple:
    return (
        workbook.name,
        "",
        tags_cell(workbook.tags),
        workbook.scope,
        workbook.created_at,
        workbook.updated_at,
    )


def workflow_row(workflow: WorkflowRecord, listing: bool = False) -> tuple:
    return (
        workflow.id,
        workflow.name,
        workflow.namespace,
        workflow.project_id,
        tags_cell(workflow.tags),
        cut(workflow.input) if listing else workflow.input,
        workflow.scope,
        workflow.created_at,
        workflow.updated_at,
    )


def action_row(action: ActionRecord, listing: bool = False) -> tuple:
    return (
        action.id,
        action.name,
        action.is_system,
        cut(action.input) if listing else action.input,
        cut(action.description) if listing else action.description,
        tags_cell(action.tags),
        action.created_at,
        action.updated_at,
    )


def read_definition(path: str) -> tuple[str, str]:
    """The text of a definition file ('-' reads stdin) and the name to report problems under."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CommandError(f"Cannot read definition file '{path}': {reason}") from error


def validation_outcome(validation: Validation) -> Outcome:
    """Mistral's Valid/Error fields; the exit code is 1 when the definition is invalid."""
    warn(validation)
    if validation.valid:
        return Outcome(Record(VALIDATION_COLUMNS, (True, None)))
    errors = "\n".join(str(problem) for problem in validation.problems)
    return Outcome(Record(VALIDATION_COLUMNS, (False, errors)), exit_code=1)


def warn(validation: Validation) -> None:
    for warning in validation.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)


async def checked_definition(
    validate: Callable[[str, str], Awaitable[Validation]], path: str
) -> tuple[str, str]:
    """Read and check a definition before a create or update, showing its warnings.

    The API parses it once: the create or update reuses the parsed spec.
    """
    text, filename = read_definition(path)
    validation = await validate(text, filename)
    if not validation.valid:
        raise DefinitionError(validation.problems)
    warn(validation)
    return text, filename


async def delete_each(
    names: list[str], delete: Callable[[str], Awaitable[None]], kind: str
) -> Outcome:
    """Delete every name, each on its own; report which ones failed (exit code 1 if any)."""
    accepted, errors = [], []
    for name in names:
        try:
            await delete(name)
        except (StoreError, EngineError) as error:
            errors.append(str(error))
        else:
            accepted.append(f"Request to delete {kind} {name} has been accepted.")
    if errors:
        errors.append(f"Unable to delete the specified {kind}(s).")
    return Outcome(Text("\n".join(accepted)), exit_code=1 if errors else 0, errors=tuple(errors))


# ---- workbooks ---------------------------------------------------------------------------


async def workbook_list(api: Backend, args: argparse.Namespace) -> Listing:
    rows = tuple(workbook_row(wb) for wb in choose(await api.list_workbooks(), args))
    return Listing(WORKBOOK_COLUMNS, rows)


async def workbook_get(api: Backend, args: argparse.Namespace) -> Record:
    return Record(WORKBOOK_COLUMNS, workbook_row(await api.get_workbook(args.name)))


async def workbook_create(api: Backend, args: argparse.Namespace) -> Record:
    workbook = await api.create_workbook(
        *await checked_definition(api.validate_workbook, args.definition)
    )
    return Record(WORKBOOK_COLUMNS, workbook_row(workbook))


async def workbook_update(api: Backend, args: argparse.Namespace) -> Record:
    workbook = await api.update_workbook(
        *await checked_definition(api.validate_workbook, args.definition)
    )
    return Record(WORKBOOK_COLUMNS, workbook_row(workbook))


async def workbook_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.names, api.delete_workbook, "workbook")


async def workbook_validate(api: Backend, args: argparse.Namespace) -> Outcome:
    return validation_outcome(await api.validate_workbook(*read_definition(args.definition)))


async def workbook_get_definition(api: Backend, args: argparse.Namespace) -> Text:
    return Text((await api.get_workbook_definition(args.name)).rstrip("\n"))


# ---- workflows ---------------------------------------------------------------------------


def workflow_listing(workflows: list[WorkflowRecord]) -> Listing:
    return Listing(WORKFLOW_COLUMNS, tuple(workflow_row(wf, listing=True) for wf in workflows))


async def workflow_list(api: Backend, args: argparse.Namespace) -> Listing:
    return workflow_listing(choose(await api.list_workflows(), args))


async def workflow_get(api: Backend, args: argparse.Namespace) -> Record:
    return Record(WORKFLOW_COLUMNS, workflow_row(await api.get_workflow(args.workflow)))


async def workflow_create(api: Backend, args: argparse.Namespace) -> Listing:
    return workflow_listing(
        await api.create_workflows(
            *await checked_definition(api.validate_workflows, args.definition)
        )
    )


async def workflow_update(api: Backend, args: argparse.Namespace) -> Listing:
    return workflow_listing(
        await api.update_workflows(
            *await checked_definition(api.validate_workflows, args.definition)
        )
    )


async def workflow_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.workflows, api.delete_workflow, "workflow")


async def workflow_validate(api: Backend, args: argparse.Namespace) -> Outcome:
    return validation_outcome(await api.validate_workflows(*read_definition(args.definition)))


async def workflow_get_definition(api: Backend, args: argparse.Namespace) -> Text:
    return Text((await api.get_workflow_definition(args.workflow)).rstrip("\n"))


# ---- actions -----------------------------------------------------------------------------


def action_listing(actions: list[ActionRecord]) -> Listing:
    return Listing(ACTION_COLUMNS, tuple(action_row(action, listing=True) for action in actions))


def default_namespace(args: argparse.Namespace) -> None:
    """`--namespace`: only Mistral's default one, '', is known here."""
    if args.namespace:
        raise CommandError(
            f"Namespace '{args.namespace}': only the default namespace ('') is supported"
        )


def scope(args: argparse.Namespace) -> str:
    return "public" if args.public else "private"


async def action_list(api: Backend, args: argparse.Namespace) -> Listing:
    default_namespace(args)
    return action_listing(choose(await api.list_actions(), args))


async def action_get(api: Backend, args: argparse.Namespace) -> Record:
    default_namespace(args)
    return Record(ACTION_COLUMNS, action_row(await api.get_action(args.action)))


async def action_create(api: Backend, args: argparse.Namespace) -> Listing:
    default_namespace(args)
    text, filename = await checked_definition(api.validate_actions, args.definition)
    return action_listing(await api.create_actions(text, filename, scope(args)))


async def action_update(api: Backend, args: argparse.Namespace) -> Listing:
    default_namespace(args)
    text, filename = await checked_definition(api.validate_actions, args.definition)
    return action_listing(await api.update_actions(text, filename, scope(args), args.id))


async def action_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    default_namespace(args)
    return await delete_each(args.actions, api.delete_action, "action")


async def action_validate(api: Backend, args: argparse.Namespace) -> Outcome:
    return validation_outcome(await api.validate_actions(*read_definition(args.definition)))


async def action_get_definition(api: Backend, args: argparse.Namespace) -> Text:
    default_namespace(args)
    return Text((await api.get_action_definition(args.name)).rstrip("\n"))


def register(commands: CommandAdder) -> None:
    listed = list_options(executions=False)
    commands.add("workbook-list", workbook_list, "List all workbooks.", listed, reads_only=True)
    commands.add(
        "workbook-get",
        workbook_get,
        "Show a workbook.",
        argument("name", help="workbook name"),
        reads_only=True,
    )
    commands.add(
        "workbook-create",
        workbook_create,
        "Create a workbook.",
        argument("definition", metavar="DEF_FILE", help="workbook definition file ('-' for stdin)"),
    )
    commands.add(
        "workbook-update",
        workbook_update,
        "Replace a workbook and its workflows and actions.",
        argument("definition", metavar="DEF_FILE", help="workbook definition file"),
    )
    commands.add(
        "workbook-delete",
        workbook_delete,
        "Delete workbooks.",
        argument("names", metavar="NAME", nargs="+", help="workbook name(s)"),
        formatted=False,
    )
    commands.add(
        "workbook-validate",
        workbook_validate,
        "Validate a workbook.",
        argument("definition", metavar="DEF_FILE", help="workbook definition file"),
    )
    commands.add(
        "workbook-get-definition",
        workbook_get_definition,
        "Show a workbook's definition.",
        argument("name", help="workbook name"),
        formatted=False,
        reads_only=True,
    )

    workflow = id_argument("workflow", "workflow", metavar="ID|NAME", help="workflow id or name")
    commands.add("workflow-list", workflow_list, "List all workflows.", listed, reads_only=True)
    commands.add("workflow-get", workflow_get, "Show a workflow.", workflow, reads_only=True)
    commands.add(
        "workflow-create",
        workflow_create,
        "Create workflows.",
        argument("definition", metavar="DEF_FILE", help="workflow definition file ('-' for stdin)"),
    )
    commands.add(
        "workflow-update",
        workflow_update,
        "Replace stand-alone workflows by name.",
        argument("definition", metavar="DEF_FILE", help="workflow definition file"),
    )
    commands.add(
        "workflow-delete",
        workflow_delete,
        "Delete stand-alone workflows.",
        id_argument(
            "workflow", "workflows", metavar="ID|NAME", nargs="+", help="workflow id(s) or name(s)"
        ),
        formatted=False,
    )
    commands.add(
        "workflow-validate",
        workflow_validate,
        "Validate workflows.",
        argument("definition", metavar="DEF_FILE", help="workflow definition file"),
    )
    commands.add(
        "workflow-get-definition",
        workflow_get_definition,
        "Show a workflow's definition.",
        workflow,
        formatted=False,
        reads_only=True,
    )

    namespace = argument(
        "--namespace",
        nargs="?",
        default="",
        help="namespace of the action(s); only the default one ('') is supported",
    )
    public = argument(
        "--public", action="store_true", help='With this flag action will be marked as "public".'
    )
    commands.add(
        "action-list", action_list, "List all actions (system and ad-hoc).", listed, namespace
    )
    commands.add(
        "action-get",
        action_get,
        "Show an action.",
        id_argument("action", "action", metavar="NAME|ID", help="action name or id"),
        namespace,
    )
    commands.add(
        "action-create",
        action_create,
        "Create actions.",
        argument("definition", metavar="DEF_FILE", help="action definition file ('-' for stdin)"),
        public,
        namespace,
    )
    commands.add(
        "action-update",
        action_update,
        "Replace stand-alone ad-hoc actions.",
        argument("definition", metavar="DEF_FILE", help="action definition file"),
        id_argument(
            "action", "--id", help="Action ID (or name): the definition's one action replaces it"
        ),
        public,
        namespace,
    )
    commands.add(
        "action-delete",
        action_delete,
        "Delete ad-hoc actions.",
        id_argument(
            "action", "actions", metavar="ACTION", nargs="+", help="Name or ID of action(s)."
        ),
        namespace,
        formatted=False,
    )
    commands.add(
        "action-validate",
        action_validate,
        "Validate actions.",
        argument("definition", metavar="DEF_FILE", help="action definition file"),
    )
    commands.add(
        "action-get-definition",
        action_get_definition,
        "Show an ad-hoc action's definition.",
        argument("name", metavar="NAME", help="Action name"),
        namespace,
        formatted=False,
    )
