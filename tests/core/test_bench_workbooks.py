"""The benchmark workbooks through the conductor alone: states, outputs and error texts."""

from pathlib import Path

import pytest

from tests.core.rehearsal import Catalog, Rehearsal

WORKLOADS = Path(__file__).resolve().parents[2] / "bench" / "workloads"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    catalog = Catalog()
    for name in ("bench_small", "bench_chain", "bench_items", "bench_fanout", "bench_fanout50"):
        catalog.add_workbook((WORKLOADS / f"{name}.yaml").read_text())
    return catalog


def test_small_publishes_and_routes_by_guard(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("bench_small.small")
    assert execution.state == "SUCCESS"
    assert execution.state_info is None
    assert execution.output == {
        "greeting": "Hello, world",
        "shout": "WORLD",
        "doubled": 6,
        "branch": "big",
        "final": "Hello, world!",
    }
    assert rehearsal.task_states(execution) == {"greet": "SUCCESS", "big": "SUCCESS"}


def test_small_takes_the_other_branch_with_other_input(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("bench_small.small", {"count": 1, "name": "x"})
    assert execution.output["branch"] == "small"
    assert execution.output["final"] == "small"


def test_chain_runs_every_task_in_order(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("bench_chain.chain100")
    assert execution.state == "SUCCESS"
    assert [task.name for task in execution.tasks] == [f"t{i:03}" for i in range(1, 101)]
    assert execution.output == {}  # no output section and nothing published


@pytest.mark.parametrize("workflow", ["items", "items_c10"])
def test_items_results_are_ordered_by_index(catalog, workflow):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run(f"bench_items.{workflow}", {"items": list(range(50))})
    assert execution.state == "SUCCESS"
    assert execution.output == {"count": 50}
    (task,) = execution.tasks
    assert [action.index for action in task.executions] == list(range(50))


def test_concurrency_limits_actions_in_flight(catalog):
    rehearsal = Rehearsal(catalog, responder=lambda command: None)  # nothing answers
    execution = rehearsal.start("bench_items.items_c10", {"items": list(range(25))})
    assert len(rehearsal.pending) == 10
    rehearsal.answer("std.echo", data=0)
    assert len(rehearsal.pending) == 10  # one ended, one more started
    assert len(rehearsal.ran) == 11
    while rehearsal.pending:
        command = rehearsal.pending[0]
        rehearsal.answer("std.echo", data=command.input["output"])
    assert execution.state == "SUCCESS"
    assert execution.output == {"count": 25}


@pytest.mark.parametrize(
    ("workflow", "width"), [("bench_fanout.fanout200", 200), ("bench_fanout50.fanout50", 50)]
)
def test_fanout_joins_all_branches(catalog, workflow, width):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run(workflow)
    assert execution.state == "SUCCESS"
    assert len(execution.tasks) == width + 2
    join = rehearsal.task(execution, "join_all")
    assert join.state == "SUCCESS"
    assert len(join.runtime["arrived"]) == width


def test_unknown_function_in_publish_fails_the_workflow(catalog):
    execution = Rehearsal(catalog).run("bench_small.yaql_error")
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failed to handle action completion [error=Can not evaluate YAQL expression "
        '[expression=no_such_function($.x), error=Unknown function "no_such_function"], '
        "wf=bench_small.yaql_error, task=t1, action=std.noop]"
    )
    assert execution.output == {"result": execution.state_info}


def test_missing_key_in_input_fails_the_task_and_workflow(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("bench_small.yaql_missing_key")
    assert execution.state == "ERROR"
    assert execution.state_info.startswith("Failed to run task [error=Can not evaluate YAQL")
    assert 'Unknown key "does_not_exist"' in execution.state_info
    assert rehearsal.task(execution, "t1").state_info == execution.state_info


def test_handled_error_leaves_task_error_and_workflow_success(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("bench_small.fail_action")
    assert execution.state == "SUCCESS"
    assert rehearsal.task_states(execution) == {"t1": "ERROR", "handler": "SUCCESS"}
    assert rehearsal.task(execution, "t1").state_info == "Fail action expected exception."
    assert execution.output == {"handled": "handled"}
