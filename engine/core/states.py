"""Execution states and the transitions allowed between them, as tables (Mistral's states.py).

`RUNNING_DELAYED` is stored as the string 'DELAYED', as Mistral stores it. A same-state
"transition" is always allowed.
"""

from __future__ import annotations

IDLE = "IDLE"
WAITING = "WAITING"
RUNNING = "RUNNING"
RUNNING_DELAYED = "DELAYED"
PAUSED = "PAUSED"
SUCCESS = "SUCCESS"
ERROR = "ERROR"
CANCELLED = "CANCELLED"
SKIPPED = "SKIPPED"  # a failed task skipped on request (Mistral 16+): its on-skip runs

ALL = (IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED, SUCCESS, ERROR, CANCELLED, SKIPPED)
COMPLETED = (SUCCESS, ERROR, CANCELLED, SKIPPED)  # final states, in the order commands list them

# from -> states it may go to (Mistral's table, with ERROR -> SKIPPED for tasks).
WORKFLOW_TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING, ERROR, CANCELLED}),
    RUNNING: frozenset({PAUSED, SUCCESS, ERROR, CANCELLED}),
    PAUSED: frozenset({RUNNING, ERROR, CANCELLED}),
    SUCCESS: frozenset(),
    ERROR: frozenset({RUNNING}),  # task rerun re-opens the workflow
    CANCELLED: frozenset({RUNNING}),
}

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING, ERROR, CANCELLED}),
    WAITING: frozenset({RUNNING, ERROR, CANCELLED}),  # ERROR: a join that can never run
    RUNNING: frozenset({IDLE, RUNNING_DELAYED, PAUSED, SUCCESS, ERROR, CANCELLED}),
    RUNNING_DELAYED: frozenset({RUNNING, SUCCESS, ERROR, CANCELLED}),  # SUCCESS: after wait-after
    PAUSED: frozenset({RUNNING, ERROR, CANCELLED}),
    # A just-ended task goes DELAYED when wait-after or retry holds it back.
    SUCCESS: frozenset({RUNNING_DELAYED}),
    ERROR: frozenset({RUNNING, RUNNING_DELAYED, SKIPPED}),  # RUNNING: rerun
    CANCELLED: frozenset({RUNNING}),  # rerun
    SKIPPED: frozenset(),
}

ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING, ERROR, CANCELLED}),
    RUNNING: frozenset({PAUSED, SUCCESS, ERROR, CANCELLED}),
    PAUSED: frozenset({RUNNING, SUCCESS, ERROR, CANCELLED}),
    SUCCESS: frozenset(),
    ERROR: frozenset(),
    CANCELLED: frozenset(),
}


class InvalidTransition(ValueError):
    """A state change the tables do not allow; the message names both states."""


def is_completed(state: str) -> bool:
    return state in COMPLETED


def is_settled(state: str) -> bool:
    """Ended, or PAUSED: nothing more happens until someone acts (what `--wait` waits for)."""
    return state in COMPLETED or state == PAUSED


def is_running(state: str) -> bool:
    return state in (RUNNING, RUNNING_DELAYED)


def can_move(table: dict[str, frozenset[str]], current: str, new: str) -> bool:
    return current == new or new in table.get(current, ())


def check_move(table: dict[str, frozenset[str]], current: str, new: str, what: str) -> None:
    """Raise InvalidTransition unless `table` allows `current -> new`."""
    if not can_move(table, current, new):
        raise InvalidTransition(f"Can't change {what} state from {current} to {new}.")
