"""The cron scheduler: a task on the engine's event loop that starts the workflows of due cron
triggers (engine.core.cron has Mistral's rules; engine.store.cron_triggers the rows).

A firing is one engine event: the new execution and the trigger's next time (or its deletion)
commit in the same transaction, fenced by the engine's lease like every engine write. So a
trigger fires once per due time: never twice (an engine that lost its lease commits nothing),
and not lost when the engine stops between the two. A trigger that was due while no engine ran
is due at start: it fires once, then continues from its pattern's first time after now.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.core import cron
from engine.core.errors import EngineError
from engine.store import NotFoundError
from engine.store import cron_triggers as rows

if TYPE_CHECKING:
    from engine.runtime.service import Engine
    from engine.store.cron_triggers import CronTriggerRecord

LOG = logging.getLogger(__name__)

# Triggers fired per engine turn: their executions commit together, and the loop shared with
# the screen gets back control between slices.
FIRE_SLICE = 100
# Longest sleep between two looks at the table: a trigger written by a process that did not wake
# us (or a wall clock that jumped) is noticed this soon.
LOOK_EVERY = 10.0


class CronScheduler:
    """Fires the due triggers of the engine's state file; `wake()` after a trigger changed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="cron-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look at the triggers again now (one was created or deleted)."""
        self._wake.set()

    async def _run(self) -> None:
        while self.engine.running:
            self._wake.clear()
            try:
                wait = await self._fire_due()
            except Exception:  # a bug or an unreadable row: the engine itself carries on
                LOG.exception("The cron scheduler failed; it looks again in %g s", LOOK_EVERY)
                wait = LOOK_EVERY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(max(wait, 0.0), LOOK_EVERY))

    async def _fire_due(self) -> float:
        """Fire a slice of the due triggers; return how long to wait before looking again."""
        store = self.engine.store
        now = self.engine.clock()
        due = await rows.due_cron_triggers(
            store, cron.utc(now).strftime(cron.TIME_FORMAT), FIRE_SLICE
        )
        if due:
            # croniter takes about 0.5 ms a time: a slice's next times are found in a thread
            # (the loop stalled 0.2-0.3 s per slice of 100 otherwise; bench/bench_cron.py)
            left = await asyncio.to_thread(_after_firing, due, cron.utc(now))
            await asyncio.gather(*(map(self._fire, due, left)))
            return 0.0
        soonest = await rows.next_cron_time(store)
        return LOOK_EVERY if soonest is None else cron.timestamp(soonest) - now

    async def _fire(self, trigger: CronTriggerRecord, left: cron.Schedule | None) -> None:
        """Start the trigger's workflow and advance the trigger to what is `left` of it, in one
        commit. A start the workflow refuses (its input changed since) still advances it, as
        Mistral does."""
        advance = functools.partial(
            rows.advance_cron_trigger,
            trigger_id=trigger.id,
            fired=trigger.next_execution_time,
            next_execution_time=None if left is None else left.next_execution_time,
            remaining_executions=None if left is None else left.remaining_executions,
        )
        description = {
            "description": f"Workflow execution created by cron trigger '({trigger.id})'.",
            "triggered_by": {"type": "cron_trigger", "id": trigger.id},
        }
        start = None
        try:
            start = await self.engine.prepare_start(
                trigger.workflow_id,
                trigger.workflow_input,
                trigger.workflow_params,
                json.dumps(description),
            )
        except (EngineError, NotFoundError) as error:
            self._refused(trigger, error)
        try:  # with no start (refused), the write alone: the trigger still advances
            execution = await self.engine.submit(start, also_write=advance)
        except Exception as error:  # the conductor's refusal (a bug's is logged there)
            if self.engine.running:  # else the engine stopped: the next one fires it
                self._refused(trigger, error)
            return
        if execution is not None:
            LOG.info("Cron trigger '%s' started execution %s", trigger.name, execution.id)

    @staticmethod
    def _refused(trigger: CronTriggerRecord, error: Exception) -> None:
        LOG.warning("Cron trigger '%s' could not start its workflow: %s", trigger.name, error)


def _after_firing(due: list[CronTriggerRecord], now: datetime) -> list[cron.Schedule | None]:
    return [
        cron.after_firing(t.pattern, t.next_execution_time, t.remaining_executions, now)
        for t in due
    ]
