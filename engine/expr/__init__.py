"""YAQL and Jinja expressions with Mistral's rules.

Its names are imported on first use (engine.lazy).
"""

from engine.lazy import lazy_attributes

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

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "ContextView": "engine.expr.context",
        "ExecutionData": "engine.expr.context",
        "data_context": "engine.expr.context",
        "plain_dict": "engine.expr.context",
        "with_layer": "engine.expr.context",
        "ExpressionError": "engine.expr.errors",
        "evaluate": "engine.expr.evaluate",
        "FunctionError": "engine.expr.errors",
        "EXPRESSION_TYPES": "engine.expr.syntax",
        "Expression": "engine.expr.syntax",
        "ExpressionSyntaxError": "engine.expr.syntax",
        "compile_string": "engine.expr.syntax",
        "compile_value": "engine.expr.syntax",
        "contains_expression": "engine.expr.syntax",
        "has_expression": "engine.expr.syntax",
    },
)
