"""A workflow's task graph as text, like StackStorm's workflow view: tasks in layers from the
start tasks (breadth first), each with its transitions, coloured by its state in one execution
(tasks not run are dim)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from engine.api import WorkflowGraph
from tripleo_tui.widgets.cells import STATE_STYLES

NOT_RUN = "dim"
ON_STYLES = {"success": "green", "error": "red", "complete": "blue", "skip": "dim green"}


def layers(graph: WorkflowGraph) -> list[list[str]]:
    """Each task in the layer of its shortest path from a start task; unreachable ones last."""
    outbound: dict[str, list[str]] = {task: [] for task in graph.tasks}
    for edge in graph.edges:
        if not edge.is_command and edge.source in outbound and edge.target in outbound:
            outbound[edge.source].append(edge.target)
    seen = set(graph.start_tasks)
    result = [list(graph.start_tasks)] if graph.start_tasks else []
    while result and result[-1]:
        following = []
        for task in result[-1]:
            for target in outbound[task]:
                if target not in seen:
                    seen.add(target)
                    following.append(target)
        result.append(following)
    result = [layer for layer in result if layer]
    unreachable = [task for task in graph.tasks if task not in seen]
    return result + ([unreachable] if unreachable else [])


def draw(graph: WorkflowGraph, task_states: Mapping[str, str]) -> Text:
    """The graph with each task's state in this execution (`task_states`: name -> state)."""
    width = max((len(task) for task in graph.tasks), default=0)
    out = Text()
    out.append(f"{graph.name}", "bold")
    out.append(f"  ({graph.type}; {len(graph.tasks)} tasks)\n", "dim")
    for style_state in ("SUCCESS", "RUNNING", "ERROR", "SKIPPED"):
        out.append("● ", STATE_STYLES[style_state]).append(f"{style_state.lower()}  ", "dim")
    out.append("○ not run\n", NOT_RUN)
    for number, layer in enumerate(layers(graph), 1):
        out.append(f"\n── {number} ", "dim").append("─" * 20 + "\n", "dim")
        for task in layer:
            state = task_states.get(task)
            style = STATE_STYLES.get(state or "", "") if state else NOT_RUN
            out.append("● " if state else "○ ", style)
            out.append(task.ljust(width), f"bold {style}" if state else style)
            out.append(f"  {state or 'not run'}\n", style)
            edges = [edge for edge in graph.edges if edge.source == task]
            for index, edge in enumerate(edges):
                out.append("    └─ " if index == len(edges) - 1 else "    ├─ ", "dim")
                label = "needed by" if edge.on == "requires" else f"on-{edge.on}"
                out.append(label.ljust(12), ON_STYLES.get(edge.on, "dim"))
                out.append("▶ ", "dim")
                target_state = task_states.get(edge.target)
                if edge.is_command:
                    out.append(edge.target, "italic")
                else:
                    out.append(edge.target, STATE_STYLES.get(target_state or "", NOT_RUN))
                out.append("\n")
    return out
