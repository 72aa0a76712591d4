"""The console tests here use the console's own fixtures."""

from tests.tui.conftest import no_endpoint  # noqa: F401 (a fixture)
