"""Fixtures shared by the whole suite."""

# --- sandbox fixtures (engine.sandbox): ironic_sandbox, ironic_sandbox_dir, mistral_sandbox,
#     mistral_sandbox_dir ---
# --- hostile loopback servers and action limits: silent_url, refused_url, huge_body_server,
#     action_limits ---
pytest_plugins = ["tests.sandbox_fixtures", "tests.hostile_servers"]
