"""The asyncio engine service around the conductor."""

from engine.runtime.service import INTERRUPTED, Change, Engine, EngineBusy, EngineStopped

__all__ = ["INTERRUPTED", "Change", "Engine", "EngineBusy", "EngineStopped"]
