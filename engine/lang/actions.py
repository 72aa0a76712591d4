"""Ad-hoc actions: a base action with preset input and an output transform."""

from __future__ import annotations

from engine.lang.checker import Checker, child, describe
from engine.lang.loader import Mapping, Position
from engine.lang.spec import ActionSpec

ACTION_KEYS = ("version", "base", "base-input", "input", "output", "description", "tags")


def parse_action(
    check: Checker, name: str, data: Mapping, path: str, definition: str
) -> ActionSpec | None:
    check.known_keys(data, ACTION_KEYS, path, f"action {name!r}")
    base, base_params = _base(check, data, path)
    base_input = {}
    if "base-input" in data:
        where, here = data.value_position("base-input"), child(path, "base-input")
        if check.mapping(data["base-input"], here, where, "base-input") is not None:
            base_input = check.compile(data["base-input"], here, where)
    output = check.compile_field(data, "output", path) if "output" in data else None
    if base is None:
        return None
    return ActionSpec(
        name=name,
        base=base,
        base_params=base_params,
        base_input=base_input,
        input=check.input_params(data, path),
        output=output,
        description=check.text_value(data, "description", path),
        tags=check.names(data, "tags", path, single=False),
        definition=definition,
    )


def _base(check: Checker, data: Mapping, path: str) -> tuple[str | None, dict]:
    here = child(path, "base")
    if "base" not in data:
        check.report(data.position, here, "an ad-hoc action needs a base action: add base:")
        return None, {}
    value, where = data["base"], data.value_position("base")
    if not isinstance(value, str) or not value.strip():
        check.report(where, here, f"base must be an action name, not {describe(value)}")
        return None, {}
    parsed = check.inline_command(value, here, where)
    return parsed if parsed is not None else (None, {})


def check_base_cycles(
    check: Checker,
    actions: dict[str, ActionSpec],
    base_positions: dict[str, Position],
    path: str,
    prefix: str = "",
) -> None:
    """Report each chain of ad-hoc bases that leads back to itself, once."""

    def resolve(base: str) -> str | None:
        if prefix and base.startswith(prefix) and base[len(prefix) :] in actions:
            return base[len(prefix) :]
        return base if base in actions else None

    reported: set[str] = set()
    for start in actions:
        chain = [start]
        current = resolve(actions[start].base)
        while current is not None and current not in chain:
            chain.append(current)
            current = resolve(actions[current].base)
        if current is None or current in reported:
            continue
        cycle = chain[chain.index(current) :]
        reported.update(cycle)
        first = min(cycle, key=lambda name: base_positions[name])
        ordered = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
        check.report(
            base_positions[first],
            child(child(path, first), "base"),
            f"base forms a cycle: {' -> '.join([*ordered, first])}",
        )
