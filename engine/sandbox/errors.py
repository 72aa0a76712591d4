"""The one error the sandbox raises."""


class SandboxError(RuntimeError):
    """The sandbox could not be installed, started, reached or stopped; the message says why."""
