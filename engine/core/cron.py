"""Cron triggers as Mistral runs them (mistral/services/triggers.py and periodic.py), as pure
functions of the time given: when a new trigger first fires, and what firing leaves of it.

Times are UTC, naive, with Mistral's one-second text form. A trigger due while no engine ran
fires once when one runs again, then continues from the first time of its pattern after now
(Mistral's catch-up rule: `max(now, next_execution_time)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engine.core.errors import InputError

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # as stored and shown, UTC
FIRST_TIME_FORMAT = "%Y-%m-%d %H:%M"  # as `--first-time` is given
MIN_LEAD = timedelta(minutes=1)  # a first time must be at least this far ahead (Mistral's rule)
# The pattern Mistral stores for a trigger given none (a first time alone): February 30th, never.
NEVER_PATTERN = "0 0 30 2 0"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a trigger fires next and how many times it still may (None: no end)."""

    next_execution_time: str
    remaining_executions: int | None


def utc(timestamp: float) -> datetime:
    """A Unix time as a naive UTC datetime, whole seconds."""
    return datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)


def timestamp(text: str) -> float:
    """A stored time (UTC text) as a Unix time."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC).timestamp()


def parse_first_time(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM` (UTC); a stored time's seconds are taken too."""
    for form in (FIRST_TIME_FORMAT, TIME_FORMAT):
        try:
            return datetime.strptime(text.strip(), form)
        except ValueError:
            continue
    raise InputError(f"Invalid first execution time '{text}': use YYYY-MM-DD HH:MM (UTC)")


def check_pattern(pattern: str) -> None:
    """A 5-field cron pattern (minute hour day month weekday) or an alias such as @daily."""
    from croniter import croniter

    fields = pattern.split()
    if len(fields) != 5 and not (len(fields) == 1 and pattern.strip().startswith("@")):
        raise InputError(
            f"Invalid cron pattern '{pattern}': it needs 5 fields "
            "(minute hour day-of-month month day-of-week), e.g. '0 */6 * * *'"
        )
    try:
        croniter(pattern)
    except (ValueError, KeyError) as error:
        raise InputError(f"Invalid cron pattern '{pattern}': {error}") from None


def next_after(pattern: str, after: datetime) -> datetime:
    """The pattern's first time strictly after `after`."""
    from croniter import CroniterBadDateError, croniter

    try:
        return croniter(pattern, after).get_next(datetime)
    except CroniterBadDateError:  # valid fields, no date (February 31st)
        raise InputError(f"Invalid cron pattern '{pattern}': it matches no date") from None


def first_schedule(
    pattern: str | None, first_time: str | None, count: int | None, now: datetime
) -> Schedule:
    """A new trigger's first firing, checked as Mistral checks it (validate_cron_trigger_input).

    With a first time it fires then (once, if it has no pattern), else at the pattern's next
    time after now; `count` bounds how many times it fires.
    """
    if not (pattern or first_time):
        raise InputError("Pattern or first_execution_time must be specified.")
    if count is not None and count < 1:
        raise InputError(f"Invalid count {count}: remaining_executions must be at least 1")
    if pattern:
        check_pattern(pattern)
    if not first_time:
        return Schedule(next_after(pattern, now).strftime(TIME_FORMAT), count)
    first = parse_first_time(first_time)
    if first < now + MIN_LEAD:
        raise InputError(
            f"first_execution_time must be at least 1 minute in the future: "
            f"{first:{FIRST_TIME_FORMAT}} is not after {now + MIN_LEAD:{TIME_FORMAT}} (UTC)"
        )
    if not pattern and count is not None and count > 1:
        raise InputError("Pattern must be provided if count is superior to 1.")
    return Schedule(first.strftime(TIME_FORMAT), count if pattern or count else 1)


def after_firing(
    pattern: str | None, next_execution_time: str, remaining: int | None, now: datetime
) -> Schedule | None:
    """What is left of a trigger once it fired at `now`: its next firing, or None when that
    was its last (Mistral's advance_cron_trigger). A trigger late by hours fires once, then
    at its pattern's next time after now."""
    if remaining is not None:
        remaining -= 1
        if remaining <= 0:
            return None
    if not pattern or pattern == NEVER_PATTERN:  # a first time alone fires once
        return None
    due = datetime.strptime(next_execution_time, TIME_FORMAT)
    return Schedule(next_after(pattern, max(now, due)).strftime(TIME_FORMAT), remaining)
