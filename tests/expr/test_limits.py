"""Expressions that would eat the machine fail with a clear message instead."""

import pytest

from engine.expr import ContextView, ExpressionError, compile_string, evaluate, yaql_runtime


def ev(text, **options):
    return evaluate(compile_string(text), ContextView({"xs": [1, 2, 3]}), **options)


@pytest.mark.parametrize(
    "text",
    [
        "<% list(range(0, 100000000).select($ * 2)) %>",
        "<% range(0, 100000000).select($ * 2).len() %>",
        "<% range(100000000).sum() %>",
        "<% sequence().len() %>",  # yaql's own len() of an iterator has no limit
        "<% format('{0}', sequence()) %>",
        "<% json_dump(sequence()) %>",
    ],
)
def test_iteration_limit(text):
    with pytest.raises(ExpressionError, match="exceeded the iteration limit of 100000 items"):
        ev(text)


def test_memory_quota_of_one_value():
    with pytest.raises(ExpressionError, match="exceeded the memory quota of 50000000 bytes"):
        ev("<% 'x' * 1000000000 %>")


def test_time_limit():
    with pytest.raises(ExpressionError, match=r"exceeded the time limit of 0\.3 s"):
        ev("<% range(10000).select(range(10000).sum()).sum() %>", time_limit=0.3)


def test_memory_growth_limit(monkeypatch):
    monkeypatch.setattr(yaql_runtime, "MEMORY_GROWTH_LIMIT", 32 << 20)
    with pytest.raises(ExpressionError, match="exceeded the memory limit of 32 MiB"):
        ev("<% range(100000).select(concat('x' * 1000000, str($))).toList().len() %>")


def test_small_work_is_untouched_by_the_limits():
    assert ev("<% range(100).select($ * 2).sum() %>") == 9900
    assert ev("<% $.xs.select($ * 2).len() %>") == 3
    assert ev("<% range(2, 5).len() %>") == 3


def test_jinja_sandbox_caps_range():
    with pytest.raises(ExpressionError, match="Range too big"):
        ev("{{ range(100000000) | list | length }}")
