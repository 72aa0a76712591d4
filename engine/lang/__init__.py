"""Parse and validate Mistral v2 documents into frozen specs, reporting every problem at once.

Its names are imported on first use (engine.lazy).
"""

from engine.lazy import lazy_attributes

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

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "parse_actions": "engine.lang.documents",
        "parse_workbook": "engine.lang.documents",
        "parse_workflows": "engine.lang.documents",
        "DefinitionError": "engine.lang.errors",
        "Problem": "engine.lang.errors",
        "ENGINE_COMMANDS": "engine.lang.spec",
        "ActionListSpec": "engine.lang.spec",
        "ActionSpec": "engine.lang.spec",
        "Clause": "engine.lang.spec",
        "InputParam": "engine.lang.spec",
        "Policies": "engine.lang.spec",
        "Retry": "engine.lang.spec",
        "Target": "engine.lang.spec",
        "TaskSpec": "engine.lang.spec",
        "WithItem": "engine.lang.spec",
        "WorkbookSpec": "engine.lang.spec",
        "WorkflowListSpec": "engine.lang.spec",
        "WorkflowSpec": "engine.lang.spec",
    },
)
