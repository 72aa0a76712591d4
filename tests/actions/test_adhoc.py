"""Ad-hoc actions parsed by engine.lang, run through the registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from engine.actions import DEFAULT_REGISTRY, ActionError, ActionNotFound, run_adhoc
from engine.core.adhoc import prepare_call, resolve_chain
from engine.expr.syntax import YaqlWhole
from engine.lang import ActionSpec, parse_actions

ACTIONS = """
version: '2.0'

greet:
  base: std.echo
  base-input:
    output: <% 'Hello, ' + $.name + $.mark %>
  input:
    - name
    - mark: '!'
  output: <% $ + ' Bye.' %>

loud_greet:
  base: greet name=<% $.who %>
  input:
    - who
  output:
    text: <% $ %>

no_base_input:
  base: std.noop

wrapped_fail:
  base: std.fail
  base-input:
    error_data: <% $.why %>
  input:
    - why
  output: <% $.never %>
"""


def evaluate(value: Any, data: Mapping[str, Any]) -> Any:
    """Enough of the engine's evaluator for these tests: whole YAQL expressions in structures."""
    if isinstance(value, YaqlWhole):
        return value.statement.evaluate(data=data)
    if isinstance(value, dict):
        return {key: evaluate(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate(item, data) for item in value]
    return value


@pytest.fixture(scope="module")
def specs() -> dict[str, ActionSpec]:
    return parse_actions(ACTIONS, "actions.yaml").actions


async def run(specs, name: str, given: dict, data: dict | None = None):
    chain, _ = resolve_chain(name, specs.get)
    return await run_adhoc(chain, given, data or {}, evaluate, DEFAULT_REGISTRY)


async def test_base_input_uses_declared_defaults_and_output_transforms(specs):
    outcome = await run(specs, "greet", {"name": "Ann"})
    assert outcome.data == "Hello, Ann! Bye."


async def test_chain_applies_outputs_innermost_first(specs):
    chain, base = resolve_chain("loud_greet", specs.get)
    assert [spec.name for spec in chain] == ["loud_greet", "greet"]
    assert base == "std.echo"
    outcome = await run(specs, "loud_greet", {"who": "Bo"})
    assert outcome.data == {"text": "Hello, Bo! Bye."}


def test_base_input_sees_the_task_data_under_the_input(specs):
    chain, _ = resolve_chain("greet", specs.get)
    call = prepare_call(chain, {"name": "Cy"}, {"name": "ignored", "mark": "?"}, evaluate)
    assert call.base == "std.echo"
    assert call.input == {"output": "Hello, Cy!"}  # declared default beats task data


async def test_missing_base_input_passes_nothing(specs):
    chain, _ = resolve_chain("no_base_input", specs.get)
    assert prepare_call(chain, {}, {"x": 1}, evaluate).input == {}
    assert (await run(specs, "no_base_input", {})).ok


async def test_input_is_checked_against_the_declaration(specs):
    outcome = await run(specs, "greet", {"nam": "Ann"})
    assert outcome.error == (
        "Invalid input [name=greet, class=ActionSpec, missing=['name'], unexpected=['nam']]"
    )


async def test_error_result_is_not_transformed(specs):
    outcome = await run(specs, "wrapped_fail", {"why": "disk full"})
    assert outcome.error == "disk full"


async def test_expression_failure_is_an_error_outcome(specs):
    outcome = await run(specs, "greet", {"name": 5})
    assert outcome.error.startswith("Failed to evaluate the base-input of ad-hoc action greet: ")


def test_a_cycle_is_refused():
    specs = {"a": ActionSpec(name="a", base="b"), "b": ActionSpec(name="b", base="a")}
    with pytest.raises(ActionError, match="cannot use twice the same action, a is used"):
        resolve_chain("a", specs.get)


async def test_unknown_base_raises_not_found():
    specs = {"a": ActionSpec(name="a", base="std.ech")}
    with pytest.raises(ActionNotFound, match="did you mean 'std.echo'"):
        await run(specs, "a", {})
