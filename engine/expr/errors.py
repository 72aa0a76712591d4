"""The errors expressions raise at evaluation, in a module of their own so that the engine's
error list (engine.core.errors) does not load YAQL or Jinja."""


class ExpressionError(ValueError):
    """An expression failed to evaluate. The message names the expression, never the data."""


class FunctionError(ValueError):
    """A custom function was called in a way it cannot answer; the message says why."""
