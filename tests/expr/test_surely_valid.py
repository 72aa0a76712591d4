"""Validation skips YAQL's parser only for text YAQL is sure to accept; the statement parsed
later evaluates as an eager parse does, and syntax errors are still reported."""

import random

import pytest

from engine.expr import ExpressionSyntaxError, compile_string, evaluate
from engine.expr.syntax import YAQL_ENGINE, YAQL_SURELY_VALID, YaqlWhole

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
    assert YAQL_SURELY_VALID.fullmatch(text)
    YAQL_ENGINE(text)


@pytest.mark.parametrize("text", LEFT_TO_YAQL)
def test_other_text_is_left_to_yaql(text):
    assert not YAQL_SURELY_VALID.fullmatch(text)


def test_no_mutated_text_is_proved_unless_yaql_accepts_it():
    """Random edits of valid expressions: whatever the pattern still proves, YAQL parses."""
    chance = random.Random(7)
    proved = 0
    for _ in range(3000):
        text = chance.choice(PROVED)
        for _ in range(chance.randint(1, 3)):
            at = chance.randrange(len(text) + 1)
            text = text[:at] + chance.choice(MUTATIONS) + text[at + chance.randint(0, 1) :]
        if YAQL_SURELY_VALID.fullmatch(text.strip()):
            proved += 1
            YAQL_ENGINE(text.strip())
    assert proved > 300


def test_lazily_parsed_statement_evaluates_as_an_eager_parse():
    context = {"a": True, "b": False, "c": 2, "xs": [{"n": 4}]}
    for text, value in [("$.xs[0].n * -2 mod 3", 1), ("not ($.a and $.b) or $.c != null", True)]:
        compiled = compile_string(f"<% {text} %>")
        assert compiled.parsed is None
        eager = YaqlWhole(compiled.source, None, YAQL_ENGINE(text))
        assert evaluate(compiled, context) == evaluate(eager, context) == value
        assert compiled.parsed is not None


def test_syntax_errors_are_still_reported():
    with pytest.raises(ExpressionSyntaxError, match="YAQL syntax error"):
        compile_string("<% $.a and and %>")
    with pytest.raises(ExpressionSyntaxError, match="YAQL syntax error"):
        compile_string("<% f(1 %>")
