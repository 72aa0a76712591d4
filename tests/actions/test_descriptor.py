"""Inputs read from ``__init__``: the action-list text and Mistral's invalid-input messages."""

from __future__ import annotations

import pytest

from engine.actions import Action, ActionDescriptor, InvalidActionInput, get_action


class PlainAction(Action):
    """First line describes.

    More detail that action-list does not show.
    """

    def __init__(self, node_id, fields=None, detail=False, state="on", *, limit=10, **kwargs):
        pass


class Undocumented(Action):
    def __init__(self, a, b=(1, 2)):
        pass


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("std.noop", ""),
        ("std.echo", "output, delay=0"),
        ("std.sleep", "seconds=1"),
        ("std.fail", "error_data=null"),
        ("std.test_dict", 'size=0, key_prefix="", val=""'),
        (
            "std.http",
            'url, method="GET", params=null, body=null, json=null, headers=null, cookies=null, '
            "auth=null, timeout=null, allow_redirects=null, proxies=null, verify=null",
        ),
    ],
)
def test_std_input_text_matches_mistral_action_list(name, text):
    assert get_action(name).input_text == text


def test_input_text_renders_defaults_as_json_and_keeps_kwargs_last():
    descriptor = ActionDescriptor.from_class("x.plain", PlainAction)
    assert descriptor.input_text == (
        'node_id, fields=null, detail=false, state="on", limit=10, **kwargs'
    )
    assert descriptor.accepts_any
    assert descriptor.description == "First line describes."
    assert [p.name for p in descriptor.params if p.required] == ["node_id"]


def test_tuple_default_shows_as_a_json_list_and_no_docstring_means_no_description():
    descriptor = ActionDescriptor.from_class("x.undoc", Undocumented, is_system=False)
    assert descriptor.input_text == "a, b=[1, 2]"
    assert descriptor.description == ""
    assert not descriptor.is_system


def test_missing_input_is_named_like_mistral():
    with pytest.raises(InvalidActionInput) as caught:
        get_action("std.echo").instantiate({})
    assert (
        str(caught.value) == "Invalid input [name=std.echo, class=EchoAction, missing=['output']]"
    )


def test_missing_and_unexpected_together_keep_their_order():
    with pytest.raises(InvalidActionInput) as caught:
        get_action("std.email").check_input({"to_addrs": [], "zz": 1, "aa": 2})
    assert str(caught.value) == (
        "Invalid input [name=std.email, class=SendEmailAction, "
        "missing=['from_addr', 'smtp_server'], unexpected=['zz', 'aa']]"
    )


def test_kwargs_signature_accepts_any_name():
    descriptor = ActionDescriptor.from_class("x.plain", PlainAction)
    descriptor.check_input({"node_id": 1, "anything": 2})
    with pytest.raises(InvalidActionInput):
        ActionDescriptor.from_class("x.undoc", Undocumented).check_input({"a": 1, "c": 3})
