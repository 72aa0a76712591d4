"""Short ids: the first characters of an id (the console shows 8), accepted wherever a whole id
is, as git and the openstack CLI accept them."""

from __future__ import annotations

import re

from engine.store.database import Store
from engine.store.errors import NotFoundError, StoreError

MIN_PREFIX = 4  # shorter text is taken as a whole id only
ID_TABLES = {
    "execution": "workflow_executions",
    "task": "task_executions",
    "action execution": "action_executions",
    "workflow": "workflow_definitions",
    "action": "action_definitions",
    "cron trigger": "cron_triggers",
}
NAMED_KINDS = {"workflow", "action", "cron trigger"}  # given by name or id: a name wins
_UUID_START = re.compile(r"[0-9a-f-]+")


class AmbiguousIdError(StoreError, LookupError):
    """A short id that starts more than one id; the message says how many."""


def taken_as_given(kind: str, given: str) -> bool:
    """Whether `given` needs no lookup: too short to be a prefix, or, for a kind that also has
    names, no start of a UUID (`tripleo.baremetal.v1.tag_node` is a name)."""
    return len(given) < MIN_PREFIX or (kind in NAMED_KINDS and not _UUID_START.fullmatch(given))


async def resolve_id(store: Store, kind: str, given: str) -> str:
    """The whole id of the `kind` object (a key of ID_TABLES) that `given` is or starts.

    A range over the primary key's index (`id >= given AND id < next`): a whole id finds
    itself, a prefix reads two index entries at most (and counts them when several match).
    NotFoundError when none matches; AmbiguousIdError when several do. A kind of NAMED_KINDS
    takes a name (or no match) as given: the caller's lookup decides.
    """
    table = ID_TABLES[kind]
    if taken_as_given(kind, given):
        return given  # the caller's lookup decides
    named = kind in NAMED_KINDS
    if named and await store.fetch_one(f"SELECT 1 FROM {table} WHERE name = ?", (given,)):
        return given
    after = given[:-1] + chr(ord(given[-1]) + 1)  # the first text past every `given...`
    rows = await store.fetch_all(
        f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (given, after)
    )
    if len(rows) == 1:
        return rows[0]["id"]
    if not rows:
        if named:
            return given
        raise NotFoundError(f"{kind.capitalize()} '{given}' not found")
    row = await store.fetch_one(
        f"SELECT count(*) AS n FROM {table} WHERE id >= ? AND id < ?", (given, after)
    )
    raise AmbiguousIdError(
        f"{kind.capitalize()} id '{given}' is ambiguous: it starts {row['n']} {kind} ids; "
        "give more characters"
    )
