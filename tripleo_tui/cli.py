"""`tripleo-tui <command>`: python-mistralclient-style commands; no command opens the console.

Command groups live in their own modules, listed in COMMAND_GROUPS; each has a
`register(commands: CommandAdder)` function. A command handler is a coroutine
`handler(api, args)` that returns an `Output` (see `formatting`) or an `Outcome`.

Commands act on the embedded engine and its state file, or with `--os-mistral-url URL`
(`$OS_MISTRAL_URL`) or `--mistral` (the Keystone catalog's `workflowv2` endpoint), on a real
Mistral (engine.api.mistral).

Errors never print a traceback: stderr gets one `ERROR: ...` message (every problem, for a
definition) and the traceback goes to `tripleo-tui.log` beside the state file.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import logging.handlers
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from engine import clouds, sandbox
from engine.api import (
    MISTRAL_URL_ENV,
    Backend,
    DefinitionError,
    EngineError,
    StoreError,
    log_path,
    open_backend,
    open_mistral,
    open_private_file,
    refuse_unsafe_path,
    state_path,
)
from engine.sandbox import cli as sandbox_cli
from tripleo_tui import serve
from tripleo_tui.formatting import Output, add_format_options, render

COMMAND_GROUPS = (
    "tripleo_tui.definition_commands",
    "tripleo_tui.execution_commands",
    "tripleo_tui.environment_commands",
    "tripleo_tui.cron_trigger_commands",
    "tripleo_tui.engine_command",
    "tripleo_tui.queue_commands",
)

log = logging.getLogger("tripleo_tui")
# osc-lib's common options and keystoneauth's password/token ones: each becomes OS_<NAME>,
# which engine.clouds reads (clouds.yaml via OS_CLOUD first).
OS_OPTIONS = (
    "cloud",
    "region_name",
    "interface",
    "cacert",
    "cert",
    "key",
    "auth_type",
    "auth_url",
    "endpoint",
    "token",
    "username",
    "user_id",
    "password",
    "user_domain_name",
    "user_domain_id",
    "project_name",
    "project_id",
    "project_domain_name",
    "project_domain_id",
)
LOG_MAX_BYTES = 5_000_000
LOG_BACKUPS = 3


class CommandError(Exception):
    """A command that cannot do what was asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command produced when it is more than an output: an exit code, error lines."""

    output: Output | None = None
    exit_code: int = 0
    errors: tuple[str, ...] = ()


Handler = Callable[[Backend, argparse.Namespace], Awaitable[Output | Outcome]]


class CommandAdder:
    """Adds commands to the parser; handed to each command group's `register`."""

    def __init__(self, subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser):
        self._subparsers = subparsers
        self._common = common

    def add(
        self, name: str, handler: Handler, help: str, *, formatted: bool = True
    ) -> argparse.ArgumentParser:
        """A new sub-command; `formatted` adds cliff's output options (formatting)."""
        parser = self._subparsers.add_parser(
            name, help=help, description=help, parents=[self._common]
        )
        if formatted:
            add_format_options(parser)
        parser.set_defaults(handler=handler, id_kinds={})
        return parser

    @staticmethod
    def add_id(parser: argparse.ArgumentParser, kind: str, *flags: str, **options: object) -> None:
        """An argument naming an execution, task or action execution (`kind`) by its id or
        a unique start of it (8 characters, as the console shows); resolved before the
        handler runs, so a handler always gets whole ids."""
        action = parser.add_argument(*flags, **options)
        parser.get_default("id_kinds")[action.dest] = kind


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="state file (default: $TRIPLEO_TUI_DB, else $XDG_DATA_HOME/tripleo-tui/state.sqlite)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="log debug messages, tracebacks included, to stderr as well",
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="load our own workbooks again, replacing the stored ones",
    )
    parser.add_argument(
        "--os-mistral-url",
        metavar="URL",
        default=default,
        help=f"drive the Mistral v2 API at URL (no authentication) instead of the embedded "
        f"engine (default: ${MISTRAL_URL_ENV})",
    )
    for name in OS_OPTIONS:
        parser.add_argument(
            f"--os-{name.replace('_', '-')}",
            dest=f"os_{name}",
            metavar=name.upper().replace("OS_", ""),
            default=default,
            help=f"as osc-lib: sets OS_{name.upper()} for this command (and an engine it starts)",
        )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default if default is argparse.SUPPRESS else 0,
        help="log to stderr as well: -v info, -vv debug (the log file gets info always)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="print no warnings, only the output and errors",
    )
    parser.add_argument(
        "--log-file",
        metavar="PATH",
        default=default,
        help="log to PATH (default: tripleo-tui.log beside the state file); it rotates at "
        f"{LOG_MAX_BYTES // 1_000_000} MB, keeping {LOG_BACKUPS} old files",
    )
    parser.add_argument(
        "--mistral",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="drive the Mistral of the Keystone catalog (workflowv2), logging in with the "
        "OS_* variables or clouds.yaml, instead of the embedded engine",
    )


