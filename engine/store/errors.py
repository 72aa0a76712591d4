"""Errors the store raises; each message names the object so a user can act on it."""


class StoreError(Exception):
    """A request the state file cannot satisfy."""


class NotFoundError(StoreError, LookupError):
    """No object with that name or id."""


class AlreadyExistsError(StoreError):
    """An object with that name is already stored."""


class ConflictError(StoreError):
    """The request would break how stored objects belong together."""
