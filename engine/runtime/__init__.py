"""The asyncio engine service around the conductor, and the execution half of the API."""

from engine.runtime.facade import ExecutionsApi
from engine.runtime.service import INTERRUPTED, Change, Engine, EngineBusy, EngineStopped

__all__ = ["INTERRUPTED", "Change", "Engine", "EngineBusy", "EngineStopped", "ExecutionsApi"]
