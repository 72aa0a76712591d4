"""The task graph (`g` on the execution screen): the workflow's tasks and transitions from the
Backend's get_workflow_graph, each task coloured by its state in this execution."""

from __future__ import annotations

from textual.widgets import Static

from engine.api import states
from tests.tui.conftest import wait_for
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.graph import GraphScreen
from tripleo_tui.task_graph import NOT_RUN

BRANCHING = """\
version: '2.0'
name: test.graph
workflows:
  branches:
    tasks:
      first:
        action: std.noop
        on-success: [broken]
        on-error: [cleanup]
      broken:
        action: std.fail
        on-success: [never]
        on-error:
          - fail
      cleanup:
        action: std.noop
      never:
        action: std.noop
"""


def style_of(text, word: str) -> str:
    start = text.plain.index(word)
    return " ".join(str(span.style) for span in text.spans if span.start <= start < span.end)


async def test_g_draws_the_workflow_with_each_task_in_its_state(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await app.api.create_workbook(BRANCHING)
        graph = await app.api.get_workflow_graph("test.graph.branches")
        assert graph.start_tasks == ("first",)
        assert [(e.source, e.target, e.on) for e in graph.edges][:2] == [
            ("first", "broken", "success"),
            ("first", "cleanup", "error"),
        ]
        execution_id = await app.start_execution("test.graph.branches", {})
        await wait_for(
            pilot,
            lambda: (
                getattr(app.pane("executions").executions.get(execution_id), "state", None)
                == states.ERROR
            ),
            "ERROR",
        )
        await app.push_screen(ExecutionScreen(app.session, execution_id))
        await wait_for(pilot, lambda: app.screen.execution is not None, "the execution")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GraphScreen), "the graph")
        static = app.screen.query_one("#graph", Static)
        await wait_for(pilot, lambda: "broken" in str(static.content), "the drawing")
        text = static.content
        plain = text.plain
        assert plain.index("first") < plain.index("broken") < plain.index("never")
        assert "on-success  ▶ broken" in plain and "on-error    ▶ fail" in plain
        assert "red" in style_of(text, "broken ")
        assert "green" in style_of(text, "first ")
        assert NOT_RUN in style_of(text, "cleanup ") and "not run" in plain
        await pilot.press("escape")
        assert isinstance(app.screen, ExecutionScreen)
