"""YAQL and Jinja expressions with Mistral's rules."""

from engine.expr.context import (
    ContextView,
    ExecutionData,
    data_context,
    plain_dict,
    with_layer,
)
from engine.expr.evaluate import ExpressionError, evaluate
from engine.expr.functions import FunctionError
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
    "ContextView",
    "ExecutionData",
    "Expression",
    "ExpressionError",
    "ExpressionSyntaxError",
    "FunctionError",
    "compile_string",
    "compile_value",
    "contains_expression",
    "data_context",
    "evaluate",
    "has_expression",
    "plain_dict",
    "with_layer",
]
