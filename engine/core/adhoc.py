"""Ad-hoc actions (workbook ``actions:``) expanded: a chain of ad-hoc actions ending at a
registered action becomes that action's input and the output transforms to apply to its result,
as Mistral's ``AdHocAction`` did. Pure: the runtime runs the base action.

Specs are read by attribute (``name, base, base_params, base_input, input, output``, with
``input`` items having ``name, default, required``), i.e. ``engine.lang``'s ``ActionSpec``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.core.errors import ActionError, InvalidActionInput, invalid_input

# evaluate(value, data): value with every compiled expression inside it evaluated against data.
Evaluate = Callable[[Any, Mapping[str, Any]], Any]


class AdHocSpec(Protocol):
    name: str
    base: str
    base_params: dict[str, Any]
    base_input: dict[str, Any]
    input: tuple[Any, ...]
    output: Any


@dataclass(frozen=True)
class AdHocCall:
    """What running an ad-hoc action amounts to: call ``base`` with ``input``, then apply
    ``outputs`` (innermost ad-hoc first) to its result."""

    base: str
    input: dict[str, Any]
    outputs: tuple[Any, ...]


def resolve_chain(
    name: str, lookup: Callable[[str], AdHocSpec | None]
) -> tuple[list[AdHocSpec], str]:
    """Follow ``base`` from the ad-hoc action ``name`` to the first name ``lookup`` does not
    know (a registered action). Returns the chain, outermost first, and that base name."""
    chain: list[AdHocSpec] = []
    current = name
    while (spec := lookup(current)) is not None:
        if any(seen.name == spec.name for seen in chain):
            raise ActionError(
                f"An ad-hoc action cannot use twice the same action, {spec.name} is used at "
                "least twice"
            )
        chain.append(spec)
        current = spec.base
    if not chain:
        raise ActionError(f"Action '{name}' is not an ad-hoc action")
    return chain, current


def prepare_call(
    chain: Sequence[AdHocSpec],
    given: Mapping[str, Any],
    data: Mapping[str, Any],
    evaluate: Evaluate,
) -> AdHocCall:
    """Check ``given`` against the outer action's input, then evaluate each level's base input.

    At each level ``$`` is that level's input (declared defaults applied) over ``data`` (the
    task's data context). A level without base-input passes ``{}`` on, as in Mistral.
    """
    _check_input(chain[0], given)
    level_input = dict(given)
    for spec in chain:
        level_input = _with_defaults(spec, level_input)
        base_input = {**spec.base_input, **spec.base_params}  # inline `base: x k=v` wins
        level_input = evaluate(base_input, {**data, **level_input}) if base_input else {}
    outputs = tuple(spec.output for spec in reversed(chain) if spec.output is not None)
    return AdHocCall(base=chain[-1].base, input=level_input, outputs=outputs)


def transform_output(call: AdHocCall, result: Any, evaluate: Evaluate) -> Any:
    """Apply the output transforms to a successful base result; each sees the previous as $."""
    for output in call.outputs:
        result = evaluate(output, result)
    return result


def _check_input(spec: AdHocSpec, given: Mapping[str, Any]) -> None:
    declared = {param.name for param in spec.input}
    missing = [p.name for p in spec.input if p.required and p.name not in given]
    unexpected = [name for name in given if name not in declared]
    if missing or unexpected:
        raise InvalidActionInput(invalid_input(spec.name, type(spec).__name__, missing, unexpected))


def _with_defaults(spec: AdHocSpec, given: dict[str, Any]) -> dict[str, Any]:
    defaults = {p.name: p.default for p in spec.input if not p.required and p.name not in given}
    return {**given, **defaults} if defaults else given
