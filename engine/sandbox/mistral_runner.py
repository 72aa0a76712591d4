"""Run OpenStack Mistral's engine and REST API in one process, for the Mistral sandbox.

Started by engine.sandbox.mistral with the sandbox venv's Python, so it imports only Mistral
(never `engine`). `mistral-server --server all` would start each service in its own process,
which the in-process `fake:/` transport cannot join; here both run as threads under one
oslo.service Launcher. On first start the SQLite database is created the way Mistral's own
tests do (`setup_db`, as `upgrade head` cannot alter constraints on SQLite), stamped at the
newest migration and populated with the standard actions and workflows, as
`mistral-db-manage stamp head` and `populate` do.

Usage: python mistral_runner.py CONFIG_FILE
"""

import sys

import mistral.cmd  # noqa: F401  (selects oslo.service's threading backend; must come first)

# isort: split
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from mistral import config
from mistral.api import service as api_service
from mistral.db.sqlalchemy import base as db_base
from mistral.db.v2 import api as db_api
from mistral.engine import engine_server
from mistral.rpc import base as rpc
from mistral.services import action_manager, workflows
from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import service


def create_database() -> None:
    db_api.setup_db()
    # `stamp head` without alembic's env.py, whose logging fileConfig would silence Mistral's log
    migrations = ScriptDirectory.from_config(_alembic_config())
    with db_base.get_engine().begin() as connection:
        MigrationContext.configure(connection).stamp(migrations, "head")
    action_manager.sync_db()
    workflows.sync_db()


def _alembic_config():
    from alembic.config import Config

    alembic = Config()
    alembic.set_main_option("script_location", "mistral.db.sqlalchemy.migration:alembic_migrations")
    return alembic


def main(config_file: str) -> None:
    config.parse_args(["--config-file", config_file])
    logging.setup(cfg.CONF, "mistral")
    rpc.get_transport()
    create_database()
    launcher = service.Launcher(cfg.CONF)
    launcher.launch_service(engine_server.get_oslo_service())
    launcher.launch_service(api_service.WSGIService("mistral_api"))
    launcher.wait()


if __name__ == "__main__":
    main(sys.argv[1])
