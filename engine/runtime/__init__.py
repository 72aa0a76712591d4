"""The asyncio engine service around the conductor.

Its names are imported on first use (engine.lazy).
"""

from engine.lazy import lazy_attributes

__all__ = ["INTERRUPTED", "Change", "Engine", "EngineBusy", "EngineStopped"]

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "INTERRUPTED": "engine.runtime.service",
        "Change": "engine.runtime.service",
        "Engine": "engine.runtime.service",
        "EngineBusy": "engine.runtime.service",
        "EngineStopped": "engine.runtime.service",
    },
)
