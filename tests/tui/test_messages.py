"""The Messages pane: a workflow's zaqar message appears as it is posted; enter opens its
execution."""

from __future__ import annotations

from tests.tui.conftest import wait_for
from tripleo_tui.screens.execution import ExecutionScreen

NOTIFY_WORKBOOK = """\
version: '2.0'
name: test.messages
workflows:
  notify:
    tasks:
      post:
        action: zaqar.queue_post
        input:
          queue_name: tripleo
          messages:
            body:
              type: test.messages.notify
              payload:
                status: SUCCESS
                message: hello from a test
                execution: <% execution() %>
"""


async def test_a_posted_message_is_listed_and_opens_its_execution(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await app.api.create_workbook(NOTIFY_WORKBOOK)
        execution_id = await app.start_execution("test.messages.notify", {})
        pane = app.pane("messages")
        await wait_for(pilot, lambda: pane.messages, "the message")
        (message,) = pane.messages.values()
        assert (message.type, message.status, message.message) == (
            "test.messages.notify",
            "SUCCESS",
            "hello from a test",
        )
        row = [pane.table.cell(message.id, column.key).plain for column in pane.COLUMNS]
        assert row[1:5] == ["SUCCESS", "hello from a test", "test.messages.notify", "tripleo"]
        assert row[5] == execution_id[:8]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "execution")
        assert app.screen.execution_id == execution_id
