"""Frozen, validated specs of Mistral v2 documents.

Values that may hold expressions are stored compiled (see `engine.expr.compile_value`). The
workflow graph (start tasks, inbound and outbound tasks, join sources, reverse order) is
computed once when a definition is parsed, so the engine never scans a spec while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.lang.errors import Problem

ENGINE_COMMANDS = frozenset({"noop", "fail", "succeed", "pause"})


@dataclass(frozen=True, slots=True)
class InputParam:
    """A declared input; `default` only matters when `required` is false."""

    name: str
    default: Any = None
    required: bool = True

    def __str__(self) -> str:
        # The text Mistral's API (and so python-mistralclient) showed: "name=%s" % default.
        return self.name if self.required else f"{self.name}={self.default}"


def input_text(params: tuple[InputParam, ...]) -> str:
    return ", ".join(str(param) for param in params)


@dataclass(frozen=True, slots=True)
class Target:
    """One destination of an on-* clause: a task, or an engine command (fail, succeed, ...).

    `condition` is the compiled guard (None: always); `params` are the inline `k=v` values,
    e.g. `msg` of `fail msg="..."`.
    """

    name: str
    condition: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    is_command: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    """An on-success / on-error / on-complete clause.

    The publish fields come from the advanced form `{publish: {branch, global, atomic}, next}`:
    all three are dicts when the clause has `publish` (Queens: it then replaces the task's own
    `publish`), and None when it has not.
    """

    targets: tuple[Target, ...] = ()
    publish: dict[str, Any] | None = None
    publish_global: dict[str, Any] | None = None
    atomic: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """`count` and `delay` are ints or expressions; break-on / continue-on are conditions."""

    count: Any
    delay: Any
    break_on: Any = None
    continue_on: Any = None


@dataclass(frozen=True, slots=True)
class Policies:
    """Task policies after task-defaults were applied; None means "not set"."""

    retry: Retry | None = None
    wait_before: Any = None
    wait_after: Any = None
    timeout: Any = None
    pause_before: Any = None
    concurrency: Any = None
    fail_on: Any = None


@dataclass(frozen=True, slots=True)
class WithItem:
    """`var in <source>`: the source is a compiled expression or a literal list."""

    var: str
    source: Any


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A task after task-defaults were merged in.

    `action` is "std.noop" when the task names neither an action nor a workflow; either may be
    an expression. `input` is a dict holding `input:` with the inline `name k=v` parameters
    merged over it (as Mistral's merge_dicts did), or one expression (Queens+), which cannot
    be combined with inline parameters.
    """

    name: str
    description: str = ""
    action: Any = None
    workflow: Any = None
    input: Any = field(default_factory=dict)
    publish: dict[str, Any] = field(default_factory=dict)
    publish_on_error: dict[str, Any] = field(default_factory=dict)
    publish_on_skip: dict[str, Any] = field(default_factory=dict)
    with_items: tuple[WithItem, ...] = ()
    keep_result: Any = True
    target: Any = None
    safe_rerun: Any = False
    policies: Policies = Policies()
    on_success: Clause | None = None
    on_error: Clause | None = None
    on_complete: Clause | None = None
    on_skip: Clause | None = None
    join: Literal["all"] | int | None = None
    requires: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """A workflow with its graph computed once.

    Direct: `start_tasks`, `outbound` (task -> tasks its clauses may start, in clause order),
    `inbound` (task -> tasks that may start it) and `join_sources` (join task -> its inbound
    set). Reverse: `order` (every task in an order where requirements come first).
    """

    name: str
    type: Literal["direct", "reverse"] = "direct"
    description: str = ""
    tags: tuple[str, ...] = ()
    input: tuple[InputParam, ...] = ()
    output: dict[str, Any] = field(default_factory=dict)
    output_on_error: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    definition: str = ""
    start_tasks: tuple[str, ...] = field(default=(), repr=False)
    inbound: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    outbound: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    join_sources: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    order: tuple[str, ...] = field(default=(), repr=False)

    @property
    def input_text(self) -> str:
        return input_text(self.input)

    def reverse_order(self, target: str) -> tuple[str, ...]:
        """The tasks a reverse workflow runs to reach `target`, requirements first."""
        needed = {target}
        pending = [target]
        while pending:
            for required in self.tasks[pending.pop()].requires:
                if required not in needed:
                    needed.add(required)
                    pending.append(required)
        return tuple(name for name in self.order if name in needed)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An ad-hoc action: `base` with `base_params` (inline) under `base_input`."""

    name: str
    base: str
    base_params: dict[str, Any] = field(default_factory=dict)
    base_input: dict[str, Any] = field(default_factory=dict)
    input: tuple[InputParam, ...] = ()
    output: Any = None
    description: str = ""
    tags: tuple[str, ...] = ()
    definition: str = ""

    @property
    def input_text(self) -> str:
        return input_text(self.input)


@dataclass(frozen=True, slots=True)
class WorkbookSpec:
    """A workbook; `workflows` and `actions` are keyed by their short names.

    `warnings` lists what Mistral accepted but ignored (e.g. a bare-word inline parameter).
    """

    name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    definition: str = ""
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkflowListSpec:
    """A `workflow-create` document: one or more workflows."""

    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    definition: str = ""
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionListSpec:
    """An `action-create` document: one or more ad-hoc actions."""

    actions: dict[str, ActionSpec] = field(default_factory=dict)
    definition: str = ""
    warnings: tuple[Problem, ...] = ()
