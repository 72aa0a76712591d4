"""environment-* commands: named variable sets an execution uses with PARAMS {"env": "name"}.

An environment file is JSON or YAML: {name, description, variables, scope}, as Mistral's.
Variables under secret-looking keys are printed as `***`.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from engine.masking import mask_secrets
from tripleo_tui.cli import CommandAdder, CommandError, Outcome, argument
from tripleo_tui.definition_commands import delete_each
from tripleo_tui.formatting import Listing, Record, cut
from tripleo_tui.json_arguments import load_mapping_file
from tripleo_tui.list_options import choose, list_options

if TYPE_CHECKING:
    from engine.api import Backend, EnvironmentRecord

ENVIRONMENT_LIST_COLUMNS = ("Name", "Description", "Scope", "Created at", "Updated at")
ENVIRONMENT_COLUMNS = ("Name", "Description", "Variables", "Scope", "Created at", "Updated at")
FILE_KEYS = ("name", "description", "variables", "scope")
SCOPES = ("private", "public")


def environment_row(environment: EnvironmentRecord) -> tuple:
    return (
        environment.name,
        environment.description,
        json.dumps(mask_secrets(environment.variables), indent=4),
        environment.scope,
        environment.created_at,
        environment.updated_at,
    )


def environment_list_row(environment: EnvironmentRecord) -> tuple:
    return (
        environment.name,
        cut(environment.description),
        environment.scope,
        environment.created_at,
        environment.updated_at,
    )


def read_environment(path: str) -> dict[str, Any]:
    """An environment file's fields, checked: a name, a variables mapping, a known scope."""
    where = f"Environment file '{path}'"
    data = load_mapping_file(path, "Environment")
    unexpected = sorted(set(data) - set(FILE_KEYS))
    if unexpected:
        raise CommandError(
            f"{where}: unexpected key(s) {unexpected}; the keys are {', '.join(FILE_KEYS)}"
        )
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise CommandError(f"{where}: 'name' must be a non-empty string")
    if "variables" in data and not isinstance(data["variables"], dict):
        raise CommandError(f"{where}: 'variables' must be a mapping")
    if data.get("scope", "private") not in SCOPES:
        raise CommandError(f"{where}: 'scope' must be one of {', '.join(SCOPES)}")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise CommandError(f"{where}: 'description' must be a string")
    return data


async def environment_create(api: Backend, args: argparse.Namespace) -> Record:
    data = read_environment(args.file)
    environment = await api.create_environment(
        data["name"],
        data.get("variables") or {},
        description=data.get("description"),
        scope=data.get("scope", "private"),
    )
    return Record(ENVIRONMENT_COLUMNS, environment_row(environment))


async def environment_update(api: Backend, args: argparse.Namespace) -> Record:
    data = read_environment(args.file)
    environment = await api.update_environment(
        data["name"],
        data.get("variables"),
        description=data.get("description"),
        scope=data.get("scope"),
    )
    return Record(ENVIRONMENT_COLUMNS, environment_row(environment))


async def environment_list(api: Backend, args: argparse.Namespace) -> Listing:
    rows = tuple(environment_list_row(env) for env in choose(await api.list_environments(), args))
    return Listing(ENVIRONMENT_LIST_COLUMNS, rows)


async def environment_get(api: Backend, args: argparse.Namespace) -> Record:
    return Record(ENVIRONMENT_COLUMNS, environment_row(await api.get_environment(args.name)))


async def environment_delete(api: Backend, args: argparse.Namespace) -> Outcome:
    return await delete_each(args.names, api.delete_environment, "environment")


def register(commands: CommandAdder) -> None:
    file = argument(
        "file", metavar="FILE", help="JSON or YAML file: {name, description, variables, scope}"
    )
    commands.add("environment-create", environment_create, "Create an environment.", file)
    commands.add(
        "environment-update", environment_update, "Update an environment (named in FILE).", file
    )
    commands.add(
        "environment-list",
        environment_list,
        "List environments.",
        list_options(executions=False),
        reads_only=True,
    )
    commands.add(
        "environment-get",
        environment_get,
        "Show an environment.",
        argument("name", metavar="NAME", help="environment name"),
        reads_only=True,
    )
    commands.add(
        "environment-delete",
        environment_delete,
        "Delete environments.",
        argument("names", metavar="NAME", nargs="+", help="environment name(s)"),
        formatted=False,
    )
