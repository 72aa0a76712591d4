"""How long expression evaluation takes (µs per evaluation, best of several timeit repeats).

    python3 bench/bench_expr.py [--repeats N]

The context is `{'a': {'b': 41}, 'xs': [0..99]}` as in engine-research.md §4, so the figures
compare with the raw YAQL and Jinja costs measured there.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from engine.expr import ContextView, compile_string, compile_value, evaluate

DATA = {"a": {"b": 41}, "xs": list(range(100))}
BIG = {**DATA, **{f"key{index}": {"value": "x" * 60, "n": index} for index in range(10_000)}}


def measure(function: Callable[[], object], repeats: int) -> float:
    """Best µs per call over `repeats` timeit runs, each sized to take about 0.2 s."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeats, number)) / number * 1e6


def one(text: str, data: dict = DATA) -> Callable[[], object]:
    """Evaluate `text` against one view reused across calls (the per-task YAQL context cached)."""
    compiled, view = compile_string(text), ContextView(data)
    return lambda: evaluate(compiled, view)


def fresh_view(text: str, data: dict = DATA) -> Callable[[], object]:
    """Evaluate `text` against a new view each call, as the first expression of a task does."""
    compiled = compile_string(text)
    return lambda: evaluate(compiled, ContextView(data))


def cases() -> dict[str, Callable[[], object]]:
    five = compile_value(
        {
            "path": "<% $.a.b %>",
            "sum": "<% $.a.b + 1 %>",
            "get": "<% $.get('missing', 0) %>",
            "text": "b=<% $.a.b %>",
            "jinja": "{{ _.a.b * 2 }}",
        }
    )
    return {
        "YAQL plain path <% $.a.b %> (fast path)": one("<% $.a.b %>"),
        "Jinja plain path {{ _.a.b }} (fast path)": one("{{ _.a.b }}"),
        "YAQL <% $.a.b + 1 %>, view reused": one("<% $.a.b + 1 %>"),
        "YAQL <% $.a.b + 1 %>, new view each call": fresh_view("<% $.a.b + 1 %>"),
        "YAQL <% $.a.b + 1 %>, new view over a ~1 MB context": fresh_view("<% $.a.b + 1 %>", BIG),
        "YAQL where/select over 100 items": one("<% $.xs.where($ > 50).select($ * 2) %>"),
        "Jinja whole expression {{ _.a.b + 1 }}": one("{{ _.a.b + 1 }}"),
        "Jinja template 'b={{ _.a.b }} n={{ _.xs | length }}'": one(
            "b={{ _.a.b }} n={{ _.xs | length }}"
        ),
        "dict of 5 expressions, one new view": lambda: evaluate(five, ContextView(DATA)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    for name, function in cases().items():
        print(f"{measure(function, repeats):10.1f} µs  {name}")


if __name__ == "__main__":
    main()
