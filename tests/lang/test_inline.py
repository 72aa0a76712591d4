"""Inline `name k=v ...` parameters read with Mistral's value rules."""

import pytest

from engine.lang.inline import InlineError, parse_command, parse_params


@pytest.mark.parametrize(
    ("text", "name", "params"),
    [
        ("std.noop", "std.noop", {}),
        ("tripleo.ansible-playbook", "tripleo.ansible-playbook", {}),
        ('std.echo output="a b"', "std.echo", {"output": "a b"}),
        ("std.echo output='single' q=\"it's\"", "std.echo", {"output": "single", "q": "it's"}),
        ("x n=007", "x", {"n": "007"}),  # JSON refuses it; Mistral kept the digits as text
        ("x e=1e3 big=12345678901234567890", "x", {"e": 1000.0, "big": 12345678901234567890}),
        ('x data={"a": [1, 2]} more=[]', "x", {"data": {"a": [1, 2]}, "more": []}),
        ('x l=["<% $.a %>", 1]', "x", {"l": ["<% $.a %>", 1]}),
        ("x raw=[<% $.a %>, 2]", "x", {"raw": "[<% $.a %>, 2]"}),  # not JSON: kept as text
        ("x e=<% $.a = 'b c' %> f=1", "x", {"e": "<% $.a = 'b c' %>", "f": 1}),
        ("x j={{ _.a }}", "x", {"j": "{{ _.a }}"}),
        ('fail(msg="boom")', "fail", {"msg": "boom"}),
        ('fail(msg="a", x=1)', "fail", {"msg": "a", "x": 1}),
        ("with-dash_underscore a-b=1 c_d=2", "with-dash_underscore", {"a-b": 1, "c_d": 2}),
    ],
)
def test_command_and_parameters(text, name, params):
    assert parse_command(text) == (name, params, [])


def test_bare_words_are_dropped_with_a_note_naming_the_parameter():
    params, notes = parse_params("a=word b=True c=1")
    assert params == {"c": 1}
    assert notes[0].startswith("parameter 'a' is ignored: its value word is a bare word")
    assert "write b=true or quote it" in notes[1]


@pytest.mark.parametrize(
    ("text", "params", "note"),
    [
        ('output="open', {}, "parameter 'output' is ignored: the quote \" is never closed"),
        ("e=<% $.a", {}, "parameter 'e' is ignored: the expression <% is never closed by %>"),
        ("l=[1, 2", {}, "parameter 'l' is ignored: the bracket [ is never closed"),
        ("a= b=1", {"b": 1}, "parameter 'a' is ignored: it has no value"),
        ("a=1 junk", {"a": 1}, "'junk' is ignored: it is not a name=value parameter"),
        ("a = 1", {}, "'a' is ignored: it is not a name=value parameter"),
    ],
)
def test_unreadable_text_is_dropped_with_a_note(text, params, note):
    read, notes = parse_params(text)
    assert read == params
    assert notes[0] == note


def test_a_name_is_required():
    with pytest.raises(InlineError, match="cannot read a name"):
        parse_command('"quoted" a=1')
