"""Validation skips YAQL's parser only for text YAQL is sure to accept; the statement parsed
later evaluates as an eager parse does, and syntax errors are still reported."""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from engine.expr import ExpressionSyntaxError, compile_string, evaluate
from engine.expr.syntax import YaqlWhole, yaql_engine, yaql_surely_valid

REPO = Path(__file__).resolve().parents[2]

PROVED = [
    "$.get('v0', 0) + 1",
    "task(t1).result",
    "$.v1 >= 0",
    "not ($.a and $.b) or $.c != null",
    "$.xs[0].n * -2 mod 3",
    'len($.s) in [1, 2, "x"]',
    "$.a.b.keys().len() <= 3",
    "f(g(1), [2, 3])",
]
LEFT_TO_YAQL = [
    "$.a and$.b",  # a word operator without blanks
    "$.a -> $.b",
    "$.a =~ 'x'",
    "f(x => 1)",
    "$.__x",
    "$.in",
    "{a => 1}",
    "'a\\'b'",
    "1e5",
    "$ a",
    "",
]
MUTATIONS = list("$.()[],'\" \n\t-+*/<>=!~?{}:;_at019%\\") + ["and", "not", "=>", "->", "__"]


@pytest.mark.parametrize("text", PROVED)
def test_proved_text_is_accepted_by_yaql(text):
    assert yaql_surely_valid().fullmatch(text)
    yaql_engine()(text)


@pytest.mark.parametrize("text", LEFT_TO_YAQL)
def test_other_text_is_left_to_yaql(text):
    assert not yaql_surely_valid().fullmatch(text)


def test_no_mutated_text_is_proved_unless_yaql_accepts_it():
    """Random edits of valid expressions: whatever the pattern still proves, YAQL parses."""
    chance = random.Random(7)
    proved = 0
    for _ in range(3000):
        text = chance.choice(PROVED)
        for _ in range(chance.randint(1, 3)):
            at = chance.randrange(len(text) + 1)
            text = text[:at] + chance.choice(MUTATIONS) + text[at + chance.randint(0, 1) :]
        if yaql_surely_valid().fullmatch(text.strip()):
            proved += 1
            yaql_engine()(text.strip())
    assert proved > 300


def test_lazily_parsed_statement_evaluates_as_an_eager_parse():
    context = {"a": True, "b": False, "c": 2, "xs": [{"n": 4}]}
    for text, value in [("$.xs[0].n * -2 mod 3", 1), ("not ($.a and $.b) or $.c != null", True)]:
        compiled = compile_string(f"<% {text} %>")
        assert compiled.parsed is None
        eager = YaqlWhole(compiled.source, None, yaql_engine()(text))
        assert evaluate(compiled, context) == evaluate(eager, context) == value
        assert compiled.parsed is not None


def test_syntax_errors_are_still_reported():
    with pytest.raises(ExpressionSyntaxError, match="YAQL syntax error"):
        compile_string("<% $.a and and %>")
    with pytest.raises(ExpressionSyntaxError, match="YAQL syntax error"):
        compile_string("<% f(1 %>")


def test_parser_and_pattern_are_built_on_first_use():
    """Importing the engine builds neither; a provable expression builds only the pattern."""
    script = """
from engine.expr import compile_string
from engine.expr.syntax import yaql_engine, yaql_surely_valid
import engine.runtime
assert yaql_surely_valid.cache_info().currsize == 0
assert yaql_engine.cache_info().currsize == 0
compile_string("<% $.a + 1 %>")
assert yaql_surely_valid.cache_info().currsize == 1
assert yaql_engine.cache_info().currsize == 0
compile_string("<% {a => 1} %>")
assert yaql_engine.cache_info().currsize == 1
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)
