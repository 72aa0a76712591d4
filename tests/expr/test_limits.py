"""Expressions that would eat the machine fail with a message naming the limit instead."""

import resource
import threading
import time

import pytest

from engine import limits
from engine.expr import ContextView, ExpressionError, compile_string, evaluate


def ev(text, data=None, **options):
    return evaluate(compile_string(text), ContextView(data or {"xs": [1, 2, 3]}), **options)


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
        ev(text, time_limit=10)  # a busy machine must not turn this into a time-limit test


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("<% len([0] * $.n) %>", "repeating a list 200000000 times would pass the limit of 100000"),
        ("<% $.n * [0, 1] %>", "repeating a list 200000000 times"),
        ("<% len('a' * $.n) %>", "repeating a string 200000000 times would pass the limit of"),
        ("{{ 'a' * _.n }}", "repeating a string 200000000 times would pass the limit of"),
        ("{{ ([0] * _.n) | length }}", "repeating a list 200000000 times"),
        ("<% pow(2, $.n) %>", "2 \\*\\* 200000000 would pass the limit of 10000 bits"),
        ("{{ 2 ** _.n }}", "2 \\*\\* 200000000 would pass the limit of 10000 bits"),
        ("<% shiftBitsLeft(1, $.n) %>", "shifting by 200000000 bits would pass the limit"),
        ("{{ '%999999999s' % 1 }}", "a % format with a width over 9999 is refused"),
        ("{{ '%*s' | format(_.n, 'a') }}", "a % format with a width over 9999 is refused"),
        ("{{ 'a' | center(_.n) }}", "a width of 200000000 would pass the limit of"),
        ("{{ 'a'.ljust(_.n) }}", "a width of 200000000 would pass the limit of"),
        ("{{ 'a' | indent(_.n, true) }}", "a width of 200000000 would pass the limit of"),
        ("{{ ('a' * 4000000) | replace('a', 'bb') }}", "replacing 4000000 times would pass"),
        ("{{ ('a' * 4000000).replace('a', 'bb') }}", "replacing 4000000 times would pass"),
        ("<% ('a' * 4000000).replace('a', 'bb') %>", "replacing 4000000 times would pass"),
    ],
)
def test_allocations_refused_before_they_happen(text, limit):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ExpressionError, match=limit):
        ev(text, {"n": 200_000_000})
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 20 << 10


def test_template_output_limit():
    with pytest.raises(ExpressionError, match="output passed the limit of 4194304 characters"):
        ev("{% for i in range(5) %}{{ 'a' * 1000000 }}{% endfor %}")


@pytest.mark.parametrize(
    "text",
    [
        "<% range(100000).select(range(100000).sum()).sum() %>",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{{ range(100000) | list | length }}{% endfor %}",
    ],
)
def test_time_limit(text):
    with pytest.raises(ExpressionError, match=r"exceeded the CPU time limit of 0\.3 s"):
        ev(text, time_limit=0.3)


def test_default_time_limit_names_the_limit():
    with pytest.raises(ExpressionError, match=r"exceeded the CPU time limit of 0\.5 s"):
        ev("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")


def test_memory_limit(monkeypatch):
    monkeypatch.setattr(limits, "EXPRESSION_MEMORY_LIMIT", 32 << 20)
    with pytest.raises(ExpressionError, match="exceeded the memory limit of 32 MiB"):
        ev("<% range(100000).select(concat('x' * 1000000, str($))).toList().len() %>")


def test_evaluations_in_threads_have_their_own_budgets():
    """A slow evaluation in one thread is stopped; a quick one in another is not."""
    outcomes = {}

    def slow():
        try:
            ev("<% range(100000).select(range(100000).sum()).sum() %>", time_limit=0.3)
        except ExpressionError as error:
            outcomes["slow"] = str(error)

    thread = threading.Thread(target=slow)
    thread.start()
    quick = [ev("<% range(1000).sum() %>") for _ in range(200)]
    thread.join()
    assert quick == [499500] * 200
    assert "CPU time limit of 0.3 s" in outcomes["slow"]


