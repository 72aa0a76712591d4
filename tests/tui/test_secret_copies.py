"""The console's execution screen never shows a secret input or a copy of it (issue 15,
failure 7): input, output, the task's published values and state info all say `***`."""

from __future__ import annotations

import json

from engine.api import states
from tests.tui.conftest import wait_for
from tests.tui.test_executions import pane_state
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.failure import FailureScreen
from tripleo_tui.widgets.json_view import JsonView, dump

PASSWORD = "Hunter2-Sekret"
WORKBOOK = """\
version: '2.0'
name: test.secrets
workflows:
  copy:
    input: [admin_password]
    tasks:
      keep:
        action: std.echo output=<% 'admin:' + $.admin_password %>
        publish:
          copy: <% $.admin_password %>
        on-success: complain
      complain:
        action: std.fail error_data=<% 'could not log in with ' + $.admin_password %>
    output:
      auth: <% $.copy %>
"""


async def test_the_execution_screen_masks_secret_copies(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await app.api.create_workbook(WORKBOOK)
        execution_id = await app.start_execution("test.secrets.copy", {"admin_password": PASSWORD})
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.ERROR, "ERROR")
        await pilot.press("3", "enter")  # on an ERROR row: the error view, over the execution
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), "the error view")
        failure = app.screen.query_one("#failure")
        await wait_for(pilot, lambda: "could not log in" in failure.text, "the failure")
        assert PASSWORD not in failure.text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "execution")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.tasks) == 2, "the tasks")
        shown = [
            screen.execution.state_info,
            *(dump(screen.query_one(f"#{part}", JsonView).value) for part in ("input", "params")),
            *(
                json.dumps([task.published, task.result, task.state_info])
                for task in screen.tasks.values()
            ),
        ]
        assert PASSWORD not in "\n".join(shown)
        assert screen.query_one("#input", JsonView).value == {"admin_password": "***"}
        keep = next(task for task in screen.tasks.values() if task.name == "keep")
        assert keep.published == {"copy": "***"}
        assert keep.result == "admin:***"
        assert "could not log in with ***" in screen.execution.state_info
