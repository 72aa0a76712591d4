"""Errors the conductor reports with a message meant for the user (Mistral's texts)."""

from __future__ import annotations

from typing import Any

from engine.expr.errors import ExpressionError, FunctionError


class ActionError(Exception):
    """An action failed with a message meant for the user (Mistral's ``ActionException``)."""


class InvalidActionInput(ActionError):
    """Missing or unexpected action input names, worded as Mistral's ``InputException``."""


class EngineError(Exception):
    """Something in a workflow went wrong in a way the user can act on (MistralException)."""


class InputError(EngineError):
    """Bad input to a workflow, task or action (Mistral's InputException)."""


class WorkflowError(EngineError):
    """An operation that the execution's state does not allow (Mistral's WorkflowException)."""


# Errors that fail a task or a workflow with their message instead of crashing the engine.
USER_ERRORS = (EngineError, ExpressionError, FunctionError, ActionError)


def invalid_input(name: str, class_name: str, missing: list[str], unexpected: list[str]) -> str:
    """`Invalid input [name=wf, class=DirectWorkflowSpec, missing=['x']]`, as Mistral says
    of workflows and actions alike."""
    text = f"Invalid input [name={name}, class={class_name}"
    if missing:
        text += f", missing={missing}"
    if unexpected:
        text += f", unexpected={unexpected}"
    return text + "]"


def check_workflow_input(spec: Any, given: dict[str, Any]) -> None:
    """Mistral's validate_input: required names missing or undeclared names given. Here, not
    in the conductor, so that a command checks its input without importing the engine."""
    declared = {param.name for param in spec.input}
    missing = [p.name for p in spec.input if p.required and p.name not in given]
    unexpected = [name for name in given if name not in declared]
    if missing or unexpected:
        class_name = "ReverseWorkflowSpec" if spec.type == "reverse" else "DirectWorkflowSpec"
        raise InputError(invalid_input(spec.name, class_name, missing, unexpected))
