"""The Workbooks and Workflows panes: stored definitions, `enter` shows one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable

from engine.api import CronTriggerRecord, WorkbookRecord, WorkflowRecord
from tripleo_tui.messages import OpenRunForm
from tripleo_tui.screens.definition import DefinitionScreen
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.list_pane import ListPane

READ_AGAIN_SECONDS = 2.0  # definitions another process (the CLI) changed show this soon


class DefinitionsPane(ListPane):
    """Read again every READ_AGAIN_SECONDS: definitions change in no engine event."""

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(READ_AGAIN_SECONDS, self._read_again)

    def _read_again(self) -> None:
        if self.session.api is not None:
            self.reload()


class WorkbooksPane(DefinitionsPane):
    COLUMNS = (
        Column("name", "Name", 40, grow=True, min_width=16),
        Column("tags", "Tags", 24, grow=True, min_width=0),
        Column("created", "Created at", 19, min_width=0),
        Column("updated", "Updated at", 19, min_width=0),
    )

    async def load(self) -> None:
        workbooks = await self.api.list_workbooks()
        self.table.show({workbook.name: workbook for workbook in workbooks})
        self.update_note()

    def update_note(self) -> None:
        self.set_note(f"{self.counted('workbooks')} · enter: definition")

    def render_row(self, workbook: WorkbookRecord) -> cells.Cells:
        return (
            cells.text(workbook.name, "bold"),
            cells.tags(workbook.tags),
            cells.text(workbook.created_at),
            cells.text(workbook.updated_at),
        )

    @on(DataTable.RowSelected)
    @work(group="open", exit_on_error=False)
    async def _open(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        workbook = await self.api.get_workbook(name)
        await self.app.push_screen(DefinitionScreen("Workbook", name, workbook.definition))


@dataclass(frozen=True, slots=True)
class ScheduledWorkflow:
    """One row of the Workflows pane: a workflow and the cron triggers that start it, soonest
    first (a row changes when either does)."""

    workflow: WorkflowRecord
    triggers: tuple[CronTriggerRecord, ...] = ()


def next_cron_time(triggers: tuple[CronTriggerRecord, ...]) -> str:
    """The soonest next time of a workflow's triggers (UTC, to the minute), '+N' for more."""
    if not triggers:
        return ""
    more = f" +{len(triggers) - 1}" if len(triggers) > 1 else ""
    return triggers[0].next_execution_time[:16] + more


def triggers_by_workflow(
    triggers: list[CronTriggerRecord],
) -> dict[str, tuple[CronTriggerRecord, ...]]:
    found: dict[str, list[CronTriggerRecord]] = defaultdict(list)
    for trigger in sorted(triggers, key=lambda trigger: trigger.next_execution_time):
        found[trigger.workflow_name].append(trigger)
    return {name: tuple(each) for name, each in found.items()}


class WorkflowsPane(DefinitionsPane):
    COLUMNS = (
        Column("name", "Name", 50, grow=True, min_width=20),
        Column("input", "Input", 40, grow=True, min_width=10),
        Column("cron", "Cron (next, UTC)", 19, grow=True, min_width=0),
        Column("tags", "Tags", 24, grow=True, min_width=0),
        Column("namespace", "Namespace", 9, min_width=0),
    )
    BINDINGS: ClassVar = [Binding("r", "run", "Run", id="run", priority=True)]
    OPENS_SCREEN = frozenset({"run"})

    async def load(self) -> None:
        workflows = await self.api.list_workflows()
        scheduled = triggers_by_workflow(await self.api.list_cron_triggers())
        self.table.show(
            {
                workflow.name: ScheduledWorkflow(workflow, scheduled.get(workflow.name, ()))
                for workflow in workflows
            }
        )
        self.update_note()

    def update_note(self) -> None:
        self.set_note(f"{self.counted('workflows')} · enter: definition · r: run")

    def render_row(self, row: ScheduledWorkflow) -> cells.Cells:
        workflow = row.workflow
        return (
            cells.text(workflow.name, "bold"),
            cells.text(cells.input_signature(workflow.input)),
            cells.text(next_cron_time(row.triggers)),
            cells.tags(workflow.tags),
            cells.text(workflow.namespace),
        )

    @on(DataTable.RowSelected)
    @work(group="open", exit_on_error=False)
    async def _open(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        definition = await self.api.get_workflow_definition(name)
        inputs = await self.api.get_workflow_input(name)
        triggers = triggers_by_workflow(await self.api.list_cron_triggers()).get(name, ())
        await self.app.push_screen(DefinitionScreen("Workflow", name, definition, inputs, triggers))

    def action_run(self) -> None:
        name = self.table.current_key
        if name is not None:
            self.keep_keys()
            self.post_message(OpenRunForm(name))
