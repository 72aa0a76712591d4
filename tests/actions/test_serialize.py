"""Results become JSON-able data the way Mistral's ``to_primitive`` made them."""

from __future__ import annotations

import datetime
import json
import uuid

from ironicclient.v1.node import Node

from engine.actions import Action, ActionContext, ActionDescriptor, run_descriptor, to_primitive

NODE_INFO = {"uuid": "n-1", "provision_state": "available", "properties": {"cpus": 4}}


class RecordingManager:
    """Stands where a client's manager sits; records lazy-load fetches instead of calling out."""

    def __init__(self):
        self.fetched = []
        self.auth_token = "tok-should-not-leak"

    def get(self, ident):
        self.fetched.append(ident)
        return None


def test_client_resource_becomes_its_fields_plus_info():
    node = Node(None, dict(NODE_INFO), loaded=True)
    assert to_primitive(node) == {
        **NODE_INFO,
        "_info": NODE_INFO,
        "_loaded": True,
        "manager": None,
    }


def test_lazy_resource_is_not_fetched_and_manager_secrets_are_masked():
    manager = RecordingManager()
    node = Node(manager, dict(NODE_INFO), loaded=False)
    data = to_primitive(node)
    assert manager.fetched == []
    assert data["manager"] == {"fetched": [], "auth_token": "***"}
    assert data["provision_state"] == "available"


class Link:
    def __init__(self, child=None):
        self.child = child
        self.tag = "t"


def test_objects_nest_to_depth_three_then_become_null():
    chain = Link(Link(Link(Link(Link()))))
    assert to_primitive(chain) == {
        "tag": "t",
        "child": {"tag": "t", "child": {"tag": "t", "child": None}},
    }


def test_plain_containers_do_not_count_as_depth():
    nested = {"a": [{"b": [{"c": {"d": [1, (2, 3)]}}]}]}
    assert to_primitive(nested) == {"a": [{"b": [{"c": {"d": [1, [2, 3]]}}]}]}


def test_scalars_mistral_converted():
    when = datetime.datetime(2017, 9, 8, 12, 30, 1, 5)
    ident = uuid.UUID(int=1)
    data = to_primitive(
        {"when": when, "id": ident, "raw": b"bytes", "error": ValueError("x"), "kinds": {1}}
    )
    assert data == {
        "when": "2017-09-08T12:30:01.000005",
        "id": "00000000-0000-0000-0000-000000000001",
        "raw": "bytes",
        "error": "ValueError('x')",
        "kinds": [1],
    }
    json.dumps(data)


class NodeListAction(Action):
    async def run(self, context):
        return [Node(None, dict(NODE_INFO), loaded=True)]


async def test_run_serialises_action_results():
    action = ActionDescriptor.from_class("test.node_list", NodeListAction)
    outcome = await run_descriptor(action, {}, ActionContext())
    assert outcome.data[0]["_info"]["uuid"] == "n-1"
    assert outcome.data[0]["provision_state"] == "available"
    json.dumps(outcome.data)
