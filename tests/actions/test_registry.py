"""Lookups, suggestions, providers, and plugins found through a real entry point."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Mapping

import pytest

from engine.actions import (
    ENTRY_POINT_GROUP,
    Action,
    ActionContext,
    ActionDescriptor,
    ActionNotFound,
    ActionRegistry,
    StdProvider,
    get_action,
    list_system_actions,
    run_descriptor,
)
from engine.actions.std import EchoAction

STD_NAMES = [
    "std.async_noop",
    "std.echo",
    "std.email",
    "std.fail",
    "std.http",
    "std.noop",
    "std.sleep",
    "std.test_dict",
]


def test_system_actions_are_listed_sorted_with_descriptions():
    listed = {d.name: d for d in list_system_actions()}
    assert set(STD_NAMES) <= set(listed)
    names = [d.name for d in list_system_actions()]
    assert names == sorted(names)
    assert all(listed[name].is_system and listed[name].description for name in STD_NAMES)
    assert get_action("std.echo").action_class is EchoAction


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ActionNotFound) as caught:
        get_action("std.ech")
    assert str(caught.value) == "Action 'std.ech' not found; did you mean 'std.echo'?"


def test_unknown_name_without_a_close_one_says_only_not_found():
    with pytest.raises(ActionNotFound) as caught:
        get_action("zzz.qqq")
    assert str(caught.value) == "Action 'zzz.qqq' not found"


class HelloAction(Action):
    """Greets."""

    def __init__(self, who):
        self.who = who

    async def run(self, context):
        return f"hello {self.who}"


class CountingProvider:
    """A provider that counts how often the registry asks it."""

    def __init__(self, actions: Mapping[str, type[Action]]):
        self.classes = actions
        self.calls = 0

    def actions(self) -> Mapping[str, ActionDescriptor]:
        self.calls += 1
        return {name: ActionDescriptor.from_class(name, cls) for name, cls in self.classes.items()}


def test_providers_load_once_lazily_and_first_owner_keeps_a_name(caplog):
    provider = CountingProvider({"demo.hello": HelloAction, "std.echo": HelloAction})
    registry = ActionRegistry([StdProvider(), provider], entry_point_group=None)
    assert provider.calls == 0
    assert registry.get("demo.hello").action_class is HelloAction
    registry.get("std.noop")
    registry.list()
    assert provider.calls == 1
    assert registry.get("std.echo").action_class is EchoAction
    assert "Action std.echo from CountingProvider ignored" in caplog.text


def test_provider_added_after_loading_is_visible():
    registry = ActionRegistry([StdProvider()], entry_point_group=None)
    registry.get("std.noop")
    registry.add_provider(CountingProvider({"late.hello": HelloAction}))
    assert registry.get("late.hello").name == "late.hello"


@pytest.fixture
def plugin_distribution(tmp_path, monkeypatch):
    """A real installed distribution on sys.path declaring actions under our entry-point group."""
    (tmp_path / "tt_demo_plugin.py").write_text(
        textwrap.dedent(
            '''
            from engine.actions import Action

            class ShoutAction(Action):
                """Shouts the text."""

                def __init__(self, text, times=1):
                    self.text = text
                    self.times = times

                def run(self, context):
                    return (self.text.upper() + " ") * self.times

            class NotAnAction:
                pass
            '''
        )
    )
    dist_info = tmp_path / "tt_demo_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tt-demo-plugin\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "demo.shout = tt_demo_plugin:ShoutAction\n"
        "demo.missing = tt_demo_plugin:NoSuchClass\n"
        "demo.wrong = tt_demo_plugin:NotAnAction\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("tt_demo_plugin", None)


async def test_entry_point_plugin_is_found_and_runs(plugin_distribution, caplog):
    caplog.set_level(logging.ERROR)
    registry = ActionRegistry([StdProvider()])
    shout = registry.get("demo.shout")
    assert shout.input_text == "text, times=1"
    assert shout.description == "Shouts the text."
    outcome = await run_descriptor(shout, {"text": "hi", "times": 2}, ActionContext())
    assert outcome.data == "HI HI "
    for broken in ("demo.missing", "demo.wrong"):
        with pytest.raises(ActionNotFound):
            registry.get(broken)
        assert f"Action plugin {broken}" in caplog.text
    assert registry.get("std.echo").action_class is EchoAction


def test_without_the_distribution_the_plugin_is_absent():
    registry = ActionRegistry([StdProvider()])
    with pytest.raises(ActionNotFound):
        registry.get("demo.shout")


class NamespacedProvider(CountingProvider):
    """Like the OpenStack provider: its actions' prefixes are known before it loads."""

    namespaces = ("slow.",)


def test_a_provider_with_namespaces_loads_only_when_one_of_its_names_is_wanted():
    slow = NamespacedProvider({"slow.hello": HelloAction})
    registry = ActionRegistry([StdProvider(), slow], entry_point_group=None)
    assert registry.get("std.noop").name == "std.noop"
    assert registry.get("std.echo").action_class is EchoAction
    assert slow.calls == 0
    assert registry.get("slow.hello").action_class is HelloAction
    assert slow.calls == 1
    with pytest.raises(ActionNotFound, match="'std.nothing' not found"):
        registry.get("std.nothing")
    assert [action.name for action in registry.list()].count("slow.hello") == 1
    assert slow.calls == 1


def test_a_name_outside_the_namespaces_is_answered_without_them(plugin_distribution):
    """An engine asks for `<workbook>.std.noop` before `std.noop`: neither waits for the
    namespaced provider (the OpenStack clients loading in a thread), and plugins are found."""
    slow = NamespacedProvider({"slow.hello": HelloAction})
    registry = ActionRegistry([StdProvider(), slow])
    assert registry.find("my_workbook.std.noop") is None
    assert registry.find("std.noop").name == "std.noop"
    assert registry.find("demo.shout").name == "demo.shout"
    assert slow.calls == 0
    assert registry.find("slow.hello").action_class is HelloAction
    assert slow.calls == 1
