"""Run workflows through the conductor alone: actions answered in memory, time simulated.

Like Orquesta's rehearsal: feed events, collect commands, answer RunAction commands with the
real std actions' logic (noop, echo, fail) or a per-test responder, fire timers in due order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from engine.actions import list_system_actions
from engine.core import events, states
from engine.core.conductor import Conductor, WorkflowEntry
from engine.lang import parse_actions, parse_workbook, parse_workflows

START_TIME = 1_700_000_000.0


class Catalog:
    """Workflows and ad-hoc actions from YAML documents; system actions from the registry."""

    def __init__(self) -> None:
        self.workflows: dict[str, WorkflowEntry] = {}
        self.actions: dict[str, Any] = {}
        self.system = {descriptor.name: descriptor for descriptor in list_system_actions()}

    def add_workbook(self, text: str) -> Catalog:
        book = parse_workbook(text, "test.yaml")
        for short, spec in book.workflows.items():
            name = f"{book.name}.{short}"
            self.workflows[name] = WorkflowEntry(spec, name, f"wf-{name}", spec.definition)
        for short, spec in book.actions.items():
            self.actions[f"{book.name}.{short}"] = spec
        return self

    def add_workflows(self, text: str) -> Catalog:
        for name, spec in parse_workflows(text, "test.yaml").workflows.items():
            self.workflows[name] = WorkflowEntry(spec, name, f"wf-{name}", spec.definition)
        return self

    def add_actions(self, text: str) -> Catalog:
        self.actions.update(parse_actions(text, "test.yaml").actions)
        return self

    def workflow(self, name: str) -> WorkflowEntry | None:
        return self.workflows.get(name)

    def adhoc_action(self, name: str) -> Any:
        return self.actions.get(name)

    def system_action(self, name: str) -> Any:
        return self.system.get(name)


Responder = Callable[[events.RunAction], Any]


def std_responder(command: events.RunAction) -> events.ActionFinished | None:
    """std.noop -> None, std.echo -> output, std.fail -> error; others stay running."""
    if command.name == "std.noop":
        return events.ActionFinished(command.action_id, data=None)
    if command.name == "std.echo":
        return events.ActionFinished(command.action_id, data=command.input.get("output"))
    if command.name == "std.fail":
        return events.ActionFinished(command.action_id, error="Fail action expected exception.")
    return None


class Rehearsal:
    """A conductor plus a simulated runtime."""

    def __init__(self, catalog: Catalog, responder: Responder | None = None) -> None:
        counter = itertools.count(1)
        self.conductor = Conductor(catalog, lambda: f"id-{next(counter)}")
        self.catalog = catalog
        self.responder = responder or std_responder
        self.now = START_TIME
        self.timers: dict[str, float] = {}
        self.pending: list[events.RunAction] = []
        self.ran: list[events.RunAction] = []
        self.cancelled: list[str] = []
        self.queue: list[Any] = []

    def send(self, event: Any) -> Any:
        outcome = self.conductor.handle(event, self.now)
        for command in outcome.commands:
            if isinstance(command, events.RunAction):
                self.ran.append(command)
                answer = self.responder(command)
                if answer is None:
                    self.pending.append(command)
                else:
                    self.queue.append(answer)
            elif isinstance(command, events.ArmTimer):
                self.timers[command.timer_id] = command.due
            elif isinstance(command, events.DisarmTimer):
                self.timers.pop(command.timer_id, None)
            elif isinstance(command, events.CancelAction):
                self.cancelled.append(command.action_id)
        return outcome.result

    def settle(self, advance_timers: bool = True, limit: int = 100_000) -> None:
        """Deliver answers, then fire timers in due order, until nothing is left to do."""
        for _ in range(limit):
            if self.queue:
                self.send(self.queue.pop(0))
                continue
            if advance_timers and self.timers:
                timer_id, due = min(self.timers.items(), key=lambda item: item[1])
                del self.timers[timer_id]
                self.now = max(self.now, due)
                self.send(events.TimerFired(timer_id))
                continue
            return
        raise AssertionError("the rehearsal did not settle")

    def start(self, name: str, input: dict | None = None, **params: Any):
        entry = self.catalog.workflow(name)
        assert entry is not None, name
        execution = self.send(
            events.StartWorkflow(entry.spec, entry.name, entry.text, input or {}, params)
        )
        return execution

    def run(self, name: str, input: dict | None = None, **params: Any):
        execution = self.start(name, input, **params)
        self.settle()
        return execution

    def answer(self, action_name: str, **result: Any) -> None:
        """Finish the first pending action called `action_name`."""
        for command in self.pending:
            if command.name == action_name:
                self.pending.remove(command)
                self.send(events.ActionFinished(command.action_id, **result))
                return
        raise AssertionError(f"no pending {action_name}")

    def task(self, execution, name: str):
        found = execution.tasks_by_name.get(name)
        return found[-1] if found else None

    def task_states(self, execution) -> dict[str, str]:
        return {task.name: task.state for task in execution.tasks}


def completed(execution) -> bool:
    return states.is_completed(execution.state)
