"""Data flow between tasks: merging upstream contexts the way Mistral's context versioning does.

Every outbound context carries, beside its values, how many times each key path was published
on the way to it. Where branches meet (a join, the workflow's final context) the value published
more often wins, so a branch that re-published a variable is not overwritten by a branch that
only carried the old value. Nothing is mutated in place: merged levels are new dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Versions = dict[str, int]


def merge_by_version(
    left: dict[str, Any], left_versions: Versions, right: dict[str, Any], right_versions: Versions
) -> tuple[dict[str, Any], Versions]:
    """`right` merged into `left`: new keys added, nested dicts merged, a shared leaf replaced
    only when `right` published it more times."""
    merged = _merge(left, left_versions, right, right_versions, "")
    versions = dict(left_versions)
    for key, count in right_versions.items():
        if count > versions.get(key, 0):
            versions[key] = count
    return merged, versions


def _merge(
    left: dict[str, Any], lver: Versions, right: dict[str, Any], rver: Versions, prefix: str
) -> dict[str, Any]:
    result = dict(left)
    for key, value in right.items():
        if key not in result:
            result[key] = value
            continue
        path = f"{prefix}.{key}" if prefix else key
        current = result[key]
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _merge(current, lver, value, rver, path)
        elif rver.get(path, 0) > lver.get(path, 0):
            result[key] = value
    return result


def merge_outbound(contexts: Sequence[tuple[dict[str, Any], Versions]]) -> tuple[dict, Versions]:
    """Merge several (context, versions) pairs as Mistral does: the last one is the base and
    the others are merged into it in order."""
    if not contexts:
        return {}, {}
    context, versions = contexts[-1]
    for other, other_versions in contexts[:-1]:
        context, versions = merge_by_version(context, versions, other, other_versions)
    return context, versions
