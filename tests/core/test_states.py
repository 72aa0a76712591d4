"""The state tables: what may follow what, for workflows, tasks and actions."""

import pytest

from engine.core import states


@pytest.mark.parametrize(
    ("table", "current", "new"),
    [
        (states.WORKFLOW_TRANSITIONS, "IDLE", "RUNNING"),
        (states.WORKFLOW_TRANSITIONS, "RUNNING", "PAUSED"),
        (states.WORKFLOW_TRANSITIONS, "PAUSED", "RUNNING"),
        (states.WORKFLOW_TRANSITIONS, "ERROR", "RUNNING"),
        (states.TASK_TRANSITIONS, "WAITING", "RUNNING"),
        (states.TASK_TRANSITIONS, "RUNNING", "DELAYED"),
        (states.TASK_TRANSITIONS, "DELAYED", "RUNNING"),
        (states.TASK_TRANSITIONS, "ERROR", "DELAYED"),
        (states.ACTION_TRANSITIONS, "RUNNING", "PAUSED"),
        (states.ACTION_TRANSITIONS, "SUCCESS", "SUCCESS"),
    ],
)
def test_allowed_moves(table, current, new):
    assert states.can_move(table, current, new)
    states.check_move(table, current, new, "thing")


@pytest.mark.parametrize(
    ("table", "current", "new"),
    [
        (states.WORKFLOW_TRANSITIONS, "SUCCESS", "RUNNING"),
        (states.WORKFLOW_TRANSITIONS, "PAUSED", "SUCCESS"),
        (states.WORKFLOW_TRANSITIONS, "IDLE", "PAUSED"),
        (states.TASK_TRANSITIONS, "SUCCESS", "RUNNING"),
        (states.TASK_TRANSITIONS, "WAITING", "SUCCESS"),
        (states.ACTION_TRANSITIONS, "ERROR", "RUNNING"),
    ],
)
def test_refused_moves_name_both_states(table, current, new):
    assert not states.can_move(table, current, new)
    with pytest.raises(states.InvalidTransition, match=f"from {current} to {new}"):
        states.check_move(table, current, new, "thing")


def test_delayed_is_stored_as_mistral_stores_it():
    assert states.RUNNING_DELAYED == "DELAYED"
    assert states.is_running("DELAYED")
    assert states.is_completed("CANCELLED")
    assert not states.is_completed("WAITING")
