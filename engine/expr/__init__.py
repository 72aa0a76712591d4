"""YAQL and Jinja expressions with Mistral's rules."""

from engine.expr.syntax import (
    EXPRESSION_TYPES,
    Expression,
    ExpressionSyntaxError,
    compile_string,
    compile_value,
    contains_expression,
    has_expression,
)

__all__ = [
    "EXPRESSION_TYPES",
    "Expression",
    "ExpressionSyntaxError",
    "compile_string",
    "compile_value",
    "contains_expression",
    "has_expression",
]
