"""Definitions bounded: YAML aliases (count and depth) and size, refused at once with the line."""

import time

import pytest

from engine import limits
from engine.lang import DefinitionError, parse_actions, parse_workbook, parse_workflows

# A "billion laughs" smaller than the 713 bytes of the report: 10**9 strings once expanded.
LAUGHS = "\n".join(
    ["version: '2.0'", "name: laughs", "lol: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    + ["workflows:", "  wf:", "    tasks:", "      t: {action: std.noop}", ""]
)


def problems_of(parse, text):
    with pytest.raises(DefinitionError) as raised:
        parse(text, "wb.yaml")
    return [str(problem) for problem in raised.value.problems]


def test_billion_laughs_is_refused_in_milliseconds_with_the_alias_line():
    assert len(LAUGHS.encode()) < 713
    started = time.monotonic()
    problems = problems_of(parse_workbook, LAUGHS)
    assert time.monotonic() - started < 1.0
    assert problems == [
        "wb.yaml:7:10: alias *a3 brings the nodes that aliases expand to over the limit of 10000"
    ]


def test_deeply_nested_aliases_are_refused():
    text = "version: '2.0'\na0: &a0 x\n" + "".join(
        f"a{n}: &a{n} [*a{n - 1}]\n" for n in range(1, 7)
    )
    assert problems_of(parse_workflows, text) == [
        f"wb.yaml:7:10: alias *a4 nests aliases 5 deep, over the limit of {limits.MAX_ALIAS_DEPTH}"
    ]


def test_an_alias_inside_its_own_anchor_is_refused():
    text = "version: '2.0'\nloop: &x [a, *x]\n"
    assert problems_of(parse_actions, text) == [
        "wb.yaml:2:14: alias *x refers to a node that contains it"
    ]


def test_a_few_aliases_for_shared_settings_still_work():
    text = """\
version: '2.0'
name: shared
workflows:
  wf:
    tasks:
      a:
        action: std.echo
        input: &common {output: same}
        on-success: [b]
      b:
        action: std.echo
        input: *common
"""
    tasks = parse_workbook(text).workflows["wf"].tasks
    assert tasks["a"].input == tasks["b"].input


def test_a_definition_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(limits, "MAX_DEFINITION_SIZE", 1000)
    text = "version: '2.0'\nname: big\n# " + "x" * 1000 + "\n"
    assert problems_of(parse_workbook, text) == [
        f"wb.yaml:1:1: the definition is {len(text)} bytes, over the limit of 1000 bytes"
    ]