class _VersionAction(argparse.Action):
    """`--version`, as cliff prints it (`prog version`); the package metadata is read only
    when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        from importlib.metadata import version

        print(f"{parser.prog} {version('tripleo-tui')}")
        parser.exit()


def _help(
    parser: argparse.ArgumentParser,
    commands: dict[str, argparse.ArgumentParser],
    args: argparse.Namespace,
) -> int:
    """`help [COMMAND]`: the command's help (as `COMMAND --help`), else everything's."""
    if args.topic is None:
        parser.print_help()
        return 0
    if args.topic not in commands:
        print(f"ERROR: Unknown command '{args.topic}'; see tripleo-tui help", file=sys.stderr)
        return 2
    commands[args.topic].print_help()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tripleo-tui",
        description="Console and Mistral-style commands for TripleO workbooks. "
        "With no command, opens the console.",
    )
    _global_options(parser, None)
    parser.add_argument(
        "--version", action=_VersionAction, help="show the program's version and exit"
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="open the console and bring up the Ironic sandbox (engine.sandbox) in the "
        "background, installing it first if needed",
    )
    # The same options after the command name; SUPPRESS keeps them from hiding earlier ones.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    adder = CommandAdder(subparsers, common)
    for module in COMMAND_GROUPS:
        importlib.import_module(module).register(adder)
    sandbox_cli.register_cli(subparsers)  # sets `func`: synchronous, needs no state file
    serve.register_cli(subparsers)
    helper = subparsers.add_parser("help", help="Show the help of a command, or of all.")
    helper.add_argument("topic", metavar="COMMAND", nargs="?", help="a command's name")
    helper.set_defaults(func=partial(_help, parser, subparsers.choices))
    parser.set_defaults(handler=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or the console) and return the process exit code."""
    args = build_parser().parse_args(argv)
    for name in OS_OPTIONS:
        given = getattr(args, f"os_{name}", None)
        if given is not None:
            os.environ[f"OS_{name.upper()}"] = given
    clouds.add_endpoint_source(sandbox.ENDPOINT_SOURCE)
    db_path = state_path(args.db)
    try:
        refuse_unsafe_path(db_path)  # before anything is created beside it (the log)
        _set_up_logging(
            Path(args.log_file) if args.log_file else log_path(db_path),
            logging.DEBUG
            if args.debug or args.verbose > 1
            else logging.INFO
            if args.verbose
            else None,
        )
    except StoreError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    if getattr(args, "func", None):
        return args.func(args)
    if args.handler is None:
        from tripleo_tui.app import TripleoTuiApp

        sandbox_nodes = sandbox_cli.DEFAULT_NODES if args.sandbox else None
        TripleoTuiApp(
            db_path,
            reload_workbooks=args.reload,
            sandbox_nodes=sandbox_nodes,
            mistral=mistral_choice(args),
        ).run()
        return 0
    try:
        outcome = asyncio.run(_run(db_path, args))
        text = "" if outcome.output is None else _render(outcome.output, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = error_message(error, db_path)
        if isinstance(error, USER_ERRORS):  # the user's to fix: one line, no traceback
            log.error("tripleo-tui %s: %s", args.command, " ".join(message.split()))
        else:
            log.exception("tripleo-tui %s failed", args.command)
        print(f"ERROR: {message}", file=sys.stderr)
        return 1
    if text and not _print_output(text):
        return 141  # as a shell reports a command a closed pipe stopped (128 + SIGPIPE)
    for line in outcome.errors:
        print(f"ERROR: {line}", file=sys.stderr)
    return outcome.exit_code


def _print_output(text: str) -> bool:
    """Print `text`; False when the reader went away (`| head -1`), without a traceback."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    return True


def _render(output: Output, args: argparse.Namespace) -> str:
    if not hasattr(args, "format"):  # a command without output options prints only Text
        return render(output)
    return render(output, args.format, args.columns, args)


@dataclass(frozen=True, slots=True)
class MistralChoice:
    """A real Mistral was asked for: at `url`, or (None) through the Keystone catalog."""

    url: str | None


def mistral_choice(args: argparse.Namespace) -> MistralChoice | None:
    """`--os-mistral-url`, else `$OS_MISTRAL_URL`, else `--mistral`; None: the embedded engine."""
    url = args.os_mistral_url or os.environ.get(MISTRAL_URL_ENV)
    if url or args.mistral:
        return MistralChoice(url or None)
    return None


async def open_chosen(
    db_path: Path, reload_workbooks: bool, mistral: MistralChoice | None
) -> Backend:
    """The backend the options chose: a real Mistral, or the embedded engine's state file."""
    if mistral is not None:
        return await open_mistral(mistral.url)
    from tripleo_tui.engine_command import serve_others, start_background_engine

    return await open_backend(
        db_path,
        reload_workbooks=reload_workbooks,
        start_engine=start_background_engine,
        serve_others=serve_others,
    )


async def _run(db_path: Path, args: argparse.Namespace) -> Outcome:
    async with await open_chosen(db_path, args.reload, mistral_choice(args)) as api:
        for problem in () if args.quiet else api.workbook_load_problems:
            print(f"WARNING: workbook not loaded: {problem}", file=sys.stderr)
        await _resolve_ids(api, args)
        result = await args.handler(api, args)
        return result if isinstance(result, Outcome) else Outcome(result)


async def _resolve_ids(api: Backend, args: argparse.Namespace) -> None:
    """Replace short ids by whole ones (all of them first: an ambiguous one changes nothing)."""
    for dest, kind in args.id_kinds.items():
        given = getattr(args, dest)
        if isinstance(given, list):
            setattr(args, dest, [await api.resolve_id(kind, each) for each in given])
        elif given is not None:
            setattr(args, dest, await api.resolve_id(kind, given))


# Errors a user caused and can fix: their message says all (the log gets it on one line).
USER_ERRORS = (DefinitionError, CommandError, StoreError, EngineError, ValueError, OSError)


def error_message(error: Exception, db_path: Path) -> str:
    """The one message a user sees for an error."""
    if isinstance(error, DefinitionError):
        count = len(error.problems)
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        return f"Invalid definition ({count} problem{'s' if count != 1 else ''}):\n{lines}"
    if isinstance(error, USER_ERRORS):
        return str(error)
    return f"{type(error).__name__}: {error} (details in {log_path(db_path)})"


_log_handlers: list[logging.Handler] = []


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """The log file, opened without following a symbolic link and private to its owner;
    size-bounded: at LOG_MAX_BYTES it moves to .1 (.1 to .2, ...), keeping LOG_BACKUPS."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")

    def _open(self):  # noqa: ANN202 (logging's own hook)
        fd = open_private_file(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def _set_up_logging(log_file: Path, stderr_level: int | None) -> None:
    """Log to `log_file` (and to stderr at `stderr_level`, if given: -v, -vv, --debug)."""
    root = logging.getLogger()
    for handler in _log_handlers:
        root.removeHandler(handler)
        handler.close()
    _log_handlers[:] = [_PrivateFileHandler(log_file)]
    if stderr_level is not None:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(stderr_level)
        _log_handlers.append(stderr)
    debug = stderr_level == logging.DEBUG
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in _log_handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.raiseExceptions = debug  # a log that cannot be written (a full disk) stays quiet
    logging.getLogger("aiosqlite").setLevel(logging.INFO)  # one line per query otherwise
