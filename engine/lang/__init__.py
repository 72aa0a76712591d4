"""Parse and validate Mistral v2 documents into frozen specs, reporting every problem at once."""

from engine.lang.documents import parse_actions, parse_workbook, parse_workflows
from engine.lang.errors import DefinitionError, Problem
from engine.lang.spec import (
    ENGINE_COMMANDS,
    ActionListSpec,
    ActionSpec,
    Clause,
    InputParam,
    Policies,
    Retry,
    Target,
    TaskSpec,
    WithItem,
    WorkbookSpec,
    WorkflowListSpec,
    WorkflowSpec,
)

__all__ = [
    "ENGINE_COMMANDS",
    "ActionListSpec",
    "ActionSpec",
    "Clause",
    "DefinitionError",
    "InputParam",
    "Policies",
    "Problem",
    "Retry",
    "Target",
    "TaskSpec",
    "WithItem",
    "WorkbookSpec",
    "WorkflowListSpec",
    "WorkflowSpec",
    "parse_actions",
    "parse_workbook",
    "parse_workflows",
]
