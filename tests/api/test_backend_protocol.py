"""The embedded and the Mistral backends implement every operation of the Backend protocol, with
the same parameters (names, kinds, defaults), so the console and the CLI can use either."""

import inspect

import pytest

from engine.api import Backend
from engine.api.embedded import EmbeddedBackend
from engine.api.mistral import MistralBackend

OPERATIONS = sorted(
    name
    for name, member in vars(Backend).items()
    if callable(member) or isinstance(member, property)
    if not name.startswith("_") or name in ("__aenter__", "__aexit__")
)


def test_the_protocol_lists_the_operations():
    assert {"start_execution", "list_messages", "subscribe", "check_execution_input"} <= set(
        OPERATIONS
    )


@pytest.mark.parametrize("backend", [EmbeddedBackend, MistralBackend])
@pytest.mark.parametrize("name", OPERATIONS)
def test_each_backend_has_it(backend, name):
    wanted = getattr(Backend, name)
    found = getattr(backend, name, None)
    assert found is not None, f"{backend.__name__} has no {name}"
    if isinstance(wanted, property):
        assert isinstance(found, property)
        return
    given = inspect.signature(found).parameters
    for parameter in inspect.signature(wanted).parameters.values():
        assert parameter.name in given, f"{name}: no parameter {parameter.name}"
        assert given[parameter.name].kind == parameter.kind, f"{name}({parameter.name})"
        assert given[parameter.name].default == parameter.default, f"{name}({parameter.name})"
    extra = set(given) - set(inspect.signature(wanted).parameters)
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    for extra_name in extra:
        extra_parameter = given[extra_name]
        assert (
            extra_parameter.kind in variadic or extra_parameter.default is not extra_parameter.empty
        )
    assert inspect.iscoroutinefunction(found) == inspect.iscoroutinefunction(wanted) or (
        inspect.isasyncgenfunction(found)
    ), name
