"""The data context that expressions read: `$` in YAQL, `_` in Jinja."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

EMPTY: Mapping[str, Any] = {}
WHOLE_VIEW = object()  # a view's `_root` when `$` / `_` is the view itself


class ExecutionData(Protocol):
    """What Mistral's `task()`, `tasks()`, `execution()`, ... read from the engine.

    Calls are synchronous: evaluation is CPU-bound and runs inline, so the engine answers from
    what it already holds. Returned dicts are Mistral's user models (see mistral-dsl.md §2.3).
    """

    def task(self, name: str) -> dict | None:
        """The last execution of task `name` in the current workflow execution, or None."""

    def task_by_id(self, task_execution_id: str) -> dict | None:
        """The task execution with that id, or None."""

    def tasks(
        self,
        workflow_execution_id: str | None,
        recursive: bool,
        state: str | None,
        flat: bool,
    ) -> list[dict]:
        """Task executions filtered as Mistral's `tasks()` does."""

    def execution(self) -> dict:
        """The current workflow execution: id, name, spec, input, params, created_at, ..."""

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict]:
        """Workflow executions filtered as Mistral's `executions()` does."""

    def env(self) -> dict:
        """The environment of the root execution."""

    def global_var(self, name: str) -> Any:
        """A variable published with the `global` scope, or None."""


class ContextView(Mapping[str, Any]):
    """A read-only view that looks keys up in its layers, first to last, without copying them.

    It also carries the engine's `ExecutionData` and caches the YAQL context built for it, so
    every expression evaluated against one view shares that work.
    """

    __slots__ = ("_layers", "_execution_data", "_yaql_context", "_parent", "_root")

    def __init__(self, *layers: Mapping[str, Any], execution_data: ExecutionData | None = None):
        self._layers = tuple(layer for layer in layers if layer)
        self._execution_data = execution_data
        self._yaql_context = None
        self._parent: ContextView | None = None  # set by with_layer
        self._root: Any = WHOLE_VIEW  # set by value_view

    def __getitem__(self, key: str) -> Any:
        for layer in self._layers:
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(key in layer for layer in self._layers)

    def get(self, key: str, default: Any = None) -> Any:
        for layer in self._layers:
            if key in layer:
                return layer[key]
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for layer in self._layers for key in layer))

    def __len__(self) -> int:
        return len(set().union(*self._layers))

    def __repr__(self) -> str:
        # Rendered like Mistral's dict context, e.g. by `{{ _ }}` in a template.
        return repr(plain_dict(self))


def plain_dict(view: ContextView) -> dict[str, Any]:
    """A plain dict of what the view shows (the first layer wins).

    A function, not a method: every public attribute of the view is visible to Jinja as `_.name`
    and would hide the key of that name.
    """
    merged: dict[str, Any] = {}
    for layer in reversed(view._layers):
        merged.update(layer)
    return merged


def data_context(
    *,
    task_execution: Mapping[str, Any] | None = None,
    task: Mapping[str, Any] = EMPTY,
    workflow: Mapping[str, Any] = EMPTY,
    workflow_input: Mapping[str, Any] = EMPTY,
    execution_data: ExecutionData | None = None,
) -> ContextView:
    """The view Mistral gives a task's expressions (mistral-dsl.md §2.2).

    Lookup order: `__task_execution` ({id, name}), the task's inbound context (published
    variables, the with-items variable), the workflow context (vars, global publishes,
    `__execution`, `__env`), then the workflow input.
    """
    first = {"__task_execution": task_execution} if task_execution is not None else EMPTY
    return ContextView(first, task, workflow, workflow_input, execution_data=execution_data)


def value_view(value: Any) -> ContextView:
    """A view whose `$` / `_` is `value` itself, a string or list as well as a dict (what an
    ad-hoc action's `output` reads: its base action's result as it is)."""
    view = ContextView()
    view._root = value
    return view


def root_of(view: ContextView) -> Any:
    """What `$` / `_` is for the view: the view itself, or the value given to `value_view`."""
    return view if view._root is WHOLE_VIEW else view._root


def execution_data_of(view: ContextView) -> ExecutionData | None:
    """The engine data a view carries, for the functions that need it."""
    return view._execution_data


def with_layer(view: ContextView, layer: Mapping[str, Any]) -> ContextView:
    """A view that looks in `layer` first, then in `view` (e.g. a with-items item).

    YAQL reuses the conversions already made for `view`, so per-item views stay cheap.
    """
    if not layer:
        return view
    child = ContextView(layer, *view._layers, execution_data=view._execution_data)
    child._parent = view
    return child


def parent_for(view: ContextView, key: str) -> ContextView | None:
    """The view `with_layer` extended, when `key` comes from it rather than the new layer."""
    parent = view._parent
    if parent is None or key in view._layers[0]:
        return None
    return parent
