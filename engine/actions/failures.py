"""Reading a client library's failure: the chain of errors it wrapped, and the operating
system's reason at its root ("Connection refused"), which says more than the wrappers."""

from __future__ import annotations

from collections.abc import Iterator


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the errors it was raised from or while handling, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def os_reason(error: BaseException) -> str | None:
    """The deepest operating-system reason in the chain, if there is one."""
    for cause in reversed(list(error_chain(error))):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return None
