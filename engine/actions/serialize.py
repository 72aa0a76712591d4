"""Turn an action's result into JSON-able data the way Mistral did (oslo ``to_primitive`` with
``convert_instances=True``): a client object becomes its ``__dict__``, so both
``result.provision_state`` and ``result._info`` work in expressions."""

from __future__ import annotations

import datetime
import inspect
import ipaddress
import uuid
from typing import Any

from engine.masking import MASK, is_secret_key

MAX_DEPTH = 3
_OPAQUE = (
    inspect.ismodule,
    inspect.isclass,
    inspect.isroutine,
    inspect.isgenerator,
    inspect.istraceback,
    inspect.isframe,
    inspect.iscode,
)


def to_primitive(value: Any, max_depth: int = MAX_DEPTH, _level: int = 0) -> Any:
    """Return ``value`` as dicts, lists, str, numbers, bool and None.

    Each object (or mapping that is not a dict) entered adds one level; past ``max_depth``
    the value becomes None, which breaks reference cycles such as ``resource.manager``.
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, BaseException):
        return repr(value)
    if any(test(value) for test in _OPAQUE):
        return str(value)
    if _level > max_depth:
        return None
    if isinstance(value, dict):
        return {
            to_primitive(key, max_depth, _level): to_primitive(item, max_depth, _level)
            for key, item in value.items()
        }
    # Ask the type, not the object: a lazy client object fetches from the API on a missing
    # attribute.
    kind = type(value)
    if hasattr(kind, "items"):
        return to_primitive(dict(value.items()), max_depth, _level + 1)
    if hasattr(kind, "__iter__"):
        return [to_primitive(item, max_depth, _level) for item in value]
    if hasattr(value, "__dict__"):
        attributes = {
            # a client's token or password never leaves the object
            name: MASK if is_secret_key(name) else item
            for name, item in vars(value).items()
        }
        return to_primitive(attributes, max_depth, _level + 1)
    return str(value)
