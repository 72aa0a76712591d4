"""What the registry knows about one action: name, class, input parameters read from its
``__init__`` signature, and the input text ``action-list`` shows."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.actions.base import Action
from engine.core.errors import InvalidActionInput, invalid_input

NO_DEFAULT = inspect.Parameter.empty


@dataclass(frozen=True)
class ActionParam:
    """One input parameter; ``default`` is ``NO_DEFAULT`` when the parameter is required."""

    name: str
    default: Any = NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


def signature_params(function: Any) -> tuple[list[ActionParam], str | None]:
    """The named parameters of `function` and the name of its ``**kwargs`` (None without)."""
    params, var_keyword = [], None
    for param in inspect.signature(function).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            var_keyword = param.name
        elif param.kind is not param.VAR_POSITIONAL:
            params.append(ActionParam(param.name, param.default))
    return params, var_keyword


@dataclass(frozen=True)
class ActionDescriptor:
    """A runnable action: ``name`` as workflows call it and the class that implements it."""

    name: str
    action_class: type[Action]
    params: tuple[ActionParam, ...] = ()
    accepts_any: bool = False  # the signature has ``**kwargs``: input names are not checked
    description: str = ""
    is_system: bool = True
    input_text: str = ""

    @classmethod
    def from_class(
        cls, name: str, action_class: type[Action], *, is_system: bool = True
    ) -> ActionDescriptor:
        """Read the input parameters from ``__init__`` and the description from the docstring."""
        params, var_keyword = signature_params(action_class.__init__)
        doc = inspect.cleandoc(action_class.__doc__ or "")  # a class __doc__ is not inherited
        return cls.build(name, action_class, params[1:], var_keyword, doc, is_system=is_system)

    @classmethod
    def build(
        cls,
        name: str,
        action_class: type[Action],
        params: list[ActionParam],
        var_keyword: str | None,
        doc: str,
        *,
        is_system: bool = True,
    ) -> ActionDescriptor:
        """A descriptor from parameters (`var_keyword`: the ``**kwargs`` name, or None) and a
        docstring whose first line is the description."""
        return cls(
            name=name,
            action_class=action_class,
            params=tuple(params),
            accepts_any=var_keyword is not None,
            description=doc.split("\n", 1)[0],
            is_system=is_system,
            input_text=format_input(params, var_keyword),
        )

    def check_input(self, given: Mapping[str, Any]) -> None:
        """Raise :class:`InvalidActionInput` naming missing and unexpected parameters."""
        if self.accepts_any:
            return
        known = {param.name for param in self.params}
        missing = [p.name for p in self.params if p.required and p.name not in given]
        unexpected = [name for name in given if name not in known]
        if missing or unexpected:
            raise InvalidActionInput(
                invalid_input(self.name, self.action_class.__name__, missing, unexpected)
            )

    def instantiate(self, given: Mapping[str, Any]) -> Action:
        """Check ``given`` and build the action object from it."""
        self.check_input(given)
        return self.action_class(**given)


def format_input(params: list[ActionParam], var_keyword: str | None = None) -> str:
    """``url, method="GET", params=null, **kwargs``: Mistral's stored action input string."""
    parts = [
        p.name if p.required else f"{p.name}={json.dumps(p.default, default=str)}" for p in params
    ]
    if var_keyword:
        parts.append(f"**{var_keyword}")
    return ", ".join(parts)
