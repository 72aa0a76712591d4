"""`tripleo-tui <command>`: python-mistralclient-style commands; no command opens the console.

Command groups live in their own modules, listed in COMMAND_GROUPS; each has a
`register(commands: CommandAdder)` function. A command handler is a coroutine
`handler(api, args)` that returns an `Output` (see `formatting`) or an `Outcome`. A command
that only reads (`reads_only`) runs without an event loop on the embedded engine's state file
(engine.api.open_for_reading): asyncio and aiosqlite took a third of its time.

Commands act on the embedded engine and its state file, or with `--os-mistral-url URL`
(`$OS_MISTRAL_URL`) or `--mistral` (the Keystone catalog's `workflowv2` endpoint), on a real
Mistral (engine.api.mistral).

Errors never print a traceback: stderr gets one `ERROR: ...` message (every problem, for a
definition) and the traceback goes to `tripleo-tui.log` beside the state file.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.api import MISTRAL_URL_ENV

if TYPE_CHECKING:
    from engine.api import Backend
    from tripleo_tui.formatting import Output

COMMAND_GROUPS = (
    "tripleo_tui.definition_commands",
    "tripleo_tui.execution_commands",
    "tripleo_tui.tree_commands",
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


Handler = Callable[["Backend", argparse.Namespace], Awaitable["Output | Outcome"]]
Arguments = Callable[[argparse.ArgumentParser], object]  # adds a command's own arguments


def argument(*flags: str, **options: Any) -> Arguments:
    """An argument of a command, added when its parser is built (`add_argument`'s arguments)."""
    return lambda parser: parser.add_argument(*flags, **options)


def id_argument(kind: str, *flags: str, **options: Any) -> Arguments:
    """An argument naming an execution, task, action execution, workflow, action or cron trigger
    (`kind`) by its id or a unique start of it (8 characters, as the console shows); resolved
    before the handler runs, so a handler always gets whole ids (or the names it was given)."""

    def add(parser: argparse.ArgumentParser) -> None:
        action = parser.add_argument(*flags, **options)
        parser.get_default("id_kinds")[action.dest] = kind

    return add


class CommandParsers(argparse._SubParsersAction):
    """The sub-commands, each parser built only when its command is chosen (argparse calls
    this action with its name) or its help is asked for: building all of them took ~15 ms,
    a tenth of a quick command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._builders: dict[str, Callable[[], argparse.ArgumentParser]] = {}

    def add_command(
        self, name: str, help: str, build: Callable[[str], argparse.ArgumentParser]
    ) -> None:
        """List `name` with its `help`; `build(prog)` makes its parser when it is needed."""
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), help))
        self._name_parser_map[name] = None  # a valid choice; built by `parser`
        self._builders[name] = lambda: build(f"{self._prog_prefix} {name}")

    def parser(self, name: str) -> argparse.ArgumentParser:
        if self._name_parser_map[name] is None:
            self._name_parser_map[name] = self._builders[name]()
        return self._name_parser_map[name]

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        self.parser(values[0])
        super().__call__(parser, namespace, values, option_string)


class CommandAdder:
    """Adds commands to the parser; handed to each command group's `register`."""

    def __init__(self, commands: CommandParsers, common: Callable[[], argparse.ArgumentParser]):
        self._commands = commands
        self._common = common

    def add(
        self,
        name: str,
        handler: Handler,
        help: str,
        *arguments: Arguments,
        formatted: bool = True,
        reads_only: bool = False,
    ) -> None:
        """A new sub-command with its `arguments` (see `argument`); `formatted` adds cliff's
        output options (formatting); `reads_only`: its handler only reads the backend, and
        never waits but for those reads (see the module's docstring)."""

        def build(prog: str) -> argparse.ArgumentParser:
            parser = argparse.ArgumentParser(prog=prog, description=help, parents=[self._common()])
            if formatted:
                from tripleo_tui.formatting import add_format_options

                add_format_options(parser)
            parser.set_defaults(handler=handler, id_kinds={}, reads_only=reads_only)
            for add_arguments in arguments:
                add_arguments(parser)
            return parser

        self._commands.add_command(name, help, build)

    def add_plain(self, name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
        """A command that runs by itself (`configure` sets its `func(args)`): no state file,
        no global options after its name."""

        def build(prog: str) -> argparse.ArgumentParser:
            parser = argparse.ArgumentParser(prog=prog)
            configure(parser)
            return parser

        self._commands.add_command(name, help, build)


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
    parser: argparse.ArgumentParser, commands: CommandParsers, args: argparse.Namespace
) -> int:
    """`help [COMMAND]`: the command's help (as `COMMAND --help`), else everything's."""
    if args.topic is None:
        parser.print_help()
        return 0
    if args.topic not in commands.choices:
        print(f"ERROR: Unknown command '{args.topic}'; see tripleo-tui help", file=sys.stderr)
        return 2
    commands.parser(args.topic).print_help()
    return 0


def _sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.sandbox import cli as sandbox_cli

    sandbox_cli.configure(parser)  # sets `func`: synchronous, needs no state file


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    from tripleo_tui import serve

    serve.configure(parser)


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
    commands = parser.add_subparsers(action=CommandParsers, dest="command", metavar="<command>")
    adder = CommandAdder(commands, _common_options)
    for module in COMMAND_GROUPS:
        importlib.import_module(module).register(adder)
    adder.add_plain("sandbox", "a real Ironic on loopback with demo nodes", _sandbox_arguments)
    adder.add_plain(
        "serve",
        "the console in a browser on loopback (textual-serve; a token in the URL)",
        _serve_arguments,
    )

    def help_arguments(helper: argparse.ArgumentParser) -> None:
        helper.add_argument("topic", metavar="COMMAND", nargs="?", help="a command's name")
        helper.set_defaults(func=lambda args: _help(parser, commands, args))

    adder.add_plain("help", "Show the help of a command, or of all.", help_arguments)
    parser.set_defaults(handler=None)
    return parser


@functools.cache
def _common_options() -> argparse.ArgumentParser:
    """The global options again, for after the command's name; SUPPRESS keeps them from
    hiding the ones given before it."""
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    return common


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or the console) and return the process exit code."""
    args = build_parser().parse_args(argv)
    for name in OS_OPTIONS:
        given = getattr(args, f"os_{name}", None)
        if given is not None:
            os.environ[f"OS_{name.upper()}"] = given
    from engine.api import StoreError, log_path, refuse_unsafe_path, state_path

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
        from engine.sandbox.cli import DEFAULT_NODES
        from tripleo_tui.app import TripleoTuiApp

        TripleoTuiApp(
            db_path,
            reload_workbooks=args.reload,
            sandbox_nodes=DEFAULT_NODES if args.sandbox else None,
            mistral=mistral_choice(args),
        ).run()
        return 0
    try:
        outcome = _outcome(db_path, args)
        text = "" if outcome.output is None else _render(outcome.output, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = error_message(error, db_path)
        if isinstance(error, user_errors()):  # the user's to fix: one line, no traceback
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
    from tripleo_tui.formatting import render

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
    from engine.api import open_backend, open_mistral

    if mistral is not None:
        return await open_mistral(mistral.url)
    from tripleo_tui.engine_command import serve_others, start_background_engine

    return await open_backend(
        db_path,
        reload_workbooks=reload_workbooks,
        start_engine=start_background_engine,
        serve_others=serve_others,
    )


def _outcome(db_path: Path, args: argparse.Namespace) -> Outcome:
    """Run the command: without an event loop when it only reads the embedded engine's state
    file and that file needs no setting up, else in asyncio."""
    if args.reads_only and mistral_choice(args) is None and not args.reload:
        from engine.api import run_to_end

        outcome = run_to_end(_read(db_path, args))
        if outcome is not None:
            return outcome
    import asyncio

    return asyncio.run(_run(db_path, args))


async def _read(db_path: Path, args: argparse.Namespace) -> Outcome | None:
    """The outcome of a command that only reads, or None if the state file must be opened
    with `open_backend` first (engine.api.open_for_reading)."""
    from engine.api import open_for_reading

    api = await open_for_reading(db_path)
    if api is None:
        return None
    async with api:
        return await _handle(api, args)


async def _run(db_path: Path, args: argparse.Namespace) -> Outcome:
    async with await open_chosen(db_path, args.reload, mistral_choice(args)) as api:
        return await _handle(api, args)


async def _handle(api: Backend, args: argparse.Namespace) -> Outcome:
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


def user_errors() -> tuple[type[Exception], ...]:
    """Errors a user caused and can fix: their message says all (the log gets it on one line)."""
    from engine.api import DefinitionError, EngineError, StoreError

    return (DefinitionError, CommandError, StoreError, EngineError, ValueError, OSError)


def error_message(error: Exception, db_path: Path) -> str:
    """The one message a user sees for an error."""
    from engine.api import DefinitionError, log_path

    if isinstance(error, DefinitionError):
        count = len(error.problems)
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        return f"Invalid definition ({count} problem{'s' if count != 1 else ''}):\n{lines}"
    if isinstance(error, user_errors()):
        return str(error)
    return f"{type(error).__name__}: {error} (details in {log_path(db_path)})"


_log_handlers: list[logging.Handler] = []


class _LogFile(logging.Handler):
    """The log file: created (or refused: a symbolic link, say) at once, written through its
    rotating writer (tripleo_tui.log_file) made for the first record, as most commands log
    nothing and that writer's imports cost a read 6 % of its instructions."""

    def __init__(self, path: Path) -> None:
        from engine.api import open_private_file

        super().__init__()
        self.path = Path(os.path.abspath(path))
        os.close(open_private_file(self.path, os.O_WRONLY | os.O_APPEND))
        self._writer: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._writer is None:
                from tripleo_tui.log_file import PrivateRotatingFile

                self._writer = PrivateRotatingFile(self.path, LOG_MAX_BYTES, LOG_BACKUPS)
                self._writer.setFormatter(self.formatter)
            self._writer.emit(record)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        super().close()


def _set_up_logging(log_file: Path, stderr_level: int | None) -> None:
    """Log to `log_file` (and to stderr at `stderr_level`, if given: -v, -vv, --debug)."""
    root = logging.getLogger()
    for handler in _log_handlers:
        root.removeHandler(handler)
        handler.close()
    _log_handlers[:] = [_LogFile(log_file)]
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
