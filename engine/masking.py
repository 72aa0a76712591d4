"""Secrets out of sight wherever a value is shown (CLI, console, API answers).

The state file keeps execution input, environments and results as given (as Mistral does); what
is shown goes through :func:`mask_secrets` first. A value under a secret-named key (oslo.utils'
list, as OpenStack services use it: password, token, secret, private_key, passphrase ...) is
shown as ``***``, and so is any copy of such a value elsewhere: a published variable or an
action input built from a secret input (``"auth": "admin:<password>"``) is masked too when the
secrets of its execution are given. Text (state_info) goes through oslo's ``mask_password``
(``password=...`` patterns) and loses object addresses.

oslo's ``mask_dict_password`` alone misses two cases our earlier lists caught, so they are kept
here: a dict or list under a secret key (oslo masks only the strings inside it by their own
keys) and keys with ``passwd``, ``passcode`` or ``totp`` in them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

MASK = "***"
# oslo.utils' strutils._SANITIZE_KEYS (its list of secret words, tests/test_masking.py checks
# that it still is): a key or a text holding none of them needs no strutils, whose import
# compiles hundreds of patterns (~45 ms, more than a quick command's whole run).
OSLO_SECRET_WORDS = (
    "adminpass",
    "admin_pass",
    "password",
    "admin_password",
    "auth_token",
    "new_pass",
    "auth_password",
    "secret_uuid",
    "secret",
    "sys_pswd",
    "token",
    "configdrive",
    "chappassword",
    "encrypted_key",
    "private_key",
    "fernetkey",
    "sslkey",
    "passphrase",
    "cephclusterfsid",
    "octaviaheartbeatkey",
    "rabbitcookie",
    "cephmanilaclientkey",
    "pacemakerremoteauthkey",
    "designaterndckey",
    "cephadminkey",
    "heatauthencryptionkey",
    "cephclientkey",
    "keystonecredential",
    "barbicansimplecryptokek",
    "cephrgwkey",
    "swifthashsuffix",
    "migrationsshkey",
    "cephmdskey",
    "cephmonkey",
    "chapsecret",
)
EXTRA_SECRET_WORDS = ("passwd", "passcode", "totp")
# A secret shorter than this is masked only where it is a whole value: as a substring it would
# turn ordinary words into *** (a 3-letter password inside every "admin").
MIN_SUBSTRING_SECRET = 4
OBJECT_ADDRESS = re.compile(r" (object )?at 0x[0-9a-fA-F]+")
# The fields of the records the API returns that may hold secrets.
VALUE_FIELDS = ("input", "output", "params", "published", "result", "variables")
TEXT_FIELDS = ("state_info",)


def _holds_secret_word(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in words)


@functools.lru_cache(maxsize=4096)
def _is_secret_name(key: str) -> bool:
    """As oslo's mask_dict_password decides for a key, and our extra words."""
    return _holds_secret_word(key, OSLO_SECRET_WORDS + EXTRA_SECRET_WORDS)


def is_secret_key(key: object) -> bool:
    """Whether a value under ``key`` is a secret (``OS_PASSWORD``, ``ipmi_password`` ...)."""
    return isinstance(key, str) and _is_secret_name(key)


def secret_values(*values: Any) -> frozenset[str]:
    """Every non-empty string or number under a secret-named key, at any depth, in ``values``."""
    return frozenset(_secrets_in(values, False))


def _secrets_in(value: Any, secret: bool) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _secrets_in(item, secret or is_secret_key(key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets_in(item, secret)
    elif secret and isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        if text:
            yield text


async def execution_secrets(
    execution: Any, get_execution: Callable[[str], Awaitable[Any]]
) -> frozenset[str]:
    """The secret values an execution was given: under secret keys of its input and params
    (env), and of its root execution's, fetched with ``get_execution`` (a sub-workflow gets
    them under other names)."""
    found = secret_values(execution.input, execution.params)
    root_id = execution.root_execution_id
    if root_id and root_id != execution.id:
        root = await get_execution(root_id)
        found |= secret_values(root.input, root.params)
    return found


def mask_secrets(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with secrets replaced by MASK: values under secret keys
    (whole, even a dict), strings equal to or containing one of ``secrets``, and
    ``password=...`` patterns in text."""
    ordered = _ordered(secrets)
    return _mask(value, ordered)


def mask_text(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """A message (state_info, an error) with secrets and object addresses removed."""
    if text is None:
        return None
    return OBJECT_ADDRESS.sub("", _mask_string(text, _ordered(secrets)))


def mask_record(record: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of an API record (execution, task, action execution, environment) with its value
    fields masked and its own secrets (a stand-alone action's input) counted too."""
    names = {field.name for field in dataclasses.fields(record)}
    own = [getattr(record, name) for name in VALUE_FIELDS if name in names]
    ordered = _ordered([*secrets, *secret_values(*own)])
    changes = {
        name: _mask(getattr(record, name), ordered) for name in VALUE_FIELDS if name in names
    }
    for name in TEXT_FIELDS:
        if name in names and getattr(record, name) is not None:
            changes[name] = OBJECT_ADDRESS.sub("", _mask_string(getattr(record, name), ordered))
    return dataclasses.replace(record, **changes)


def _ordered(secrets: Iterable[str]) -> tuple[str, ...]:
    """Longest first, so a secret that contains another is replaced whole."""
    return tuple(sorted({secret for secret in secrets if secret}, key=len, reverse=True))


def _mask(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {
            key: MASK if is_secret_key(key) and value_present(item) else _mask(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask(item, secrets) for item in value]
    if isinstance(value, str):
        return _mask_string(value, secrets)
    if secrets and isinstance(value, int | float) and not isinstance(value, bool):
        return MASK if str(value) in secrets else value
    return value


def value_present(item: Any) -> bool:
    """An empty secret (None, "") is shown as it is: it hides nothing and says it is unset."""
    return item not in (None, "")


def _mask_string(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if text == secret:
            return MASK
        if len(secret) >= MIN_SUBSTRING_SECRET and secret in text:
            text = text.replace(secret, MASK)
    if not _holds_secret_word(text, OSLO_SECRET_WORDS):
        return text  # as oslo's mask_password returns it
    from oslo_utils import strutils

    return strutils.mask_password(text, MASK)
