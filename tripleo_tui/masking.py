"""Secrets out of sight: values under keys named like passwords or tokens are shown as `***`.

The state file keeps execution input, environments and results as given (as Mistral does);
what the commands print goes through `mask_secrets` first.
"""

from __future__ import annotations

from typing import Any

MASK = "***"
SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "private_key")


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and any(word in key.lower() for word in SECRET_WORDS)


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON-like value with every non-empty secret-named entry replaced by MASK."""
    if isinstance(value, dict):
        return {
            key: MASK if is_secret_key(key) and item not in (None, "") else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value
