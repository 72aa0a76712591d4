"""Every TripleO Pike workbook of the corpus parses, with the names and inputs Mistral showed."""

from pathlib import Path

import pytest

from engine.lang import parse_workbook

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tripleo-common"
FILES = sorted(CORPUS.glob("*.yaml"))

# workbook file -> (workbook name, number of workflows), from mistral-dsl.md §7.1
EXPECTED = {
    "access.yaml": ("tripleo.access.v1", 3),
    "baremetal.yaml": ("tripleo.baremetal.v1", 20),
    "ceph-ansible.yaml": ("tripleo.storage.v1", 1),
    "deployment.yaml": ("tripleo.deployment.v1", 3),
    "derive_params.yaml": ("tripleo.derive_params.v1", 3),
    "derive_params_formulas.yaml": ("tripleo.derive_params_formulas.v1", 3),
    "fernet-key-rotate.yaml": ("tripleo.fernet_keys.v1", 1),
    "package_update.yaml": ("tripleo.package_update.v1", 2),
    "plan_management.yaml": ("tripleo.plan_management.v1", 8),
    "scale.yaml": ("tripleo.scale.v1", 1),
    "stack.yaml": ("tripleo.stack.v1", 4),
    "support.yaml": ("tripleo.support.v1", 5),
    "swift_rings_backup.yaml": ("tripleo.swift_rings_backup.v1", 1),
    "validations.yaml": ("tripleo.validations.v1", 13),
}


def parse(name: str):
    return parse_workbook((CORPUS / name).read_text(), name)


def test_corpus_holds_the_fourteen_workbooks():
    assert [path.name for path in FILES] == sorted(EXPECTED)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_corpus_workbook_parses(filename):
    workbook = parse(filename)
    name, count = EXPECTED[filename]
    assert workbook.name == name
    assert len(workbook.workflows) == count
    for workflow in workbook.workflows.values():
        assert workflow.tags == ("tripleo-common-managed",)
        assert workflow.start_tasks
        assert workflow.definition.startswith(f"version: '2.0'\n\n{workflow.name}:\n")


def test_tag_node_input_text():
    workflow = parse("baremetal.yaml").workflows["tag_node"]
    assert workflow.input_text == "node_uuid, role=None, queue_name=tripleo"


def test_corpus_feature_counts_match_the_reference():
    """Totals from mistral-dsl.md §7: what the parser read must add up to the same."""
    workflows = [wf for name in EXPECTED for wf in parse(name).workflows.values()]
    tasks = [task for wf in workflows for task in wf.tasks.values()]
    fail_targets = [
        target
        for task in tasks
        for clause in (task.on_success, task.on_error, task.on_complete)
        if clause is not None
        for target in clause.targets
        if target.is_command and target.name == "fail"
    ]
    one_line_retries = [
        task for task in tasks if task.policies.retry and task.policies.retry.count == 5
    ]
    inputs = [param for wf in workflows for param in wf.input]
    assert len(workflows) == 68
    assert sum(target.condition is not None for target in fail_targets) == 49
    assert sum(target.condition is None for target in fail_targets) == 51
    assert len(one_line_retries) == 44
    assert all(task.policies.retry.delay == 1 for task in one_line_retries)
    assert sum(bool(task.with_items) for task in tasks) == 23
    assert (sum(not p.required for p in inputs), sum(p.required for p in inputs)) == (156, 88)


def test_bare_false_parameters_in_baremetal_are_dropped_and_warned():
    workbook = parse("baremetal.yaml")
    task = workbook.workflows["provide_manageable_nodes"].tasks["get_manageable_nodes"]
    assert task.action == "ironic.node_list"
    assert "maintenance" not in task.input and "associated" not in task.input
    assert [(w.line, w.message.split(":")[0]) for w in workbook.warnings] == [
        (341, "parameter 'maintenance' is ignored"),
        (341, "parameter 'associated' is ignored"),
        (629, "parameter 'maintenance' is ignored"),
        (629, "parameter 'associated' is ignored"),
        (754, "parameter 'maintenance' is ignored"),
        (754, "parameter 'associated' is ignored"),
    ]
    assert all(not parse(name).warnings for name in EXPECTED if name != "baremetal.yaml")