def test_a_stopped_evaluation_leaves_the_next_one_intact():
    with pytest.raises(ExpressionError, match="time limit"):
        ev(
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            time_limit=0.1,
        )
    time.sleep(0.1)  # any late exception from the watchdog would land here or below
    compiled, view = compile_string("<% $.xs.sum() %>"), ContextView({"xs": [1, 2, 3]})
    assert [evaluate(compiled, view) for _ in range(1000)] == [6] * 1000


def test_small_work_is_untouched_by_the_limits():
    assert ev("<% range(100).select($ * 2).sum() %>") == 9900
    assert ev("<% $.xs.select($ * 2).len() %>") == 3
    assert ev("<% range(2, 5).len() %>") == 3
    assert ev("<% [1, 2] * 2 %>") == [1, 2, 1, 2]
    assert ev("<% 2 * 'ab' %>") == "abab"
    assert ev("{{ 'ab' * 2 }}") == "abab"
    assert ev("{{ 2 ** 10 }}") == 1024
    assert ev("{{ '%5s|%-3d' % ('a', 7) }}") == "    a|7  "
    assert ev("<% pow(2, 10) %>") == 1024
    assert ev("{{ 'ab'.replace('a', 'c') ~ ('ab' | replace('b', 'd')) }}") == "cbad"
    assert ev("<% 'ab'.replace('a', 'c') %>") == "cb"
    assert ev("{{ 'a' | center(5) ~ '|' ~ 'a'.rjust(3) }}") == "  a  |  a"


def test_jinja_sandbox_caps_range():
    with pytest.raises(ExpressionError, match="Range too big"):
        ev("{{ range(100000000) | list | length }}")


# --- regular expressions: RE2, linear in the input ------------------------------------------

EVIL = "a" * 5000 + "!"


@pytest.mark.parametrize(
    "text",
    [
        "<% regex('^(a+)+$').matches($.s) %>",
        "<% $.s.matches('^(a+)+$') %>",
        "<% $.s =~ '^(a|aa)+$' %>",
        "<% not ($.s !~ regex('^(a+)+$')) %>",
        "<% regex('(x+x+)+y').search($.s) = null %>",
    ],
)
def test_catastrophic_patterns_run_in_linear_time(text):
    started = time.monotonic()
    assert ev(text, {"s": EVIL}) in (False, True)
    assert time.monotonic() - started < 5  # Python's re would need 2**5000 steps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% regex('A.C', ignoreCase => true).matches('abc') %>", True),
        ("<% regex('a.c').matches('abc') %>", True),
        ("<% regex('^b', multiLine => true).matches('a\\nb') %>", True),
        ("<% regex('a.b', dotAll => true).matches('a\\nb') %>", True),
        ("<% regex('b(.)').search('abcd', $) %>", {"value": "bc", "start": 1, "end": 3}),
        ("<% regex('[0-9]').searchAll('a1b22') %>", ["1", "2", "2"]),
        ("<% 'a1b2'.replace(regex('[0-9]'), '_') %>", "a_b_"),
        ("<% regex('[0-9]').replace('a1b2', '_', 1) %>", "a_b2"),
        ("<% 'a1b2'.replaceBy(regex('[0-9]'), $.value + $.value) %>", "a11b22"),
        ("<% regex(',').split('a,b,c') %>", ["a", "b", "c"]),
        ("<% 'a,b'.split(regex(',')) %>", ["a", "b"]),
        ("<% 'abc' =~ regex('b') %>", True),
        ("<% 'abc' =~ 'x' %>", False),
        ("<% isRegex(regex('x')) %>", True),
        ("<% escapeRegex('a.b') %>", "a\\.b"),
    ],
)
def test_regex_functions_keep_yaql_behaviour(text, expected):
    assert ev(text) == expected


def test_patterns_re2_cannot_run_are_refused_with_the_reason():
    with pytest.raises(ExpressionError, match=r"regular expression '\(a\)\\\\1' is refused"):
        ev("<% regex($.p).matches('aa') %>", {"p": "(a)\\1"})
    with pytest.raises(ExpressionError, match="invalid perl operator: \\(\\?="):
        ev("<% 'ab'.matches('a(?=b)') %>")
