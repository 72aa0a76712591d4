"""Running an ad-hoc action outside a workflow (``run-action``): expand it (engine.core.adhoc),
run its base action, apply its output transforms. An error result is passed on untransformed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.actions.base import ActionContext
from engine.actions.registry import ActionRegistry
from engine.actions.runner import ActionOutcome, run_descriptor
from engine.core.adhoc import AdHocSpec, Evaluate, prepare_call, transform_output
from engine.core.errors import ActionError


async def run_adhoc(
    chain: Sequence[AdHocSpec],
    given: Mapping[str, Any],
    data: Mapping[str, Any],
    evaluate: Evaluate,
    registry: ActionRegistry,
    context: ActionContext | None = None,
) -> ActionOutcome:
    """Run an ad-hoc action; errors (input, expressions, the base action) come back in the
    outcome. An error result is passed on untransformed, as in Mistral."""
    try:
        call = prepare_call(chain, given, data, evaluate)
    except Exception as exc:
        return ActionOutcome(error=_message(chain[0].name, "base-input", exc))
    outcome = await run_descriptor(registry.get(call.base), call.input, context or ActionContext())
    if not outcome.ok or outcome.pending:
        return outcome
    try:
        return replace(outcome, data=transform_output(call, outcome.data, evaluate))
    except Exception as exc:
        return ActionOutcome(error=_message(chain[0].name, "output", exc))


def _message(name: str, where: str, exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return str(exc)
    return f"Failed to evaluate the {where} of ad-hoc action {name}: {exc}"
