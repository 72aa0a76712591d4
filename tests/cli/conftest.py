import logging

import pytest


@pytest.fixture(autouse=True)
def restore_logging():
    """`main()` configures the root logger as a process would; undo it for the next tests."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
