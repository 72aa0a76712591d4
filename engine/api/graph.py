"""A workflow's tasks and transitions, for drawing (the console's task graph).

Both backends build it from a parsed WorkflowSpec: the embedded one from its own, the Mistral
one by parsing the definition text Mistral returns with engine.lang.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.lang.spec import WorkflowSpec

CLAUSES = ("on_success", "on_error", "on_complete", "on_skip")


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """`source` may start `target` `on` success, error, complete or skip; `requires` in a
    reverse workflow. A target of an engine command (fail, succeed, pause) is its name."""

    source: str
    target: str
    on: str
    is_command: bool = False


@dataclass(frozen=True, slots=True)
class WorkflowGraph:
    name: str
    type: str
    tasks: tuple[str, ...]
    start_tasks: tuple[str, ...]
    edges: tuple[GraphEdge, ...]


def graph_of(spec: WorkflowSpec) -> WorkflowGraph:
    """Tasks in declaration order; edges in clause order."""
    edges: list[GraphEdge] = []
    for task in spec.tasks.values():
        for clause_name in CLAUSES:
            clause = getattr(task, clause_name)
            for target in clause.targets if clause else ():
                on = clause_name.removeprefix("on_")
                edges.append(GraphEdge(task.name, target.name, on, target.is_command))
        edges += [GraphEdge(required, task.name, "requires") for required in task.requires]
    starts = spec.start_tasks if spec.type == "direct" else spec.order[:1]
    return WorkflowGraph(spec.name, spec.type, tuple(spec.tasks), tuple(starts), tuple(edges))
