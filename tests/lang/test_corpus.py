"""Every TripleO Pike workbook of the corpus parses, with the names and inputs Mistral showed."""

from pathlib import Path

import pytest

from engine.lang import parse_workbook

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "tripleo-common"
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
