"""`ctrl+p` commands: run a workflow, jump to an execution, switch pane.

Pane and workflow commands use Textual's fuzzy matcher. Executions are matched by words
(every word of the query in the command's text): the fuzzy matcher's cost grows fast with long
queries against hundreds of ids, which froze the palette.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

RECENT_EXECUTIONS = 500  # the newest ones are offered; older ones are a `/` filter away

Command = tuple[str, Callable[[], object], str]


class ConsoleCommands(Provider):
    async def startup(self) -> None:
        api = self.app.api
        self.workflows = [workflow.name for workflow in await api.list_workflows()] if api else []

    def _fuzzy_commands(self) -> Iterator[Command]:
        app = self.app
        for pane, title in app.pane_titles():
            yield (
                f"Show {title}",
                partial(app.action_show_pane, pane),
                f"switch to the {title} pane",
            )
        for name in self.workflows:
            yield f"Run {name}", partial(app.open_run_form, name), "open the run form"

    def _execution_commands(self) -> Iterator[Command]:
        app = self.app
        for execution in app.known_executions()[-RECENT_EXECUTIONS:][::-1]:
            yield (
                f"Go to execution {execution.id[:8]} {execution.workflow_name} {execution.state}",
                partial(app.open_execution, execution.id),
                execution.id,
            )

    async def discover(self) -> Hits:
        for text, callback, help_text in self._fuzzy_commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._fuzzy_commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
        words = query.lower().split()
        for text, callback, help_text in self._execution_commands():
            if words and all(word in text.lower() for word in words):
                yield Hit(0.5, Text(text), callback, help=help_text)
