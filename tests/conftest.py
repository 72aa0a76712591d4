"""Fixtures shared by the whole suite."""

# --- Ironic sandbox fixtures (engine.sandbox): ironic_sandbox, ironic_sandbox_dir ---
pytest_plugins = ["tests.sandbox_fixtures"]
